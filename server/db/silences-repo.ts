import type pg from 'pg'
import type { Queryable } from './outbox-repo.ts'
import { DETECTION_INHIBITORS, INHIBIT_AFTER_MS } from '../domain/alert-lifecycle.ts'

/** Hub- and lane-level rules whose alert explains the parcel-level alerts at the same hub (inhibition; the domain's DETECTION_INHIBITORS). */
export const INHIBITING_RULES = ['incident', ...DETECTION_INHIBITORS] as const
/** For this long after such an alert opened, parcel-level alerts at its hub page nobody (late and stalled parcels are its consequence). */
export const INHIBIT_AFTER_HOURS = INHIBIT_AFTER_MS / 3_600_000

/**
 * SQL for "the recurring window `mw` runs at `now`" (the domain's inRecurringWindow):
 * Shanghai time, on a day it starts, or the night after one when it crosses midnight.
 */
function windowRunningSql(now: string): string {
  const local = `(${now}::timestamptz AT TIME ZONE 'Asia/Shanghai')`
  const startsOn = (day: string) => `(cardinality(mw.days) = 0 OR extract(isodow FROM ${day})::smallint = ANY(mw.days))`
  return `CASE WHEN mw.start_time < mw.end_time
               THEN ${startsOn(local)} AND ${local}::time >= mw.start_time AND ${local}::time < mw.end_time
               ELSE (${startsOn(local)} AND ${local}::time >= mw.start_time)
                 OR (${startsOn(`${local} - interval '1 day'`)} AND ${local}::time < mw.end_time) END`
}

/**
 * SQL for "nobody is paged for this alert now": an active silence or maintenance
 * window matches its rule and hub (NULL = any); a recurring maintenance window
 * (maintenance_windows, Shanghai time, e.g. a centre closed every night
 * 02:00–05:00) covers it now; or, for a parcel-level alert, a hub- or lane-level
 * alert at the same hub explains it (inhibition, as Alertmanager's inhibit_rules):
 * an incident raised by a person while it is unresolved, a detection rule's alert
 * (INHIBITING_RULES) while unresolved and for INHIBIT_AFTER_HOURS after it opened;
 * or it is flapping (flappingSql). `a` is the alerts alias; `now` the parameter holding the time.
 */
export function mutedSql(now: string): string {
  return `(EXISTS (SELECT 1 FROM silences si WHERE si.starts_at <= ${now} AND si.ends_at > ${now}
             AND (si.rule IS NULL OR si.rule = a.rule) AND (si.hub_code IS NULL OR si.hub_code = a.hub_code))
          OR EXISTS (SELECT 1 FROM maintenance_windows mw WHERE (mw.rule IS NULL OR mw.rule = a.rule) AND (mw.hub_code IS NULL OR mw.hub_code = a.hub_code)
             AND ${windowRunningSql(now)})
          OR (a.rule LIKE 'parcel\\_%' AND EXISTS (SELECT 1 FROM alerts inc WHERE inc.hub_code = a.hub_code AND (
               (inc.rule = 'incident' AND inc.state <> 'resolved')
               OR (inc.rule IN (${INHIBITING_RULES.filter((r) => r !== 'incident')
                 .map((r) => `'${r}'`)
                 .join(', ')})
                   AND (inc.state <> 'resolved' OR inc.opened_at > ${now}::timestamptz - interval '${INHIBIT_AFTER_HOURS} hours')))))
          OR ${flappingSql(now)})`
}

/** SQL for "alert `a` is flapping at `now`": quiet (alert-lifecycle.ts flapQuiet) and not critical; the domain's muteReason. */
export function flappingSql(now: string): string {
  return `(a.quiet_until IS NOT NULL AND a.quiet_until > ${now} AND a.severity <> 'critical')`
}

// $1 alert ids, $2 now
export async function mutedAlertIds(db: Queryable, ids: readonly number[], now: Date): Promise<Set<number>> {
  if (ids.length === 0) return new Set()
  const r = await db.query<{ id: number }>(
    `SELECT a.id FROM alerts a WHERE a.id = ANY($1::bigint[]) AND ${mutedSql('$2')}`,
    [[...ids], now],
  )
  return new Set(r.rows.map((x) => x.id))
}

export interface Silence {
  id: number
  rule: string | null
  hubCode: string | null
  startsAt: Date
  endsAt: Date
  kind: 'silence' | 'maintenance'
  comment: string
  createdBy: string | null
}

// $1 now: silences that have not ended yet
// $1 now, $2 hub scope or NULL: a hub-scoped person sees that hub's silences and the network-wide ones (which mute its alerts too)
export async function listSilences(db: pg.Pool, now: Date, scopeHub: string | null = null): Promise<Silence[]> {
  const r = await db.query<Silence>(
    `SELECT s.id, s.rule, s.hub_code AS "hubCode", s.starts_at AS "startsAt", s.ends_at AS "endsAt", s.kind, s.comment, u.username AS "createdBy"
     FROM silences s LEFT JOIN users u ON u.id = s.created_by
     WHERE s.ends_at > $1 AND ($2::text IS NULL OR s.hub_code IS NULL OR s.hub_code = $2) ORDER BY s.starts_at`,
    [now, scopeHub],
  )
  return r.rows
}

export async function insertSilence(
  db: pg.Pool,
  s: Omit<Silence, 'id' | 'createdBy'>,
  userId: number | null,
): Promise<number> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO silences (rule, hub_code, starts_at, ends_at, kind, comment, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [s.rule, s.hubCode, s.startsAt, s.endsAt, s.kind, s.comment, userId],
  )
  return r.rows[0]!.id
}

/** Ends a silence now (kept for the record). */
// $1 id, $2 now, $3 hub scope or NULL (a hub-scoped person ends only their hub's silences)
export async function endSilence(db: pg.Pool, id: number, now: Date, scopeHub: string | null = null): Promise<boolean> {
  const r = await db.query(
    `UPDATE silences SET ends_at = greatest(starts_at + interval '1 millisecond', $2) WHERE id = $1 AND ends_at > $2 AND ($3::text IS NULL OR hub_code = $3)`,
    [id, now, scopeHub],
  )
  return (r.rowCount ?? 0) > 0
}

// ─── Recurring maintenance windows ────────────────────────────────────────────

export interface MaintenanceWindow {
  id: number
  hubCode: string | null
  rule: string | null
  /** ISO weekdays on which it starts; empty: every day. */
  days: number[]
  /** 'HH:MM', Shanghai time. */
  start: string
  end: string
  comment: string
  createdAt: Date
  /** Running at `now` (its alerts are muted). */
  active: boolean
}

const WINDOW_COLUMNS = `mw.id, mw.hub_code AS "hubCode", mw.rule, mw.days::int[] AS days, to_char(mw.start_time, 'HH24:MI') AS start,
  to_char(mw.end_time, 'HH24:MI') AS "end", mw.comment, mw.created_at AS "createdAt"`

// $1 now, $2 hub scope or NULL: a hub-scoped person sees that hub's windows and the network-wide ones (which mute its alerts too)
export async function listMaintenanceWindows(
  db: Queryable,
  now: Date,
  scopeHub: string | null = null,
): Promise<MaintenanceWindow[]> {
  const r = await db.query<MaintenanceWindow>(
    `SELECT ${WINDOW_COLUMNS}, ${windowRunningSql('$1')} AS active
     FROM maintenance_windows mw WHERE ($2::text IS NULL OR mw.hub_code IS NULL OR mw.hub_code = $2)
     ORDER BY mw.hub_code NULLS FIRST, mw.start_time, mw.id`,
    [now, scopeHub],
  )
  return r.rows
}

// $1 hub, $2 rule, $3 days, $4 start, $5 end, $6 comment, $7 now
export async function insertMaintenanceWindow(
  db: Queryable,
  w: Pick<MaintenanceWindow, 'hubCode' | 'rule' | 'days' | 'start' | 'end' | 'comment'>,
  now: Date,
): Promise<MaintenanceWindow> {
  const r = await db.query<MaintenanceWindow>(
    `WITH mw AS (INSERT INTO maintenance_windows (hub_code, rule, days, start_time, end_time, comment, created_at)
                 VALUES ($1, $2, $3::smallint[], $4::time, $5::time, $6, $7) RETURNING *)
     SELECT ${WINDOW_COLUMNS}, ${windowRunningSql('$7')} AS active FROM mw`,
    [w.hubCode, w.rule, w.days, w.start, w.end, w.comment, now],
  )
  return r.rows[0]!
}

/** Removes a window (the audit log keeps who and when); a hub-scoped person removes only their hub's. */
// $1 id, $2 hub scope or NULL
export async function deleteMaintenanceWindow(
  db: Queryable,
  id: number,
  scopeHub: string | null = null,
): Promise<MaintenanceWindow | null> {
  const r = await db.query<MaintenanceWindow>(
    `DELETE FROM maintenance_windows mw WHERE mw.id = $1 AND ($2::text IS NULL OR mw.hub_code = $2)
     RETURNING ${WINDOW_COLUMNS}, false AS active`,
    [id, scopeHub],
  )
  return r.rows[0] ?? null
}
