import type pg from 'pg'
import type { UserRole, TokenRole } from '../domain/roles.ts'
import { withTransaction } from './tx.ts'

export interface UserRow {
  id: number
  username: string
  displayName: string
  role: UserRole
  passwordHash: string
  hubCode: string | null
  disabled: boolean
  /** Set by an admin's reset (and at creation): only /auth/me, /auth/password and /auth/logout until changed. */
  mustChangePassword: boolean
}

const USER_COLUMNS = `u.id, u.username, u.display_name AS "displayName", u.role, u.password_hash AS "passwordHash",
  u.hub_code AS "hubCode", u.disabled, u.must_change_password AS "mustChangePassword"`

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
  u: {
    username: string
    displayName: string
    role: UserRole
    passwordHash: string
    hubCode?: string | null
    mustChangePassword?: boolean
  },
): Promise<number> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO users (username, display_name, role, password_hash, hub_code, must_change_password) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [u.username, u.displayName, u.role, u.passwordHash, u.hubCode ?? null, u.mustChangePassword ?? false],
  )
  return r.rows[0]!.id
}

/** Swaps a user's hash for an upgraded one, unless it changed meanwhile (a reset or change wins). */
export async function replacePasswordHash(
  db: pg.Pool,
  userId: number,
  oldHash: string,
  newHash: string,
): Promise<boolean> {
  const r = await db.query('UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2', [
    userId,
    oldHash,
    newHash,
  ])
  return (r.rowCount ?? 0) > 0
}

/**
 * Opens a session for a user whose password just verified against verifiedHash, and
 * notes the sign-in; false (no session) if the user was disabled or the password
 * changed (a reset) since it was read. The user row is locked FOR SHARE, so a reset
 * or disable running now either waits for this session (and then ends it) or is
 * seen here. $1 token hash, $2 user id, $3 expires at, $4 the hash verified, $5 now.
 */
export async function insertSession(
  db: pg.Pool,
  tokenHash: string,
  userId: number,
  expiresAt: Date,
  verifiedHash: string,
  now: Date,
): Promise<boolean> {
  const r = await db.query(
    `WITH u AS (
       SELECT id FROM users WHERE id = $2 AND password_hash = $4 AND NOT disabled FOR SHARE
     ), s AS (
       INSERT INTO sessions (token_hash, user_id, expires_at, created_at, last_seen_at) SELECT $1, id, $3, $5, $5 FROM u RETURNING user_id
     )
     UPDATE users SET last_login_at = $5 FROM s WHERE users.id = s.user_id`,
    [tokenHash, userId, expiresAt, verifiedHash, now],
  )
  return (r.rowCount ?? 0) > 0
}

/** How stale last_seen_at may get before a request writes it again (one write a minute, not one per request). */
const TOUCH_EVERY = '1 minute'

// $1 token hash, $2 now, $3 idle limit in ms: the user of a session that is neither expired nor idle
// past the limit; marks the session seen (at most once a minute).
export async function findSessionUser(
  db: pg.Pool,
  tokenHash: string,
  now: Date,
  idleMs: number,
): Promise<UserRow | undefined> {
  const r = await db.query<UserRow>(
    `WITH hit AS (
       SELECT s.token_hash, s.last_seen_at, ${USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $2::timestamptz - $3 * interval '1 millisecond' AND NOT u.disabled
     ), touched AS (
       UPDATE sessions s SET last_seen_at = $2 FROM hit
       WHERE s.token_hash = hit.token_hash AND hit.last_seen_at < $2::timestamptz - interval '${TOUCH_EVERY}'
     )
     SELECT id, username, "displayName", role, "passwordHash", "hubCode", disabled, "mustChangePassword" FROM hit`,
    [tokenHash, now, idleMs],
  )
  return r.rows[0]
}

/** Of these sessions, the ones still valid (not expired, not idle past idleMs, user not disabled); uses nothing. */
export async function validSessions(
  db: pg.Pool,
  tokenHashes: readonly string[],
  now: Date,
  idleMs: number,
): Promise<Set<string>> {
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

export interface TokenRow {
  id: number
  name: string
  role: TokenRole
}

export async function insertApiToken(
  db: pg.Pool,
  name: string,
  tokenHash: string,
  role: TokenRole,
  createdBy: number | null,
): Promise<number> {
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

export interface UserListRow {
  username: string
  displayName: string
  role: UserRole
  hubCode: string | null
  disabled: boolean
  mustChangePassword: boolean
  lastLoginAt: Date | null
  createdAt: Date
}

export async function listUsers(db: pg.Pool): Promise<UserListRow[]> {
  const r = await db.query<UserListRow>(
    `SELECT username, display_name AS "displayName", role, hub_code AS "hubCode", disabled, must_change_password AS "mustChangePassword",
       last_login_at AS "lastLoginAt", created_at AS "createdAt"
     FROM users ORDER BY username`,
  )
  return r.rows
}

/** Ends a user's sessions (all, or all but one); the ended sessions' hashes, to close their websockets. */
export async function deleteUserSessions(
  db: pg.Pool | pg.PoolClient,
  userId: number,
  keepTokenHash: string | null = null,
): Promise<string[]> {
  const r = await db.query<{ token_hash: string }>(
    'DELETE FROM sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2 RETURNING token_hash',
    [userId, keepTokenHash],
  )
  return r.rows.map((row) => row.token_hash)
}

export interface UserChange {
  passwordHash?: string
  mustChangePassword?: boolean
  disabled?: boolean
  role?: UserRole
  hubCode?: string | null
  displayName?: string
}

/**
 * Changes a user and ends their sessions (all, or all but keepTokenHash) in one
 * transaction. Lock order: the admins' rows (when the change could leave no enabled
 * admin: disabling or demoting one), then the user's row, then their sessions.
 * ifHash: only if the password hash is still this one (a change with the current
 * password). Returns the ended sessions, or 'no_user' | 'stale' | 'last_admin'.
 */
export async function changeUser(
  db: pg.Pool,
  username: string,
  change: UserChange,
  now: Date,
  o: { endSessions: boolean; keepTokenHash?: string | null; ifHash?: string },
): Promise<{ ended: string[] } | 'no_user' | 'stale' | 'last_admin'> {
  return withTransaction(db, { name: 'changeUser' }, async (client) => {
    if (change.disabled === true || (change.role !== undefined && change.role !== 'admin')) {
      const admins = await client.query<{ username: string }>(
        `SELECT username FROM users WHERE role = 'admin' AND NOT disabled ORDER BY id FOR UPDATE`,
      )
      if (admins.rows.length === 1 && admins.rows[0]!.username === username) return 'last_admin' as const
    }
    const found = await client.query<{ id: number; password_hash: string }>(
      'SELECT id, password_hash FROM users WHERE username = $1 FOR UPDATE',
      [username],
    )
    const row = found.rows[0]
    if (!row) return 'no_user' as const
    if (o.ifHash !== undefined && row.password_hash !== o.ifHash) return 'stale' as const
    const sets: string[] = ['updated_at = $2']
    const values: unknown[] = [row.id, now]
    const set = (column: string, value: unknown) => {
      values.push(value)
      sets.push(`${column} = $${values.length}`)
    }
    if (change.passwordHash !== undefined) {
      set('password_hash', change.passwordHash)
      set('password_changed_at', now)
    }
    if (change.mustChangePassword !== undefined) set('must_change_password', change.mustChangePassword)
    if (change.disabled !== undefined) set('disabled', change.disabled)
    if (change.role !== undefined) set('role', change.role)
    if (change.hubCode !== undefined) set('hub_code', change.hubCode)
    if (change.displayName !== undefined) set('display_name', change.displayName)
    await client.query(`UPDATE users SET ${sets.join(', ')} WHERE id = $1`, values)
    const ended = o.endSessions ? await deleteUserSessions(client, row.id, o.keepTokenHash ?? null) : []
    return { ended }
  })
}
