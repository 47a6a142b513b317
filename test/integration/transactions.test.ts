import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../server/config.ts'
import { openDatabase, type Database } from '../../server/db/database.ts'
import { watchTransactions, withTransaction } from '../../server/db/tx.ts'
import { createLogger } from '../../server/lib/logger.ts'
import { scratchDatabase, TEST_SERVER_URL } from '../helpers/server-database.ts'
import { onlyOn } from '../helpers/test-db.ts'

/**
 * withTransaction (server/db/tx.ts) runs a transaction again after a deadlock or a
 * serialization failure, a bounded number of times, and never after any other error.
 * On the embedded engine (one session: no two transactions ever interleave) the failures
 * are raised from SQL; on a TimescaleDB server they are real.
 */

const retriesOf = (pool: pg.Pool) => {
  const seen: string[] = []
  watchTransactions(pool, { log: createLogger('silent'), onRetry: (code, name) => seen.push(`${name}:${code}`) })
  return seen
}

// A function that raises SQLSTATE `code` on the first `times` calls (a sequence counts them: it is not rolled back).
const FAIL_SQL = `
  CREATE SEQUENCE calls;
  CREATE TABLE marks (m text NOT NULL);
  CREATE FUNCTION fail_first(times int, code text) RETURNS void LANGUAGE plpgsql AS $$
  BEGIN
    IF nextval('calls') <= times THEN RAISE EXCEPTION 'induced failure %', code USING ERRCODE = code; END IF;
  END $$;
  -- The same at COMMIT: a deferred constraint trigger.
  CREATE TABLE at_commit (m text NOT NULL);
  CREATE SEQUENCE commit_calls;
  CREATE FUNCTION fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF nextval('commit_calls') = 1 THEN RAISE EXCEPTION 'induced failure at commit' USING ERRCODE = '40001'; END IF;
    RETURN NULL;
  END $$;
  CREATE CONSTRAINT TRIGGER fail_at_commit AFTER INSERT ON at_commit DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION fail_at_commit();`

describe('withTransaction on the embedded engine', () => {
  let database: Database
  let dataDir: string
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'pw-tx-'))
    database = await openDatabase(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), createLogger('silent'))
    await database.pool.query(FAIL_SQL)
  })
  afterAll(async () => {
    await database?.close()
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })
  const reset = async () => {
    await database.pool.query(`SELECT setval('calls', 1, false); TRUNCATE marks`)
  }
  const marks = async () =>
    (await database.pool.query<{ m: string }>('SELECT m FROM marks ORDER BY m')).rows.map((r) => r.m)

  it('runs the transaction again after a serialization failure (40001): the failed attempt leaves nothing, the retry commits', async () => {
    await reset()
    const seen = retriesOf(database.pool)
    let attempts = 0
    const result = await withTransaction(
      database.pool,
      { name: 'probe', isolation: 'serializable' },
      async (client) => {
        attempts++
        await client.query('INSERT INTO marks VALUES ($1)', [`attempt ${attempts}`])
        await client.query(`SELECT fail_first(1, '40001')`)
        return attempts
      },
    )
    expect(result).toBe(2)
    expect(attempts).toBe(2)
    expect(await marks()).toEqual(['attempt 2'])
    expect(seen).toEqual(['probe:40001'])
  })

  it('retries a deadlock (40P01) the same way, and a failure raised at COMMIT', async () => {
    await reset()
    const seen = retriesOf(database.pool)
    let attempts = 0
    await withTransaction(database.pool, { name: 'deadlock probe' }, async (client) => {
      attempts++
      await client.query('INSERT INTO marks VALUES ($1)', [`attempt ${attempts}`])
      await client.query(`SELECT fail_first(2, '40P01')`)
    })
    expect(attempts).toBe(3)
    expect(await marks()).toEqual(['attempt 3'])
    let commitAttempts = 0
    await withTransaction(database.pool, { name: 'commit probe' }, async (client) => {
      commitAttempts++
      await client.query('INSERT INTO at_commit VALUES ($1)', [`attempt ${commitAttempts}`])
    })
    expect(commitAttempts).toBe(2)
    expect((await database.pool.query('SELECT m FROM at_commit')).rows).toEqual([{ m: 'attempt 2' }])
    expect(seen).toEqual(['deadlock probe:40P01', 'deadlock probe:40P01', 'commit probe:40001'])
  })

  it('gives up after the bounded number of retries and throws the last failure', async () => {
    await reset()
    const seen = retriesOf(database.pool)
    let attempts = 0
    const failing = withTransaction(database.pool, { name: 'hopeless', retries: 3 }, async (client) => {
      attempts++
      await client.query('INSERT INTO marks VALUES ($1)', [`attempt ${attempts}`])
      await client.query(`SELECT fail_first(100, '40001')`)
    })
    await expect(failing).rejects.toMatchObject({ code: '40001' })
    expect(attempts).toBe(4)
    expect(seen).toHaveLength(3)
    expect(await marks()).toEqual([])
  })

  it('never retries another error: a unique violation is thrown after one attempt, rolled back', async () => {
    await reset()
    const seen = retriesOf(database.pool)
    let attempts = 0
    const failing = withTransaction(database.pool, async (client) => {
      attempts++
      await client.query(`INSERT INTO marks VALUES ('kept?')`)
      await client.query(`SELECT fail_first(1, '23505')`)
    })
    await expect(failing).rejects.toMatchObject({ code: '23505' })
    expect(attempts).toBe(1)
    expect(seen).toEqual([])
    expect(await marks()).toEqual([])
    // The pool is still usable afterwards (the client went back clean).
    expect((await database.pool.query('SELECT 1 AS one')).rows[0].one).toBe(1)
  })
})

describe.skipIf(onlyOn('server', 'real deadlocks and serialization failures need concurrent transactions'))(
  'withTransaction on a TimescaleDB server: real deadlocks and serialization failures',
  () => {
    let scratch: Awaited<ReturnType<typeof scratchDatabase>>
    let pool: pg.Pool
    beforeAll(async () => {
      scratch = await scratchDatabase(TEST_SERVER_URL!)
      pool = new pg.Pool({ connectionString: scratch.url, max: 6 })
      await pool.query('CREATE TABLE rows (id int PRIMARY KEY, n int NOT NULL); INSERT INTO rows VALUES (1, 0), (2, 0)')
    })
    afterAll(async () => {
      await pool?.end()
      await scratch?.drop()
    })

    const gate = () => {
      let open!: () => void
      const opened = new Promise<void>((resolve) => {
        open = resolve
      })
      return { open, opened }
    }

    it('two transactions locking two rows in opposite orders: the server picks one as the deadlock victim, it is retried, both commit', async () => {
      const seen = retriesOf(pool)
      const oneLocked = gate()
      const twoLocked = gate()
      let attemptsA = 0
      let attemptsB = 0
      const a = withTransaction(pool, { name: 'A' }, async (client) => {
        attemptsA++
        await client.query('UPDATE rows SET n = n + 1 WHERE id = 1')
        oneLocked.open()
        await twoLocked.opened
        await client.query('UPDATE rows SET n = n + 1 WHERE id = 2')
      })
      const b = withTransaction(pool, { name: 'B' }, async (client) => {
        attemptsB++
        await client.query('UPDATE rows SET n = n + 1 WHERE id = 2')
        twoLocked.open()
        await oneLocked.opened
        await client.query('UPDATE rows SET n = n + 1 WHERE id = 1')
      })
      await Promise.all([a, b])
      expect(seen).toHaveLength(1)
      expect(seen[0]).toMatch(/^(A|B):40P01$/)
      expect(attemptsA + attemptsB).toBe(3)
      expect((await pool.query('SELECT id, n FROM rows ORDER BY id')).rows).toEqual([
        { id: 1, n: 2 },
        { id: 2, n: 2 },
      ])
    })

    it('a REPEATABLE READ transaction whose row another client changed meanwhile fails with 40001, is retried on a fresh snapshot and adds on top', async () => {
      await pool.query('UPDATE rows SET n = 0')
      const seen = retriesOf(pool)
      let attempts = 0
      await withTransaction(pool, { name: 'rr', isolation: 'repeatable read' }, async (client) => {
        attempts++
        const before = (await client.query<{ n: number }>('SELECT n FROM rows WHERE id = 1')).rows[0]!.n
        if (attempts === 1) await pool.query('UPDATE rows SET n = n + 10 WHERE id = 1') // another client, committed
        await client.query('UPDATE rows SET n = $1 WHERE id = 1', [before + 1])
      })
      expect(attempts).toBe(2)
      expect(seen).toEqual(['rr:40001'])
      expect((await pool.query('SELECT n FROM rows WHERE id = 1')).rows[0].n).toBe(11)
    })
  },
)
