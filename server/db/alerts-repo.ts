import type pg from 'pg'
import { FLAP_DAMPING, flapQuiet, mayReopenAfterManual, type ManualResolutionPolicy } from '../domain/alert-policy.ts'
import { mutedSql } from './silences-repo.ts'
import { alertTitleFields, type AlertText, type AlertTitleFields } from '../domain/alert-titles.ts'

/**
 * `raised`: an open alert's severity rose from info to warning or critical (it pages then, as if it had just opened).
 * The title as stored: a message key and parameters, or a person's words (alert-titles.ts).
 */
export interface AlertChange extends AlertTitleFields {
  id: number
  rule: string
  subject: string
  hubCode: string | null
  severity: string
  itemCount: number
  action: 'opened' | 'updated' | 'raised' | 'auto_resolved'
}

/** A parcel rule: the parcels that meet it, grouped per hub into one alert each. */
export interface RuleSpec {
  rule: string
  /** SQL predicate over `shipments s` (static text from code, never from input), over the sweep's shared parameters. */
  where: string
  /** From the impact: the parcels at the hub, and how many of them are express (and the hub, for a rule judged against its background). */
  severity: (count: number, express: number, hub: string) => 'info' | 'warning' | 'critical'
  /** What the alert records besides its count (e.g. the background it was judged against). */
  details?: (hub: string) => Record<string, unknown> | undefined
  title: (hubName: string, count: number) => AlertText
}

/**
 * What a new alert must pass before it opens (alert-policy.ts): the condition
 * held for `pendingMs` (0: at once) in every evaluation since it was first seen
 * (a sweep that does not see it restarts the clock; a late sweep does not), and
 * no person resolved the same (rule, subject) recently unless it has worsened
 * past the margin. `graceMs` is not used by the sweeps (kept for the domain's
 * trackPending).
 */
export interface OpenGate {
  pendingMs: number
  graceMs: number
  manual: ManualResolutionPolicy
}

export interface AlertGroup {
  subject: string
  hubCode: string | null
  severity: 'info' | 'warning' | 'critical'
  /** A message (key and parameters, alert-titles.ts), or a person's words (an incident). */
  title: AlertText
  itemCount: number
  details?: Record<string, unknown>
}

/**
 * An open alert's severity only rises: a count that dips back under a band's edge
 * leaves it where it was until it resolves. Without this, a group flickering around
 * the edge (20 → 19 → 20 suspected losses) went info and was `raised` again: a second
 * page for the same alert.
 */
const RATCHET = `CASE WHEN array_position(ARRAY['info', 'warning', 'critical'], EXCLUDED.severity) >= array_position(ARRAY['info', 'warning', 'critical'], alerts.severity)
  THEN EXCLUDED.severity ELSE alerts.severity END`

// Info never escalates: its next_escalation_at stays NULL, and is set when it rises to warning or critical.
const UPSERT_SET = `ON CONFLICT (rule, subject) WHERE state <> 'resolved' DO UPDATE
         SET item_count = EXCLUDED.item_count, peak_count = greatest(alerts.peak_count, EXCLUDED.item_count), severity = ${RATCHET},
             title = EXCLUDED.title, title_key = EXCLUDED.title_key, title_params = EXCLUDED.title_params,
             last_seen_at = EXCLUDED.last_seen_at, details = EXCLUDED.details,
             next_escalation_at = CASE WHEN ${RATCHET} = 'info' THEN NULL
                                       WHEN alerts.state = 'open' AND alerts.next_escalation_at IS NULL THEN $3::timestamptz
                                       ELSE alerts.next_escalation_at END
       RETURNING id, (xmax = 0) AS inserted, severity`

/**
 * Opens or updates the groups' alerts, in the groups' order (the lock order's step 4: by
 * (rule, subject) when the caller's groups are in that order), the result row for row.
 * One statement for all of them (one round trip a rule and sweep, not one a group); a
 * list naming one subject twice goes one statement a group, as a statement may not
 * update the same row twice.
 */
// $1 rule, $2 now, $3 first escalation, then per group: subject, hub, severity, title (a person's words) or NULL,
// count, details, title key or NULL, title parameters, quiet until (flap damping) or NULL
async function upsertRows(
  client: pg.PoolClient,
  rule: string,
  groups: readonly AlertGroup[],
  texts: readonly AlertTitleFields[],
  quietUntil: ReadonlyArray<Date | null>,
  now: Date,
  firstEscalation: Date,
): Promise<Array<{ id: number; inserted: boolean; severity: string }>> {
  if (groups.length === 0) return []
  const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v))
  const one = async (from: number, to: number) =>
    (
      await client.query<{ id: number; inserted: boolean; severity: string }>(
        `INSERT INTO alerts (rule, subject, hub_code, severity, title, item_count, peak_count, opened_at, last_seen_at, next_escalation_at, details, title_key, title_params, quiet_until)
         SELECT $1, u.subject, u.hub, u.severity, u.title, u.n, u.n, $2, $2, CASE WHEN u.severity = 'info' THEN NULL ELSE $3::timestamptz END,
                u.details::jsonb, u.title_key, u.title_params::jsonb, u.quiet_until
         FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::text[], $11::text[], $12::timestamptz[])
              WITH ORDINALITY AS u(subject, hub, severity, title, n, details, title_key, title_params, quiet_until, i)
         ORDER BY u.i
         ${UPSERT_SET}`,
        [
          rule,
          now,
          firstEscalation,
          groups.slice(from, to).map((g) => g.subject),
          groups.slice(from, to).map((g) => g.hubCode),
          groups.slice(from, to).map((g) => g.severity),
          texts.slice(from, to).map((t) => t.title),
          groups.slice(from, to).map((g) => g.itemCount),
          groups.slice(from, to).map((g) => json(g.details ?? {})),
          texts.slice(from, to).map((t) => t.titleKey),
          texts.slice(from, to).map((t) => json(t.titleParams)),
          quietUntil.slice(from, to),
        ],
      )
    ).rows
  if (new Set(groups.map((g) => g.subject)).size === groups.length) {
    const rows = await one(0, groups.length)
    // RETURNING gives the rows in the order they were written: the ORDER BY above.
    if (rows.length !== groups.length)
      throw new Error(`upsert of ${rule}: ${rows.length} rows for ${groups.length} groups`)
    return rows
  }
  const out: Array<{ id: number; inserted: boolean; severity: string }> = []
  for (let i = 0; i < groups.length; i++) out.push(...(await one(i, i + 1)))
  return out
}

/**
 * Opens an alert per group, or updates the one already open for its (rule,
 * subject): the partial unique index keeps it to one unresolved alert however
 * many sweeps run at once.
 */
export async function upsertAlerts(
  client: pg.PoolClient,
  rule: string,
  groups: readonly AlertGroup[],
  now: Date,
  escalateAfterMs: number,
  gate?: OpenGate,
): Promise<AlertChange[]> {
  const changes: AlertChange[] = []
  const existing = new Map(
    (
      await client.query<{ subject: string; severity: string }>(
        `SELECT subject, severity FROM alerts WHERE rule = $1 AND state <> 'resolved' AND subject = ANY($2::text[])`,
        [rule, groups.map((g) => g.subject)],
      )
    ).rows.map((r) => [r.subject, r.severity]),
  )
  const allowed = gate
    ? await gateNew(
        client,
        rule,
        groups.filter((g) => !existing.has(g.subject)),
        now,
        gate,
      )
    : null
  const earlier = await lastAutoResolved(
    client,
    rule,
    groups.filter((g) => !existing.has(g.subject) && (!allowed || allowed.has(g.subject))).map((g) => g.subject),
    now,
  )
  const todo = groups.filter((g) => !allowed || existing.has(g.subject) || allowed.has(g.subject))
  const texts = todo.map((g) => alertTitleFields(g.title))
  // A condition back soon after its alert resolved by itself opens quiet (flap damping).
  const quiet = todo.map((g) =>
    flapQuiet(earlier.get(g.subject) ?? null, now.getTime(), g.itemCount)
      ? new Date(now.getTime() + FLAP_DAMPING.windowMs)
      : null,
  )
  const rows = await upsertRows(client, rule, todo, texts, quiet, now, new Date(now.getTime() + escalateAfterMs))
  const history: Array<{ id: number; action: 'opened' | 'raised'; details: Record<string, unknown> }> = []
  todo.forEach((g, i) => {
    const row = rows[i]!
    const before = existing.get(g.subject)
    const raised = !row.inserted && before === 'info' && row.severity !== 'info'
    if (row.inserted || raised)
      history.push({
        id: row.id,
        action: row.inserted ? 'opened' : 'raised',
        details: { count: g.itemCount, severity: row.severity, ...g.details },
      })
    changes.push({
      id: row.id,
      rule,
      subject: g.subject,
      hubCode: g.hubCode,
      severity: row.severity,
      ...texts[i]!,
      itemCount: g.itemCount,
      action: row.inserted ? 'opened' : raised ? 'raised' : 'updated',
    })
  })
  if (history.length > 0)
    await client.query(
      `INSERT INTO alert_history (alert_id, at, action, details)
       SELECT u.id, $1, u.action, u.details::jsonb FROM unnest($2::bigint[], $3::text[], $4::text[]) WITH ORDINALITY AS u(id, action, details, i)
       ORDER BY u.i`,
      [now, history.map((h) => h.id), history.map((h) => h.action), history.map((h) => JSON.stringify(h.details))],
    )
  if (gate && gate.pendingMs > 0) {
    // As Prometheus' `for`: an evaluation that does not see the condition restarts its clock (a slow or late sweep does not).
    const opened = changes.filter((c) => c.action === 'opened').map((c) => c.subject)
    await client.query(
      `DELETE FROM alert_pending WHERE rule = $1 AND (subject = ANY($2::text[]) OR NOT (subject = ANY($3::text[])))`,
      [rule, opened, groups.map((g) => g.subject)],
    )
  }
  return changes
}

/**
 * The last alert of each of `subjects` (rule `rule`) that resolved by itself within
 * the flap window before `now`, with its peak (flapQuiet). One that a person resolved
 * after it is not counted: mayReopenAfterManual holds those.
 */
// $1 rule, $2 subjects, $3 now, $4 window (ms)
async function lastAutoResolved(
  client: pg.PoolClient,
  rule: string,
  subjects: readonly string[],
  now: Date,
): Promise<Map<string, { resolvedAt: number; peak: number }>> {
  if (subjects.length === 0) return new Map()
  const r = await client.query<{ subject: string; resolved_at: Date; peak: number; by_person: boolean }>(
    `SELECT DISTINCT ON (subject) subject, resolved_at, peak_count AS peak, resolved_by IS NOT NULL AS by_person
     FROM alerts WHERE rule = $1 AND subject = ANY($2::text[]) AND state = 'resolved'
       AND resolved_at > $3::timestamptz - $4 * interval '1 millisecond' AND resolved_at <= $3
     ORDER BY subject, resolved_at DESC`,
    [rule, subjects, now, FLAP_DAMPING.windowMs],
  )
  return new Map(
    r.rows.filter((x) => !x.by_person).map((x) => [x.subject, { resolvedAt: x.resolved_at.getTime(), peak: x.peak }]),
  )
}

/**
 * The subjects among `fresh` (no unresolved alert yet) that may open now: seen
 * for the pending period, and not resolved by a person recently unless worse.
 */
async function gateNew(
  client: pg.PoolClient,
  rule: string,
  fresh: readonly AlertGroup[],
  now: Date,
  gate: OpenGate,
): Promise<Set<string>> {
  if (fresh.length === 0) return new Set()
  let ready = fresh.map((g) => g.subject)
  if (gate.pendingMs > 0) {
    const seen = await client.query<{ subject: string; first_seen_at: Date }>(
      `INSERT INTO alert_pending (rule, subject, first_seen_at, last_seen_at)
       SELECT $1, s, $3, $3 FROM unnest($2::text[]) AS s ORDER BY s
       ON CONFLICT (rule, subject) DO UPDATE SET last_seen_at = $3
       RETURNING subject, first_seen_at`,
      [rule, ready, now],
    )
    ready = seen.rows.filter((r) => now.getTime() - r.first_seen_at.getTime() >= gate.pendingMs).map((r) => r.subject)
  }
  if (ready.length === 0) return new Set()
  const manual = await client.query<{ subject: string; resolved_at: Date; item_count: number; by_person: boolean }>(
    `SELECT DISTINCT ON (subject) subject, resolved_at, item_count, resolved_by IS NOT NULL AS by_person
     FROM alerts WHERE rule = $1 AND subject = ANY($2::text[]) AND state = 'resolved' AND resolved_at > $3::timestamptz - $4 * interval '1 millisecond'
     ORDER BY subject, resolved_at DESC`,
    [rule, ready, now, gate.manual.holdMs],
  )
  const held = new Map(manual.rows.filter((r) => r.by_person).map((r) => [r.subject, r]))
  const count = new Map(fresh.map((g) => [g.subject, g.itemCount]))
  return new Set(
    ready.filter((subject) => {
      const r = held.get(subject)
      return (
        !r ||
        mayReopenAfterManual(
          { resolvedAt: r.resolved_at.getTime(), countAtResolution: r.item_count },
          now.getTime(),
          count.get(subject) ?? 0,
          gate.manual,
        )
      )
    }),
  )
}

/** Auto-resolves the unresolved alerts of a rule whose subject no longer meets it. */
// $1 rule, $2 subjects that still hold, $3 now
export async function resolveCleared(
  client: pg.PoolClient,
  rule: string,
  holding: readonly string[],
  now: Date,
): Promise<AlertChange[]> {
  const resolved = await client.query<
    { id: number; subject: string; hub_code: string | null; severity: string } & AlertTitleFields
  >(
    `UPDATE alerts SET state = 'resolved', resolved_at = $3, next_escalation_at = NULL, item_count = 0
     WHERE rule = $1 AND state <> 'resolved' AND NOT (subject = ANY($2::text[]))
     RETURNING id, subject, hub_code, severity, title, title_key AS "titleKey", title_params AS "titleParams"`,
    [rule, holding, now],
  )
  // No comment: the action says it (the screens name it in the reader's language).
  for (const a of resolved.rows) {
    await client.query(`INSERT INTO alert_history (alert_id, at, action) VALUES ($1, $2, 'auto_resolved')`, [a.id, now])
  }
  return resolved.rows.map((a) => ({
    id: a.id,
    rule,
    subject: a.subject,
    hubCode: a.hub_code,
    severity: a.severity,
    title: a.title,
    titleKey: a.titleKey,
    titleParams: a.titleParams,
    itemCount: 0,
    action: 'auto_resolved' as const,
  }))
}

/**
 * The sweep's temporary tables are made once per session and emptied at every commit
 * (ON COMMIT DELETE ROWS), not made and dropped by every sweep: that catalog churn was
 * 30-45 ms of each minute's sweep on the embedded engine. Their rows never outlive the
 * transaction that wrote them, so each connection (the embedded database's one shared
 * session included: it serves one transaction at a time) sees only its own.
 */
// `name`, `columns`: static text from code.
export async function sweepTempTable(client: pg.PoolClient, name: string, columns: string): Promise<void> {
  await client.query(`CREATE TEMP TABLE IF NOT EXISTS ${name} (${columns}) ON COMMIT DELETE ROWS`)
}

/**
 * One pass over the open parcels evaluates every rule's predicate once per parcel, into
 * a temporary table of (rule, hub, waybill) that the reconciliation reads: only the
 * parcels that meet some rule get a row per rule met (the pass once paired every open
 * parcel with every rule, 4 × 9,000 rows a minute, to keep a few hundred).
 *
 * `tally`: a predicate of the same pass (static text from code) whose parcels are
 * counted per hub, returned (for a rule judged against its background); none without it.
 */
/** `join`: tables the predicates read besides `shipments s` (static text from code), joined once per parcel. */
export async function collectHits(
  client: pg.PoolClient,
  specs: readonly RuleSpec[],
  params: unknown[],
  join = '',
  tally?: string,
): Promise<Map<string, number>> {
  await sweepTempTable(
    client,
    'sweep_hits',
    'rule text NOT NULL, hub text NOT NULL, waybill text NOT NULL, express boolean NOT NULL',
  )
  const columns = [
    `coalesce(s.last_scan_hub, s.origin_hub) AS hub, s.waybill, s.tier = 'express' AS express`,
    ...specs.map((s, i) => `(${s.where}) IS TRUE AS m${i}`),
    `${tally ? `(${tally}) IS TRUE` : 'false'} AS counted`,
  ]
  const counted = await client.query<{ hub: string; n: number }>(
    `WITH pass AS MATERIALIZED (
       SELECT ${columns.join(', ')}
       FROM shipments s ${join}
       WHERE s.is_open -- status not delivered or returned (sql/057)
     ), hits AS (
       INSERT INTO sweep_hits
       SELECT r.rule, p.hub, p.waybill, p.express
       FROM pass p CROSS JOIN LATERAL (VALUES ${specs.map((s, i) => `('${s.rule}', p.m${i})`).join(', ')}) AS r(rule, met)
       WHERE (${specs.map((_, i) => `p.m${i}`).join(' OR ')}) AND r.met
     )
     SELECT hub, count(*)::int AS n FROM pass WHERE counted GROUP BY hub`,
    params,
  )
  await client.query('ANALYZE sweep_hits')
  return new Map(counted.rows.map((r) => [r.hub, r.n]))
}

/**
 * Reconciles a parcel rule from the collected hits: the parcels meeting it,
 * grouped per hub where they are, make one alert per hub with the parcel list;
 * hubs with none left resolve.
 */
export async function reconcileRule(
  client: pg.PoolClient,
  spec: RuleSpec,
  now: Date,
  escalateAfterMs: number,
  hubNames: ReadonlyMap<string, string>,
  gate?: OpenGate,
): Promise<AlertChange[]> {
  const counts = (
    await client.query<{ hub: string; n: number; express: number }>(
      'SELECT hub, count(*)::int AS n, count(*) FILTER (WHERE express)::int AS express FROM sweep_hits WHERE rule = $1 GROUP BY hub ORDER BY hub',
      [spec.rule],
    )
  ).rows
  const groups: AlertGroup[] = counts.map((g) => ({
    subject: `hub:${g.hub}`,
    hubCode: g.hub,
    severity: spec.severity(g.n, g.express, g.hub),
    title: spec.title(hubNames.get(g.hub) ?? g.hub, g.n),
    itemCount: g.n,
    details: spec.details?.(g.hub),
  }))
  const changes = await upsertAlerts(client, spec.rule, groups, now, escalateAfterMs, gate)
  // Keep each alert's parcel list equal to what holds now.
  await client.query(
    `DELETE FROM alert_items ai USING alerts a
     WHERE ai.alert_id = a.id AND a.rule = $1 AND a.state <> 'resolved'
       AND NOT EXISTS (SELECT 1 FROM sweep_hits h WHERE h.rule = $1 AND h.waybill = ai.waybill AND 'hub:' || h.hub = a.subject)`,
    [spec.rule],
  )
  await client.query(
    `INSERT INTO alert_items (alert_id, waybill)
     SELECT a.id, h.waybill FROM sweep_hits h JOIN alerts a ON a.rule = h.rule AND a.subject = 'hub:' || h.hub AND a.state <> 'resolved'
     WHERE h.rule = $1
     ON CONFLICT DO NOTHING`,
    [spec.rule],
  )
  return [
    ...changes,
    ...(await resolveCleared(
      client,
      spec.rule,
      changes.map((c) => c.subject),
      now,
    )),
  ]
}

/**
 * Unacknowledged alerts past their escalation time move up a level (on-call →
 * manager), then get reminders; muted alerts wait (they escalate once unmuted).
 */
// $1 now, $2 reminder interval in ms
export async function escalateDue(
  db: pg.PoolClient,
  now: Date,
  remindEveryMs: number,
): Promise<Array<{ id: number; level: number }>> {
  const r = await db.query<{ id: number; level: number }>(
    `UPDATE alerts a SET escalation_level = a.escalation_level + 1, next_escalation_at = $1::timestamptz + $2 * interval '1 millisecond'
     WHERE a.state = 'open' AND a.severity <> 'info' AND a.next_escalation_at <= $1 AND NOT ${mutedSql('$1')}
     RETURNING id, escalation_level AS level`,
    [now, remindEveryMs],
  )
  for (const a of r.rows) {
    await db.query(`INSERT INTO alert_history (alert_id, at, action, details) VALUES ($1, $2, $3, $4)`, [
      a.id,
      now,
      a.level === 1 ? 'escalated' : 'reminded',
      { level: a.level },
    ])
  }
  return r.rows
}
