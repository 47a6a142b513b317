import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../server/config.ts'
import { openDatabase, type Database } from '../../server/db/database.ts'
import { createLogger } from '../../server/lib/logger.ts'
import { onlyOn, seedDataDir } from '../helpers/test-db.ts'

// Two processes writing one PGlite data directory corrupt it: the second is refused.
const open: Database[] = []
let dataDir: string
const openOn = async (dir: string) => {
  const db = await openDatabase(loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }), createLogger('silent'))
  open.push(db)
  return db
}
afterAll(async () => {
  await Promise.all(open.map((d) => d.close().catch(() => undefined)))
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
})

describe.skipIf(onlyOn('embedded', 'the lock of an embedded data directory'))('embedded data directory lock', () => {
  it('refuses a second embedded database on a directory in use, naming the process, and leaves the first one working', async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'pw-lock-'))
    await seedDataDir(dataDir) // a copy of the run's migrated template: the lock is taken all the same (test-db.ts)
    const first = await openOn(dataDir)
    await first.pool.query(`CREATE TABLE kept (n int); INSERT INTO kept VALUES (1), (2), (3)`)
    const lockFile = `${path.join(dataDir, 'pg')}.lock`
    expect(Number((await readFile(lockFile, 'utf8')).trim())).toBe(first.pid)
    await expect(openOn(dataDir)).rejects.toThrow(new RegExp(`in use by process ${first.pid}`))
    expect((await first.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM kept`)).rows[0]!.n).toBe(3)

    await first.close()
    open.splice(open.indexOf(first), 1)
    await expect(stat(lockFile)).rejects.toThrow() // let go on a clean stop
    const second = await openOn(dataDir)
    expect((await second.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM kept`)).rows[0]!.n).toBe(3)
    await second.close()
    open.splice(open.indexOf(second), 1)
  })

  it('takes over a lock left by a process that no longer exists (a crash)', async () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
    const lockFile = `${path.join(dataDir, 'pg')}.lock`
    await writeFile(lockFile, `${gone.stdout}\n`)
    const db = await openOn(dataDir)
    expect((await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM kept`)).rows[0]!.n).toBe(3)
    expect(Number((await readFile(lockFile, 'utf8')).trim())).toBe(db.pid)
  })
})
