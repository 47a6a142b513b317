import type { Queryable } from './outbox-repo.ts'

export type AuditKind = 'unmask' | 'admin_action' | 'system'

export interface AuditEntry {
  at: Date
  userId: number | null
  username: string
  role: string
  kind: AuditKind
  action: string
  target: string | null
  route: string | null
  requestId: string | null
  /** Ids, counts and settings only: never names, phones or addresses. */
  details: Record<string, unknown>
}

export interface AuditRow extends Omit<AuditEntry, 'userId'> {
  id: number
}

// $1 at, $2 user id, $3 username, $4 role, $5 kind, $6 action, $7 target, $8 route, $9 request id, $10 details
export async function insertAudit(db: Queryable, e: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (at, user_id, username, role, kind, action, target, route, request_id, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [e.at, e.userId, e.username, e.role, e.kind, e.action, e.target, e.route, e.requestId, JSON.stringify(e.details)],
  )
}

export interface AuditFilter {
  from?: Date | undefined
  to?: Date | undefined
  action?: string | undefined
  username?: string | undefined
  limit: number
}

// $1 from, $2 to (exclusive), $3 action (exact, or a prefix ending in '.'), $4 username, $5 limit: newest first
export async function listAudit(db: Queryable, f: AuditFilter): Promise<AuditRow[]> {
  const r = await db.query<AuditRow>(
    `SELECT id::int, at, username, role, kind, action, target, route, request_id AS "requestId", details FROM audit_log
     WHERE ($1::timestamptz IS NULL OR at >= $1) AND ($2::timestamptz IS NULL OR at < $2)
       AND ($3::text IS NULL OR action = $3 OR (right($3, 1) = '.' AND starts_with(action, $3)))
       AND ($4::text IS NULL OR username = $4)
     ORDER BY at DESC, id DESC LIMIT $5`,
    [f.from ?? null, f.to ?? null, f.action ?? null, f.username ?? null, f.limit],
  )
  return r.rows
}
