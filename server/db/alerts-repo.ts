import type pg from 'pg'
import { mutedSql } from './silences-repo.ts'

export interface AlertChange { id: number; rule: string; subject: string; hubCode: string | null; severity: string; title: string; itemCount: number; action: 'opened' | 'updated' | 'auto_resolved' }

/** A parcel rule: the parcels that meet it, grouped per hub into one alert each. */
export interface RuleSpec {
  rule: string
  /** SQL predicate over `shipments s` (static text from code, never from input), over the sweep's shared parameters. */
  where: string
  severity: (count: number) => 'info' | 'warning' | 'critical'
  title: (hubName: string, count: number) => string
}

export interface AlertGroup {
  subject: string
  hubCode: string | null
  severity: 'info' | 'warning' | 'critical'
  title: string
  itemCount: number
  details?: Record<string, unknown>
}

/**
 * Opens an alert per group, or updates the one already open for its (rule,
 * subject): the partial unique index keeps it to one unresolved alert however
 * many sweeps run at once.
 */
// $1 rule, $2 subject, $3 hub, $4 severity, $5 title, $6 count, $7 now, $8 first escalation, $9 details
export async function upsertAlerts(client: pg.PoolClient, rule: string, groups: readonly AlertGroup[], now: Date, escalateAfterMs: number): Promise<AlertChange[]> {
  const changes: AlertChange[] = []
  for (const g of groups) {
    const r = await client.query<{ id: number; inserted: boolean }>(
      `INSERT INTO alerts (rule, subject, hub_code, severity, title, item_count, opened_at, last_seen_at, next_escalation_at, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9)
       ON CONFLICT (rule, subject) WHERE state <> 'resolved' DO UPDATE
         SET item_count = EXCLUDED.item_count, severity = EXCLUDED.severity, title = EXCLUDED.title,
             last_seen_at = EXCLUDED.last_seen_at, details = EXCLUDED.details
       RETURNING id, (xmax = 0) AS inserted`,
      [rule, g.subject, g.hubCode, g.severity, g.title, g.itemCount, now, new Date(now.getTime() + escalateAfterMs), g.details ?? {}],
    )
    const row = r.rows[0]!
    if (row.inserted) {
      await client.query(`INSERT INTO alert_history (alert_id, at, action, details) VALUES ($1, $2, 'opened', $3)`, [row.id, now, { count: g.itemCount, ...g.details }])
    }
    changes.push({ id: row.id, rule, subject: g.subject, hubCode: g.hubCode, severity: g.severity, title: g.title, itemCount: g.itemCount, action: row.inserted ? 'opened' : 'updated' })
  }
  return changes
}

/** Auto-resolves the unresolved alerts of a rule whose subject no longer meets it. */
// $1 rule, $2 subjects that still hold, $3 now
export async function resolveCleared(client: pg.PoolClient, rule: string, holding: readonly string[], now: Date): Promise<AlertChange[]> {
  const resolved = await client.query<{ id: number; subject: string; hub_code: string | null; severity: string; title: string }>(
    `UPDATE alerts SET state = 'resolved', resolved_at = $3, next_escalation_at = NULL, item_count = 0
     WHERE rule = $1 AND state <> 'resolved' AND NOT (subject = ANY($2::text[]))
     RETURNING id, subject, hub_code, severity, title`,
    [rule, holding, now],
  )
  for (const a of resolved.rows) {
    await client.query(`INSERT INTO alert_history (alert_id, at, action, comment) VALUES ($1, $2, 'auto_resolved', 'condition cleared')`, [a.id, now])
  }
  return resolved.rows.map((a) => ({ id: a.id, rule, subject: a.subject, hubCode: a.hub_code, severity: a.severity, title: a.title, itemCount: 0, action: 'auto_resolved' as const }))
}

/**
 * One pass over the open parcels evaluates every rule's predicate, into a
 * temporary table of (rule, hub, waybill) that the reconciliation reads.
 */
export async function collectHits(client: pg.PoolClient, specs: readonly RuleSpec[], params: unknown[]): Promise<void> {
  await client.query('CREATE TEMP TABLE sweep_hits (rule text NOT NULL, hub text NOT NULL, waybill text NOT NULL) ON COMMIT DROP')
  const values = specs.map((s, i) => `('${s.rule}', ${i})`).join(', ')
  const cases = specs.map((s, i) => `WHEN ${i} THEN (${s.where})`).join(' ')
  await client.query(
    `INSERT INTO sweep_hits
     SELECT r.rule, coalesce(s.last_scan_hub, s.origin_hub), s.waybill
     FROM shipments s CROSS JOIN (VALUES ${values}) AS r(rule, i)
     WHERE s.status NOT IN ('delivered', 'returned') AND CASE r.i ${cases} END`,
    params,
  )
  await client.query('ANALYZE sweep_hits')
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
): Promise<AlertChange[]> {
  const counts = (await client.query<{ hub: string; n: number }>('SELECT hub, count(*)::int AS n FROM sweep_hits WHERE rule = $1 GROUP BY hub', [spec.rule])).rows
  const groups: AlertGroup[] = counts.map((g) => ({
    subject: `hub:${g.hub}`, hubCode: g.hub, severity: spec.severity(g.n), title: spec.title(hubNames.get(g.hub) ?? g.hub, g.n), itemCount: g.n,
  }))
  const changes = await upsertAlerts(client, spec.rule, groups, now, escalateAfterMs)
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
  return [...changes, ...(await resolveCleared(client, spec.rule, groups.map((g) => g.subject), now))]
}

/**
 * Unacknowledged alerts past their escalation time move up a level (on-call →
 * manager), then get reminders; muted alerts wait (they escalate once unmuted).
 */
// $1 now, $2 reminder interval in ms
export async function escalateDue(db: pg.PoolClient, now: Date, remindEveryMs: number): Promise<Array<{ id: number; level: number }>> {
  const r = await db.query<{ id: number; level: number }>(
    `UPDATE alerts a SET escalation_level = a.escalation_level + 1, next_escalation_at = $1::timestamptz + $2 * interval '1 millisecond'
     WHERE a.state = 'open' AND a.next_escalation_at <= $1 AND NOT ${mutedSql('$1')}
     RETURNING id, escalation_level AS level`,
    [now, remindEveryMs],
  )
  for (const a of r.rows) {
    await db.query(`INSERT INTO alert_history (alert_id, at, action, details) VALUES ($1, $2, $3, $4)`, [a.id, now, a.level === 1 ? 'escalated' : 'reminded', { level: a.level }])
  }
  return r.rows
}
