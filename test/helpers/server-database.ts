import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** A TimescaleDB server to run server-only tests against (`TEST_DATABASE_URL`), if one is given. */
export const TEST_SERVER_URL = process.env.TEST_DATABASE_URL || undefined

/** An empty database of its own on the server, dropped by `drop()`. */
export async function scratchDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `pw_scratch_${randomBytes(5).toString('hex')}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl })
      await c.connect()
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await c.end()
      }
    },
  }
}
