import { randomUUID } from 'node:crypto'
import type pg from 'pg'
import {
  alertHistory,
  alertParcels,
  findAlert,
  listAlerts as listAlertRows,
  type AlertFilter,
  type AlertRow,
} from '../db/alert-queries-repo.ts'
import { resolveCleared, upsertAlerts, type AlertChange, type AlertGroup } from '../db/alerts-repo.ts'
import {
  deleteMaintenanceWindow,
  endSilence as endSilenceRow,
  insertMaintenanceWindow,
  insertSilence,
  listMaintenanceWindows,
  listSilences as listSilenceRows,
  mutedAlertIds,
  type MaintenanceWindow,
  type Silence,
} from '../db/silences-repo.ts'
import { lockAlertReconciliation, withTransaction } from '../db/tx.ts'
import {
  canTransition,
  checkRecurringWindow,
  historyAction,
  type AlertState,
  type PersonAction,
} from '../domain/alert-lifecycle.ts'
import { clearedFor, type ManualResolutionPolicy } from '../domain/alert-policy.ts'
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../lib/errors.ts'
import { enqueueAlertActions, enqueueAlertNotifications } from './webhooks.ts'

/**
 * The alert service: every transaction that changes alerts opens here (the
 * sweeps' reconciliations, a person's acknowledgement or resolution, an
 * incident, a complaint reply that resolves its overdue alert, a hand-off), and
 * the alert, silence, incident and hand-off routes are one-liners over it. The
 * rules it applies are server/domain/alert-lifecycle.ts; it tells the live
 * channel after commit and writes the webhook outbox inside the transaction, so
 * a notification exists exactly when its change does.
 */

/** What the service needs from the app (AppContext has it all). */
export interface AlertDeps {
  db: pg.Pool
  /** Tells every instance's live channel (after commit). */
  publishAlerts: (data: unknown) => Promise<void>
}

/** Who acts: a person (userId) and, for hub-scoped staff, their hub (null: the whole network). */
export interface Actor {
  userId: number | null
  scopeHub: string | null
}

/**
 * Runs `fn` as one alert transaction through withTransaction (retried on
 * deadlock or serialization failure, so `fn` must be re-runnable). A
 * transaction that changes many alerts at once (`reconcile`, the default) takes
 * the alert reconciliation lock first: step 1 of the lock order in server/db/tx.ts.
 */
export function alertTransaction<T>(
  db: pg.Pool,
  name: string,
  fn: (client: pg.PoolClient) => Promise<T>,
  o: { reconcile?: boolean } = {},
): Promise<T> {
  return withTransaction(db, { name }, async (client) => {
    if (o.reconcile !== false) await lockAlertReconciliation(client)
    return fn(client)
  })
}

/**
 * Writes the webhook outbox for the notable changes, in the caller's
 * transaction. Muted alerts page nobody; 'updated' (every sweep) is not news.
 */
export async function notifyInTransaction(
  client: pg.PoolClient,
  changes: readonly AlertChange[],
  now: Date,
): Promise<void> {
  const paging = changes.filter((c) => c.action !== 'updated')
  if (paging.length === 0) return
  const muted = await mutedAlertIds(
    client,
    paging.map((c) => c.id),
    now,
  )
  await enqueueAlertNotifications(
    client,
    paging.filter((c) => !muted.has(c.id)),
    now,
  )
}

export interface ReconcileGate {
  /** The condition must hold this long before its alert opens (0: at once). */
  pendingMs: number
  /** A person's resolution holds (MANUAL_RESOLUTION). */
  manual: ManualResolutionPolicy
  /** An open alert resolves only once its condition has been clear this long (0: at the first sweep that misses it). */
  clearMs?: number
}

/**
 * One detection rule's alerts brought in line with what holds now, in the caller's
 * alert transaction: the groups open (after the pending period, a person's resolution
 * respected) or update their alert, the alerts whose condition has been clear for
 * `clearMs` resolve (clearedFor; until then they stay open as they were), and the
 * notable changes go to the webhook outbox. The minute and anomaly sweeps' rules
 * (server/services/detection.ts, hub-anomalies.ts) all reconcile through it.
 */
export async function reconcileGroups(
  client: pg.PoolClient,
  rule: string,
  groups: readonly AlertGroup[],
  now: Date,
  escalateAfterMs: number,
  gate: ReconcileGate,
): Promise<AlertChange[]> {
  const seen = await upsertAlerts(client, rule, groups, now, escalateAfterMs, {
    pendingMs: gate.pendingMs,
    graceMs: 0,
    manual: gate.manual,
  })
  const holding = seen.map((g) => g.subject)
  if (gate.clearMs) {
    const unseen = await client.query<{ subject: string; last_seen_at: Date }>(
      `SELECT subject, last_seen_at FROM alerts WHERE rule = $1 AND state <> 'resolved' AND NOT (subject = ANY($2::text[]))`,
      [rule, holding],
    )
    for (const a of unseen.rows)
      if (!clearedFor(a.last_seen_at.getTime(), now.getTime(), gate.clearMs)) holding.push(a.subject)
  }
  const found = [...seen, ...(await resolveCleared(client, rule, holding, now))]
  await notifyInTransaction(client, found, now)
  return found
}

// ─── Reading ──────────────────────────────────────────────────────────────────

/** The console's list, most impact first (severity, then parcels, then newest). */
export function listAlerts(db: pg.Pool, filter: AlertFilter): Promise<AlertRow[]> {
  return listAlertRows(db, filter)
}

/** One alert with its history and (up to 500 of) its parcels; another hub's alert does not exist for a hub-scoped person. */
export async function alertDetail(db: pg.Pool, id: number, scopeHub: string | null) {
  const alert = await findAlert(db, id, scopeHub)
  if (!alert) throw new NotFoundError(`No alert ${id}`)
  return { alert, history: await alertHistory(db, id), parcels: await alertParcels(db, id, 500) }
}

// ─── A person's moves ─────────────────────────────────────────────────────────

const SET: Readonly<Record<PersonAction, string>> = {
  acknowledge: `state = 'acknowledged', acknowledged_at = $2, acknowledged_by = $3, next_escalation_at = NULL`,
  resolve: `state = 'resolved', resolved_at = $2, resolved_by = $3, next_escalation_at = NULL`,
}

export interface PersonMove {
  id: number
  action: PersonAction
  comment: string
  actor: Actor
  now: Date
}

/**
 * Acknowledges or resolves an alert with a comment, as the lifecycle allows
 * (409 invalid_transition otherwise, naming the state it is in). A resolution
 * by a person holds: the sweep does not open the same condition again unless it
 * worsens past the margin or the hold time passes (alert-lifecycle.ts).
 */
export async function moveAlert(deps: AlertDeps, m: PersonMove): Promise<AlertRow> {
  if (m.actor.userId === null) throw new ConflictError('Only a person can do this')
  const userId = m.actor.userId
  const done = historyAction(m.action)
  await alertTransaction(
    deps.db,
    `alert ${done}`,
    async (client) => {
      // Lock order step 4: the alert, by id.
      const r = await client.query<{ state: AlertState }>(
        `SELECT state FROM alerts WHERE id = $1 AND ($2::text IS NULL OR hub_code = $2) FOR NO KEY UPDATE`,
        [m.id, m.actor.scopeHub],
      )
      const state = r.rows[0]?.state
      if (state === undefined) throw new NotFoundError(`No alert ${m.id}`)
      if (!canTransition(state, m.action))
        throw new ConflictError(`Alert ${m.id} is ${state}; it can't be ${done}`, 'invalid_transition')
      // $1 id, $2 now, $3 user id
      await client.query(`UPDATE alerts SET ${SET[m.action]} WHERE id = $1`, [m.id, m.now, userId])
      await client.query(
        `INSERT INTO alert_history (alert_id, at, action, user_id, comment) VALUES ($1, $2, $3, $4, $5)`,
        [m.id, m.now, done, userId, m.comment],
      )
      await enqueueAlertActions(client, [{ id: m.id, action: done }], m.now)
    },
    { reconcile: false },
  )
  const alert = (await findAlert(deps.db, m.id))!
  // The hub lets the live channel give hub-scoped people their own hub's changes only.
  await deps.publishAlerts({ at: m.now.toISOString(), changes: [{ ...changeOf(alert), action: done }] })
  return alert
}

function changeOf(a: AlertRow) {
  return {
    id: a.id,
    rule: a.rule,
    subject: a.subject,
    hubCode: a.hubCode,
    severity: a.severity,
    title: a.title,
    titleKey: a.titleKey,
    titleParams: a.titleParams,
    itemCount: a.itemCount,
    muted: a.muted,
  }
}

// ─── Incidents ────────────────────────────────────────────────────────────────

export interface IncidentInput {
  hub: string
  kind: string
  title: string
  comment: string
  actor: Actor
  now: Date
  escalateAfterMs: number
}

/**
 * A person raises an incident at a hub (manual 2.3.3, 8.3): a critical alert in
 * their own words, with the same lifecycle as any alert; while unresolved it
 * inhibits the parcel-level alerts of its hub, which it explains.
 */
export async function openIncident(deps: AlertDeps, i: IncidentInput): Promise<AlertChange> {
  checkHubScope(i.actor, i.hub)
  const subject = `incident:${randomUUID()}`
  const change = await alertTransaction(deps.db, 'incident', async (client) => {
    const [opened] = await upsertAlerts(
      client,
      'incident',
      [
        {
          subject,
          hubCode: i.hub,
          severity: 'critical',
          title: i.title,
          itemCount: 0,
          details: { kind: i.kind, comment: i.comment },
        },
      ],
      i.now,
      i.escalateAfterMs,
    )
    await client.query(
      `UPDATE alert_history SET user_id = $2, comment = $3 WHERE alert_id = $1 AND action = 'opened'`,
      [opened!.id, i.actor.userId, i.comment],
    )
    await notifyInTransaction(client, [opened!], i.now)
    return opened!
  })
  await deps.publishAlerts({ at: i.now.toISOString(), changes: [change] })
  return change
}

// ─── Silences ─────────────────────────────────────────────────────────────────

/** A hub-scoped person raises incidents and silences at their own hub only (a silence without a hub would mute every hub). */
function checkHubScope(actor: Actor, hub: string | null | undefined): void {
  if (actor.scopeHub !== null && hub !== actor.scopeHub)
    throw new ForbiddenError(`You act for hub ${actor.scopeHub} only: name hub ${actor.scopeHub}`)
}

export function listSilences(db: pg.Pool, now: Date, scopeHub: string | null): Promise<Silence[]> {
  return listSilenceRows(db, now, scopeHub)
}

export interface SilenceInput {
  rule: string | null
  hubCode: string | null
  startsAt: Date
  endsAt: Date
  kind: 'silence' | 'maintenance'
  comment: string
  actor: Actor
}

/** Mutes the alerts of a rule, a hub or both from startsAt to endsAt (they are still recorded and shown). */
export async function createSilence(db: pg.Pool, s: SilenceInput): Promise<Omit<Silence, 'createdBy'>> {
  if (s.endsAt <= s.startsAt)
    throw new BadRequestError('endsAt must be after startsAt', [{ field: 'endsAt', message: 'must be after startsAt' }])
  checkHubScope(s.actor, s.hubCode)
  const { actor, ...row } = s
  const id = await insertSilence(db, row, actor.userId)
  return { id, ...row }
}

/** Ends a silence now (kept for the record); a hub-scoped person ends only their hub's. */
export async function endSilence(db: pg.Pool, id: number, now: Date, scopeHub: string | null): Promise<void> {
  if (!(await endSilenceRow(db, id, now, scopeHub))) throw new NotFoundError(`No active silence ${id}`)
}

// ─── Recurring maintenance windows ────────────────────────────────────────────

export function listWindows(db: pg.Pool, now: Date, scopeHub: string | null): Promise<MaintenanceWindow[]> {
  return listMaintenanceWindows(db, now, scopeHub)
}

export interface WindowInput {
  hubCode: string | null
  rule: string | null
  days: number[]
  start: string
  end: string
  comment: string
  actor: Actor
  now: Date
}

/**
 * A window repeated every week (e.g. a sorting centre closed every night 02:00–05:00):
 * the alerts of its hub and rule page nobody while it runs (mutedSql); they are still
 * recorded and listed. A hub-scoped person sets windows at their own hub only.
 */
export async function createWindow(db: pg.Pool, w: WindowInput): Promise<MaintenanceWindow> {
  try {
    checkRecurringWindow(w)
  } catch (err) {
    if (err instanceof RangeError) throw new BadRequestError(err.message, [{ field: 'end', message: err.message }])
    throw err
  }
  checkHubScope(w.actor, w.hubCode)
  const days = [...new Set(w.days)].sort((a, b) => a - b)
  return insertMaintenanceWindow(
    db,
    { hubCode: w.hubCode, rule: w.rule, days, start: w.start, end: w.end, comment: w.comment },
    w.now,
  )
}

export async function removeWindow(db: pg.Pool, id: number, scopeHub: string | null): Promise<MaintenanceWindow> {
  const removed = await deleteMaintenanceWindow(db, id, scopeHub)
  if (!removed) throw new NotFoundError(`No maintenance window ${id}`)
  return removed
}
