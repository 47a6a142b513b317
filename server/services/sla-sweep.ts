import type pg from 'pg'
import type { SlaThresholds } from '../config.ts'
import {
  collectHits,
  escalateDue,
  reconcileRule,
  sweepTempTable,
  type AlertChange,
  type OpenGate,
  type RuleSpec,
} from '../db/alerts-repo.ts'
import {
  severityFromImpact,
  stallAboveBackground,
  usualStallShare,
  type HubStalls,
  type ManualResolutionPolicy,
  type SeverityBands,
} from '../domain/alert-policy.ts'
import { escalationAction } from '../domain/alert-lifecycle.ts'
import { CONSIGNEE_CAUSES } from '../domain/verdict.ts'
import { enqueueAlertActions } from './webhooks.ts'
import { reconcileComplaintAlerts } from './complaint-alerts.ts'
import { openClaimsFromExceptions } from './claim-opening.ts'
import { alertTitles } from '../domain/alert-titles.ts'
import { alertTransaction, notifyInTransaction } from './alerts.ts'
import { atRiskWaybills } from './transit-model.ts'

/** The parcels the arrival estimate puts at risk (computed before the transaction), for the parcel_at_risk rule of this transaction. */
export async function markAtRisk(client: pg.PoolClient, waybills: readonly string[]): Promise<void> {
  await sweepTempTable(client, 'sweep_eta_risk', 'waybill text PRIMARY KEY')
  if (waybills.length > 0)
    await client.query('INSERT INTO sweep_eta_risk SELECT unnest($1::text[]) ON CONFLICT DO NOTHING', [waybills])
}

const SCAN_AGE = `($1::timestamptz - coalesce(s.last_scan_at, s.collected_at))`
/**
 * A parcel parcel_stalled could hold: open, at a hub (its last scan not a departure), not
 * yet suspected lost (`lostHours`: the parameter with lostAfterHours). The rule and the
 * stall background (stallBackground) count the same parcels, in the same pass
 * (STALL_TALLY).
 */
const stallCandidate = (lostHours: string) =>
  `s.status IN ('collected', 'in_transit', 'out_for_delivery', 'delivery_failed') AND ${SCAN_AGE} <= ${lostHours} * interval '1 hour'
        AND s.last_event_type IS DISTINCT FROM 'departed_hub'`
/** The parcels at each hub that parcel_stalled could hold, counted by the rules' pass (collectHits) for stallBackground. */
export const STALL_TALLY = stallCandidate('$4')
/** Floor of a learned stall limit (hours): a hub whose parcels all move within minutes still gets 2 h. */
export const STALL_FLOOR_HOURS = 2
/** A learned stall limit is the p99 of the time to the next scan there, times this. */
export const STALL_P99_FACTOR = 1.25
/**
 * Without learned history, an economy parcel's fixed in-transit limit is the limit
 * times this: its promise is 4–5 working days against express's 1–2, and the network
 * holds economy parcels at a centre for consolidation (a day and a half is normal).
 * With the one 24 h limit, every economy parcel held past a day paged as stalled on a
 * fresh database: 7 warning pages in the first 12 minutes of a quiet demo.
 */
export const ECONOMY_STALL_FACTOR = 2.5
/**
 * The stall limit learned for the parcel's hub, last scan type and tier: p99 of
 * how long parcels waited there for their next scan in recent days
 * (scan_gap_stats, sql/051) × 1.25, at least 2 h; NULL without enough history.
 */
// greatest() passes over NULLs: without a learned limit (no row joined) this stays NULL, for the fixed limit.
const LEARNED_STALL_HOURS = `(CASE WHEN g.p99_hours IS NOT NULL THEN greatest(${STALL_FLOOR_HOURS}, g.p99_hours * ${STALL_P99_FACTOR}) END)`
/**
 * The pass joins each open parcel to its learned stall limit once (one hash join of the
 * small scan_gap_stats, keyed by its primary key: at most one row per parcel), not one
 * sub-query per parcel and rule.
 */
const SWEEP_JOIN = `LEFT JOIN scan_gap_stats g
  ON g.hub_code = coalesce(s.last_scan_hub, s.origin_hub) AND g.event_type = coalesce(s.last_event_type, 'collected') AND g.next_hub = '*' AND g.tier = s.tier`

/**
 * The parcel rules of the SLA sweep. Each is one SQL predicate over the open
 * parcels, all evaluated in one pass (one sweep, not one delayed job per parcel),
 * with the parameters $1 now, $2 the out-for-delivery stall hours, $3 the
 * in-transit stall hours, $4 the loss hours, $5 the consignee causes
 * (verdict.ts CONSIGNEE_CAUSES, bound, never copied into the SQL); the hits are grouped per
 * hub where the parcel is (its last scan, else its origin) into one alert.
 *
 *  - parcel_late: open and past its promised deadline, unless the consignee
 *    caused the delay (exception refused or wrong_address: excused);
 *  - parcel_stalled: open, not in exception, and no scan for longer than the
 *    stall limit learned for its hub, last scan type and tier (p99 of the time
 *    parcels waited there for their next scan in recent days × 1.25, at least
 *    2 h), or without such history the fixed limit of its status (out for
 *    delivery 8 h; collected, in transit or after a failed delivery 24 h, for an
 *    economy parcel 2.5 × that, ECONOMY_STALL_FACTOR), but
 *    not yet long enough to be suspected lost. A parcel whose last scan is a
 *    departure is on a lane: lane_overdue judges it (server/services/detection.ts),
 *    so a stopped centre or a lost truck is one lane or hub alert, not stalls at
 *    every hub that sent parcels to it;
 *  - parcel_suspected_lost: open and no scan for 72 h;
 *  - parcel_at_risk: open, not yet due, and either the arrival estimate
 *    (server/services/transit-model.ts, the one the look-up shows) has its p50
 *    after the deadline or says the parcel is overdue in its segment, or it is
 *    stopped in exception. The estimate is computed before the pass, into the
 *    temporary table sweep_eta_risk.
 */
/**
 * Severity of a parcel rule's hub alert from its impact (alert-policy.ts:
 * parcels, express weighing 3): below `warning` it is info, a figure on the
 * console that neither pages nor escalates. One late parcel is an SLA figure,
 * not a page.
 */
export function parcelSeverityBands(t: SlaThresholds): Readonly<Record<string, SeverityBands>> {
  const page = t.pageMinParcels ?? PAGE_MIN_PARCELS
  return {
    parcel_late: { warning: page, critical: Math.max(page + 1, t.lateCriticalCount) },
    parcel_stalled: { warning: page, critical: Math.max(page + 1, 10 * page) },
    // A handful of parcels without a scan for 72 h is a figure (a lost truckload pages as
    // lane_overdue long before): it pages from as many parcels as the other rules.
    parcel_suspected_lost: { warning: page, critical: Math.max(page + 1, 2 * page) },
  }
}

/**
 * parcel_suspected_lost counts the parcels that became suspected lost in the last
 * day (no scan for between LOST_AFTER_HOURS and that + 24 h): losses nobody found
 * stay open for ever, so an all-time count only grew, and crossed any paging
 * threshold in a long normal run. Older ones are SLA figures (late), not news.
 */
export const LOST_WINDOW_HOURS = 24

/** Default impact at which a parcel rule pages (PAGE_MIN_PARCELS). */
export const PAGE_MIN_PARCELS = 20

/** A parcel rule's hub alert opens only after its condition held this long (Prometheus' `for`; ALERT_PENDING_MINUTES). */
export const PARCEL_PENDING_MS = 10 * 60_000
/** Unused by the sweeps: a sweep that does not see the condition restarts its pending period, however late it runs. */
export const PARCEL_PENDING_GRACE_MS = 0
/** After a person resolves an alert, the same condition stays closed for 4 h unless it grows by half and by 10. */
export const MANUAL_RESOLUTION: ManualResolutionPolicy = { holdMs: 4 * 3_600_000, worsenRatio: 0.5, worsenMin: 10 }

export function parcelGate(t: SlaThresholds): OpenGate {
  return {
    pendingMs: t.alertPendingMs ?? PARCEL_PENDING_MS,
    graceMs: PARCEL_PENDING_GRACE_MS,
    manual: MANUAL_RESOLUTION,
  }
}

/** A hub's stalled parcels against its background (stallAboveBackground), for the parcel_stalled alert there. */
export interface StallBackground extends HubStalls {
  expected: number
  above: boolean
  usualShare: number | null
}

/**
 * The background of parcel_stalled at each hub with stalled parcels, in the sweep's
 * transaction after collectHits: the parcels at the hub that the stall rule could
 * hold (open, not on a lane, not yet suspected lost: `present`, counted by the same
 * pass with STALL_TALLY, no second pass over the open parcels) times the share the hubs of its
 * kind (outlets; sorting and transfer centres) usually hold stalled (usualStallShare).
 * A fixed page threshold did not scale with volume: at the demo's 600 parcels a
 * simulated hour, the normal day's parcels held past their promise (the simulator's
 * "late" outcome, 3 %) made 8–36 stalled parcels at nine centres, 9 warning pages.
 */
export async function stallBackground(
  client: pg.PoolClient,
  t: SlaThresholds,
  present: ReadonlyMap<string, number>,
): Promise<Map<string, StallBackground>> {
  const stalled = new Map(
    (
      await client.query<{ hub: string; n: number; express: number }>(
        `SELECT hub, count(*)::int AS n, count(*) FILTER (WHERE express)::int AS express FROM sweep_hits WHERE rule = 'parcel_stalled' GROUP BY hub`,
      )
    ).rows.map((r) => [r.hub, r] as const),
  )
  // Most sweeps no hub's stalls reach a page by impact: the background could only lower them, so it is not read.
  const bands = parcelSeverityBands(t).parcel_stalled!
  if (![...stalled.values()].some((h) => severityFromImpact({ parcels: h.n, express: h.express }, bands) !== 'info'))
    return new Map()
  const outlets = new Set(
    (
      await client.query<{ code: string }>(`SELECT code FROM hubs WHERE kind = 'outlet' AND code = ANY($1::text[])`, [
        [...present.keys()],
      ])
    ).rows.map((r) => r.code),
  )
  const hubs = [...present].map(([hub, n]) => ({
    hub,
    outlet: outlets.has(hub),
    present: n,
    stalled: stalled.get(hub)?.n ?? 0,
  }))
  const usual = new Map(
    [true, false].map((outlet) => [outlet, usualStallShare(hubs.filter((h) => h.outlet === outlet))] as const),
  )
  const out = new Map<string, StallBackground>()
  for (const h of hubs) {
    if (h.stalled === 0) continue
    const usualShare = usual.get(h.outlet) ?? null
    out.set(h.hub, { stalled: h.stalled, present: h.present, usualShare, ...stallAboveBackground(h, usualShare) })
  }
  return out
}

/** `background`: parcel_stalled's background per hub (stallBackground); without it, the bands alone. */
export function parcelRules(t: SlaThresholds, background?: ReadonlyMap<string, StallBackground>): RuleSpec[] {
  const bands = parcelSeverityBands(t)
  const byImpact = (rule: string) => (parcels: number, express: number) =>
    severityFromImpact({ parcels, express }, bands[rule]!)
  const stalledSeverity = (parcels: number, express: number, hub: string) =>
    background?.get(hub)?.above === false ? 'info' : byImpact('parcel_stalled')(parcels, express)
  return [
    {
      rule: 'parcel_late',
      where: `s.promised_deadline < $1 AND (s.exception_reason IS NULL OR NOT (s.exception_reason = ANY($5::text[])))`,
      severity: byImpact('parcel_late'),
      title: alertTitles.parcelLate,
    },
    {
      rule: 'parcel_stalled',
      where: `${stallCandidate('$4')}
        AND ${SCAN_AGE} > coalesce(${LEARNED_STALL_HOURS}, CASE WHEN s.status = 'out_for_delivery' THEN $2::float8 WHEN s.tier = 'economy' THEN $3::float8 * ${ECONOMY_STALL_FACTOR} ELSE $3::float8 END) * interval '1 hour'`,
      // Within its background (stallAboveBackground) a hub's stalls are a figure, however many.
      severity: stalledSeverity,
      details: (hub) => {
        const b = background?.get(hub)
        return b && { present: b.present, expected: Math.round(b.expected * 10) / 10, usualShare: b.usualShare }
      },
      title: alertTitles.parcelStalled,
    },
    {
      rule: 'parcel_at_risk',
      where: `s.promised_deadline >= $1 AND (s.status = 'exception' OR EXISTS (SELECT 1 FROM sweep_eta_risk r WHERE r.waybill = s.waybill))`,
      severity: () => 'info',
      title: alertTitles.parcelAtRisk,
    },
    {
      rule: 'parcel_suspected_lost',
      where: `${SCAN_AGE} > $4 * interval '1 hour' AND ${SCAN_AGE} <= ($4 + ${LOST_WINDOW_HOURS}) * interval '1 hour'`,
      severity: byImpact('parcel_suspected_lost'),
      title: (hub, n) => alertTitles.parcelSuspectedLost(hub, n, t.lostAfterHours),
    },
  ]
}

/** The shared parameters of the parcel rules' predicates ($1 … $5 above). */
export function sweepParams(t: SlaThresholds, now: Date): unknown[] {
  return [now, t.stallOutForDeliveryHours, t.stallInTransitHours, t.lostAfterHours, [...CONSIGNEE_CAUSES]]
}

/** `steps`: wall ms of each step (estimate, parcel rules, claims and complaints, escalation), for the log and the benchmarks. */
/**
 * parcel_at_risk is info (it never pages) and its input, the arrival estimate of every
 * open parcel, is the costliest part of a sweep: it is evaluated once per this period
 * (in the sweeps between, its alerts stay as they are).
 */
export const AT_RISK_EVERY_MS = 15 * 60_000
const atRiskAt = new WeakMap<pg.Pool, number>()

/** Whether this sweep evaluates parcel_at_risk: none yet for this pool, the period passed, or the clock went back. */
export function atRiskDue(db: pg.Pool, now: Date, everyMs: number): boolean {
  const last = atRiskAt.get(db)
  return last === undefined || now.getTime() - last >= everyMs || now.getTime() < last
}

export interface SweepOptions {
  /** parcel_at_risk at most this often (the workers and the benchmark: AT_RISK_EVERY_MS); default 0, every sweep. */
  atRiskEveryMs?: number
}

export interface SweepResult {
  changes: AlertChange[]
  escalated: Array<{ id: number; level: number }>
  ms: number
  steps: Record<string, number>
}

/**
 * One sweep: every rule reconciled in its own transaction, then escalation of
 * unacknowledged alerts. Each transaction first takes the alert reconciliation lock
 * (see server/db/tx.ts for the lock order), so two sweeps (two instances' workers)
 * or a sweep and a complaint reply wait for each other rather than deadlock.
 */
export async function runSweep(
  db: pg.Pool,
  t: SlaThresholds,
  hubNames: ReadonlyMap<string, string>,
  now: Date,
  opts: SweepOptions = {},
): Promise<SweepResult> {
  const started = Date.now()
  const steps: Record<string, number> = {}
  let mark = performance.now()
  const lap = (step: string) => {
    const at = performance.now()
    steps[step] = (steps[step] ?? 0) + at - mark
    mark = at
  }
  const changes: AlertChange[] = []
  const withAtRisk = atRiskDue(db, now, opts.atRiskEveryMs ?? 0)
  const specsWith = (background?: ReadonlyMap<string, StallBackground>) =>
    parcelRules(t, background).filter((r) => withAtRisk || r.rule !== 'parcel_at_risk')
  // Outside the transaction: the model is read through the pool (one connection when embedded).
  const atRisk = withAtRisk
    ? await atRiskWaybills(db, now, {
        stallInTransitHours: t.stallInTransitHours,
        stallOutForDeliveryHours: t.stallOutForDeliveryHours,
      })
    : []
  if (withAtRisk) atRiskAt.set(db, now.getTime())
  lap('estimate')
  // One transaction and one pass over the open parcels for every parcel rule.
  changes.push(
    ...(await alertTransaction(db, 'sla-sweep parcel rules', async (client) => {
      if (withAtRisk) await markAtRisk(client, atRisk)
      const present = await collectHits(client, specsWith(), sweepParams(t, now), SWEEP_JOIN, STALL_TALLY)
      lap('hits')
      const background = await stallBackground(client, t, present)
      lap('stall background')
      const found: AlertChange[] = []
      for (const spec of specsWith(background)) {
        found.push(...(await reconcileRule(client, spec, now, t.escalateAfterMs, hubNames, parcelGate(t))))
        lap(spec.rule)
      }
      await notifyInTransaction(client, found, now)
      return found
    })),
  )
  lap('parcel rules commit')
  // The claims of parcels reported lost or damaged (rows that refer to parcels, in
  // waybill order), then complaints past their handling limit (complaint_overdue).
  changes.push(
    ...(await alertTransaction(db, 'sla-sweep claims and complaints', async (client) => {
      await openClaimsFromExceptions(client, now)
      const found = await reconcileComplaintAlerts(client, now, t.escalateAfterMs)
      await notifyInTransaction(client, found, now)
      return found
    })),
  )
  lap('claims, complaints')
  const escalated = await alertTransaction(db, 'sla-sweep escalation', async (client) => {
    const rows = await escalateDue(client, now, t.remindEveryMs)
    await enqueueAlertActions(
      client,
      rows.map((e) => ({ id: e.id, action: escalationAction(e.level) })),
      now,
    )
    return rows
  })
  lap('escalation')
  return { changes, escalated, ms: Date.now() - started, steps }
}

/** The webhook outbox is written in the alert change's transaction (moved to the alert service; kept here for callers). */
export { notifyInTransaction }
