/**
 * The embedded database's password: random, made at first start, kept in
 * `DATA_DIR/db-secret` readable by the owner only (0600). PgliteMux checks it with
 * SCRAM-SHA-256 on every connection, so only processes that can read DATA_DIR (the
 * same install: a second server, workers) reach the database; any other local
 * account gets "password authentication failed". The file sits beside the PGlite
 * directory (`DATA_DIR/pg`), never inside it, so backups don't carry it: a restored
 * install keeps (or makes) its own.
 */
import { randomBytes } from 'node:crypto'
import { chmod, open, readFile, stat } from 'node:fs/promises'
import path from 'node:path'

export const SECRET_FILE = 'db-secret'

/** `DATA_DIR/pg` → `DATA_DIR/db-secret`. */
export function secretPathOf(pgDataDir: string): string {
  return path.join(path.dirname(path.resolve(pgDataDir)), SECRET_FILE)
}

/** Reads the secret, making it (0600, exclusively: two first starts agree) when there is none. */
export async function ensureEmbeddedSecret(pgDataDir: string): Promise<string> {
  const file = secretPathOf(pgDataDir)
  try {
    const handle = await open(file, 'wx', 0o600)
    try {
      await handle.writeFile(`${randomBytes(24).toString('base64url')}\n`)
    } finally {
      await handle.close()
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  // An older copy (or a hand-made one) may be wider: owner only, always.
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600)
  return readEmbeddedSecret(pgDataDir)
}

export async function readEmbeddedSecret(pgDataDir: string): Promise<string> {
  const secret = (await readFile(secretPathOf(pgDataDir), 'utf8')).trim()
  if (secret.length < 16)
    throw new Error(`${secretPathOf(pgDataDir)} holds no usable secret (delete it to make a new one)`)
  return secret
}

/** The DATABASE_URL other processes of this install use for the embedded database. */
export function embeddedUrl(port: number, secret: string): string {
  return `postgres://postgres:${encodeURIComponent(secret)}@127.0.0.1:${port}/postgres`
}

/** The same, for logs: the password shown as `<DATA_DIR/db-secret>`. */
export function embeddedUrlForLog(port: number): string {
  return `postgres://postgres:<${SECRET_FILE}>@127.0.0.1:${port}/postgres`
}
