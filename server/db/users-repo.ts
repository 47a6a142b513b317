import type pg from 'pg'
import type { UserRole, TokenRole } from '../domain/roles.ts'

export interface UserRow {
  id: number
  username: string
  displayName: string
  role: UserRole
  passwordHash: string
  hubCode: string | null
  disabled: boolean
}

const USER_COLUMNS = `u.id, u.username, u.display_name AS "displayName", u.role, u.password_hash AS "passwordHash",
  u.hub_code AS "hubCode", u.disabled`

export async function findUserByName(db: pg.Pool, username: string): Promise<UserRow | undefined> {
  const r = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.username = $1`, [username])
  return r.rows[0]
}

export async function countUsers(db: pg.Pool): Promise<number> {
  const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM users')
  return r.rows[0]?.n ?? 0
}

export async function insertUser(
  db: pg.Pool,
  u: { username: string; displayName: string; role: UserRole; passwordHash: string; hubCode?: string | null },
): Promise<number> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO users (username, display_name, role, password_hash, hub_code) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [u.username, u.displayName, u.role, u.passwordHash, u.hubCode ?? null],
  )
  return r.rows[0]!.id
}

/** Swaps a user's hash for an upgraded one, unless it changed meanwhile (a reset or change wins). */
export async function replacePasswordHash(db: pg.Pool, userId: number, oldHash: string, newHash: string): Promise<boolean> {
  const r = await db.query('UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2', [userId, oldHash, newHash])
  return (r.rowCount ?? 0) > 0
}

// $1 token hash, $2 user id, $3 expires at
export async function insertSession(db: pg.Pool, tokenHash: string, userId: number, expiresAt: Date): Promise<void> {
  await db.query('INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)', [tokenHash, userId, expiresAt])
}

/** How stale last_seen_at may get before a request writes it again (one write a minute, not one per request). */
const TOUCH_EVERY = '1 minute'

// $1 token hash, $2 now, $3 idle limit in ms: the user of a session that is neither expired nor idle
// past the limit; marks the session seen (at most once a minute).
export async function findSessionUser(db: pg.Pool, tokenHash: string, now: Date, idleMs: number): Promise<UserRow | undefined> {
  const r = await db.query<UserRow>(
    `WITH hit AS (
       SELECT s.token_hash, s.last_seen_at, ${USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $2::timestamptz - $3 * interval '1 millisecond' AND NOT u.disabled
     ), touched AS (
       UPDATE sessions s SET last_seen_at = $2 FROM hit
       WHERE s.token_hash = hit.token_hash AND hit.last_seen_at < $2::timestamptz - interval '${TOUCH_EVERY}'
     )
     SELECT id, username, "displayName", role, "passwordHash", "hubCode", disabled FROM hit`,
    [tokenHash, now, idleMs],
  )
  return r.rows[0]
}

/** Of these sessions, the ones still valid (not expired, not idle past idleMs, user not disabled); uses nothing. */
export async function validSessions(db: pg.Pool, tokenHashes: readonly string[], now: Date, idleMs: number): Promise<Set<string>> {
  const r = await db.query<{ token_hash: string }>(
    `SELECT s.token_hash FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.token_hash = ANY($1::text[]) AND s.expires_at > $2 AND s.last_seen_at > $2::timestamptz - $3 * interval '1 millisecond' AND NOT u.disabled`,
    [[...tokenHashes], now, idleMs],
  )
  return new Set(r.rows.map((row) => row.token_hash))
}

export async function deleteSession(db: pg.Pool, tokenHash: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash])
}

export interface TokenRow { id: number; name: string; role: TokenRole }

export async function insertApiToken(db: pg.Pool, name: string, tokenHash: string, role: TokenRole, createdBy: number | null): Promise<number> {
  const r = await db.query<{ id: number }>(
    'INSERT INTO api_tokens (name, token_hash, role, created_by) VALUES ($1, $2, $3, $4) RETURNING id',
    [name, tokenHash, role, createdBy],
  )
  return r.rows[0]!.id
}

export async function findApiToken(db: pg.Pool, tokenHash: string): Promise<TokenRow | undefined> {
  const r = await db.query<TokenRow>(
    'SELECT id, name, role FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL',
    [tokenHash],
  )
  return r.rows[0]
}
