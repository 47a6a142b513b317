import type pg from 'pg'

export interface DisplayRow {
  id: number
  name: string
  createdAt: Date
  createdBy: string | null
  lastSeenAt: Date | null
  revokedAt: Date | null
}

export async function insertDisplay(
  db: pg.Pool,
  name: string,
  tokenHash: string,
  createdBy: number | null,
): Promise<number> {
  const r = await db.query<{ id: string }>(
    'INSERT INTO display_tokens (name, token_hash, created_by) VALUES ($1, $2, $3) RETURNING id',
    [name, tokenHash, createdBy],
  )
  return Number(r.rows[0]!.id)
}

/** The live (not revoked) display with this token hash; marks it seen (at most once a minute). */
export async function touchDisplay(db: pg.Pool, tokenHash: string): Promise<{ id: number; name: string } | undefined> {
  const r = await db.query<{ id: string; name: string }>(
    `WITH d AS (SELECT id, name FROM display_tokens WHERE token_hash = $1 AND revoked_at IS NULL),
          seen AS (UPDATE display_tokens t SET last_seen_at = now() FROM d
                   WHERE t.id = d.id AND (t.last_seen_at IS NULL OR t.last_seen_at < now() - interval '1 minute'))
     SELECT id, name FROM d`,
    [tokenHash],
  )
  const row = r.rows[0]
  return row && { id: Number(row.id), name: row.name }
}

export async function listDisplays(db: pg.Pool): Promise<DisplayRow[]> {
  const r = await db.query<{
    id: string
    name: string
    created_at: Date
    created_by: string | null
    last_seen_at: Date | null
    revoked_at: Date | null
  }>(
    `SELECT d.id, d.name, d.created_at, u.username AS created_by, d.last_seen_at, d.revoked_at
     FROM display_tokens d LEFT JOIN users u ON u.id = d.created_by ORDER BY d.id`,
  )
  return r.rows.map((x) => ({
    id: Number(x.id),
    name: x.name,
    createdAt: x.created_at,
    createdBy: x.created_by,
    lastSeenAt: x.last_seen_at,
    revokedAt: x.revoked_at,
  }))
}

/** Revokes a display; false when there is no such display or it was already revoked. */
export async function revokeDisplay(db: pg.Pool, id: number, by: number | null): Promise<boolean> {
  const r = await db.query(
    'UPDATE display_tokens SET revoked_at = now(), revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL',
    [id, by],
  )
  return (r.rowCount ?? 0) > 0
}
