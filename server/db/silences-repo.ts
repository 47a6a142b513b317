import type pg from 'pg'
import type { Queryable } from './outbox-repo.ts'

/**
 * SQL for "nobody is paged for this alert now": an active silence or maintenance
 * window matches its rule and hub (NULL = any), or, for a parcel-level alert, an
 * unresolved incident at the same hub explains it (inhibition).
 * `a` is the alerts alias; `now` the parameter holding the time.
 */
export function mutedSql(now: string): string {
  return `(EXISTS (SELECT 1 FROM silences si WHERE si.starts_at <= ${now} AND si.ends_at > ${now}
             AND (si.rule IS NULL OR si.rule = a.rule) AND (si.hub_code IS NULL OR si.hub_code = a.hub_code))
          OR (a.rule LIKE 'parcel\\_%' AND EXISTS (SELECT 1 FROM alerts inc WHERE inc.rule = 'incident'
             AND inc.state <> 'resolved' AND inc.hub_code = a.hub_code)))`
}

// $1 alert ids, $2 now
export async function mutedAlertIds(db: Queryable, ids: readonly number[], now: Date): Promise<Set<number>> {
  if (ids.length === 0) return new Set()
  const r = await db.query<{ id: number }>(`SELECT a.id FROM alerts a WHERE a.id = ANY($1::bigint[]) AND ${mutedSql('$2')}`, [[...ids], now])
  return new Set(r.rows.map((x) => x.id))
}

export interface Silence { id: number; rule: string | null; hubCode: string | null; startsAt: Date; endsAt: Date; kind: 'silence' | 'maintenance'; comment: string; createdBy: string | null }

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

export async function insertSilence(db: pg.Pool, s: Omit<Silence, 'id' | 'createdBy'>, userId: number | null): Promise<number> {
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
