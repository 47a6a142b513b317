import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto'
import { connect as tcpConnect, type Socket } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../server/config.ts'
import { openDatabase, type Database } from '../../server/db/database.ts'
import { INTERACTIVE_APPLICATION } from '../../server/db/pglite-mux.ts'
import { createLogger } from '../../server/lib/logger.ts'
import { onlyOn, seedDataDir } from '../helpers/test-db.ts'

/**
 * Many clients against the embedded database at once, each behaving as it would
 * against a real PostgreSQL server. PGlite is one session underneath: these are
 * the ways clients sharing it without a multiplexer step on each other.
 */

let database: Database
let dataDir: string
const clients: pg.Client[] = []

const skip = onlyOn(
  'embedded',
  "the embedded database's multiplexer, its authentication and its idle-transaction limit",
)

beforeAll(async () => {
  if (skip) return
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'pw-mux-'))
  await seedDataDir(dataDir) // a copy of the run's migrated template: no initdb here (test-db.ts)
  database = await openDatabase(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), createLogger('silent'))
  await database.pool.query(`
    CREATE TABLE rows (tag text NOT NULL, client int NOT NULL, pending boolean NOT NULL DEFAULT true);
    CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL);
    CREATE TABLE marks (m text NOT NULL);
    INSERT INTO counter VALUES (1, 0), (2, 0)`)
})

afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)))
  await database?.close()
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
})

async function connect(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: database.url })
  c.on('error', () => undefined) // the killed ones
  await c.connect()
  clients.push(c)
  return c
}

const turn = () => new Promise((resolve) => setImmediate(resolve))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const count = async (sql: string, params: unknown[] = []) =>
  (await database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${sql}) AS s`, params)).rows[0]!.n

describe.skipIf(skip)('embedded database shared by many clients', () => {
  it("runs 20 clients' interleaved transactions as if each had its own session: own uncommitted rows only, counter exactly right", async () => {
    const conns = await Promise.all(Array.from({ length: 20 }, connect))
    const rounds = 6
    const seen: string[] = []
    await Promise.all(
      conns.map(async (c, i) => {
        for (let r = 0; r < rounds; r++) {
          const tag = `c${i}r${r}`
          await c.query('BEGIN')
          for (let k = 0; k < 3; k++) {
            await c.query('INSERT INTO rows (tag, client) VALUES ($1, $2)', [tag, i])
            await turn()
          }
          await c.query('UPDATE counter SET n = n + 1 WHERE id = 1')
          const pending = await c.query<{ tag: string; n: number }>(
            'SELECT tag, count(*)::int AS n FROM rows WHERE pending GROUP BY tag',
          )
          seen.push(...pending.rows.filter((x) => x.tag !== tag || x.n !== 3).map((x) => `${tag} saw ${x.tag}×${x.n}`))
          await c.query('UPDATE rows SET pending = false WHERE tag = $1', [tag])
          await c.query(r % 3 === 2 ? 'ROLLBACK' : 'COMMIT')
        }
      }),
    )
    expect(seen).toEqual([])
    const commits = 20 * rounds - 20 * (rounds / 3)
    expect((await database.pool.query('SELECT n FROM counter WHERE id = 1')).rows[0].n).toBe(commits)
    expect(await count('SELECT 1 FROM rows')).toBe(commits * 3)
    expect(await count(`SELECT 1 FROM rows WHERE tag ~ 'r(2|5)$'`)).toBe(0)
    expect(await count('SELECT 1 FROM rows WHERE pending')).toBe(0)
  })

  it("answers every client's parameterised queries with its own result, named statements of the same name included", async () => {
    const conns = await Promise.all(Array.from({ length: 20 }, connect))
    const wrong: string[] = []
    await Promise.all(
      conns.map(async (c, i) => {
        for (let k = 0; k < 40; k++) {
          const plain = await c.query<{ x: number; s: string }>('SELECT $1::int * 2 AS x, $2::text AS s', [
            k,
            `client ${i}`,
          ])
          if (plain.rows[0]!.x !== k * 2 || plain.rows[0]!.s !== `client ${i}`)
            wrong.push(`${i}/${k} plain ${JSON.stringify(plain.rows)}`)
          // Every client prepares "q" with its own text: the session holds one statement per client.
          const named = await c.query<{ x: number }>({
            name: 'q',
            text: `SELECT $1::int + ${i * 1000} AS x`,
            values: [k],
          })
          if (named.rows[0]!.x !== k + i * 1000) wrong.push(`${i}/${k} named ${JSON.stringify(named.rows)}`)
        }
      }),
    )
    expect(wrong).toEqual([])
  })

  it("keeps an error to the client that made it, in or out of a transaction, while the others' queries and commits go through", async () => {
    const conns = await Promise.all(Array.from({ length: 10 }, connect))
    const wrong: string[] = []
    const failing = conns.slice(0, 3).map(async (c, i) => {
      for (let k = 0; k < 20; k++) {
        const inTransaction = k % 2 === 0
        if (inTransaction) {
          await c.query('BEGIN')
          await c.query(`INSERT INTO rows (tag, client, pending) VALUES ('doomed', $1, false)`, [i])
        }
        const err = await c.query('SELECT 1 / $1::int', [0]).then(
          () => undefined,
          (e) => e,
        )
        if (err?.code !== '22012') wrong.push(`failing ${i}/${k}: ${err?.code ?? 'no error'} ${err?.message ?? ''}`)
        if (inTransaction) {
          const next = await c.query('SELECT 1').then(
            () => undefined,
            (e) => e,
          )
          if (next?.code !== '25P02') wrong.push(`failing ${i}/${k} after the error: ${next?.code ?? 'no error'}`)
          await c.query('ROLLBACK')
        }
      }
    })
    const others = conns.slice(3).map(async (c, i) => {
      for (let k = 0; k < 20; k++) {
        const x = await c.query<{ x: number }>('SELECT $1::int * 3 AS x', [k]).then(
          (r) => r.rows[0]!.x,
          (e) => `${e.code} ${e.message}`,
        )
        if (x !== k * 3) wrong.push(`other ${i}/${k}: ${x}`)
        if (k % 5 === 0) {
          await c.query('BEGIN')
          await c.query(`INSERT INTO rows (tag, client, pending) VALUES ('survivor', $1, false)`, [i])
          await c.query('COMMIT')
        }
      }
    })
    await Promise.all([...failing, ...others])
    expect(wrong).toEqual([])
    expect(await count(`SELECT 1 FROM rows WHERE tag = 'doomed'`)).toBe(0)
    expect(await count(`SELECT 1 FROM rows WHERE tag = 'survivor'`)).toBe(7 * 4)
  })

  it('leaves nothing of a client killed in the middle of a transaction (its writes rolled back before anyone else runs, its prepared statements gone) and the others carry on', async () => {
    const [victim, ...others] = await Promise.all(Array.from({ length: 5 }, connect))
    const before = (await database.pool.query('SELECT n FROM counter WHERE id = 2')).rows[0].n as number
    await victim!.query({ name: 'victim-q', text: 'SELECT 1 AS x' })
    await victim!.query('BEGIN')
    await victim!.query(`INSERT INTO rows (tag, client, pending) VALUES ('killed', 0, false)`)
    await victim!.query('UPDATE counter SET n = n + 100 WHERE id = 2')
    const work = Promise.all(
      others.map(async (c) => {
        await c.query('BEGIN')
        await c.query('UPDATE counter SET n = n + 1 WHERE id = 2')
        await c.query('COMMIT')
      }),
    )
    await sleep(100)
    ;(victim as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy()
    await work
    expect(await count(`SELECT 1 FROM rows WHERE tag = 'killed'`)).toBe(0)
    expect((await database.pool.query('SELECT n FROM counter WHERE id = 2')).rows[0].n).toBe(before + others.length)
    expect(await count(`SELECT 1 FROM pg_prepared_statements WHERE name LIKE 'victim-q%'`)).toBe(0)
  })

  it('finishes off a client that disconnects halfway through an extended-protocol message group inside a transaction', async () => {
    const raw = tcpConnect(Number(new URL(database.url).port), '127.0.0.1')
    await new Promise((resolve) => raw.once('connect', resolve))
    const answers: Buffer[] = []
    raw.on('data', (b) => answers.push(b))
    await signIn(raw, answers, new URL(database.url).password)
    raw.write(msg('Q', cstr('BEGIN')))
    // Parse, Bind and Execute of an insert, and no Sync: the session is mid-group.
    raw.write(
      Buffer.concat([
        msg('P', cstr(''), cstr(`INSERT INTO rows (tag, client, pending) VALUES ('half', 0, false)`), int16(0)),
        msg('B', cstr(''), cstr(''), int16(0), int16(0), int16(0)),
        msg('E', cstr(''), int32(0)),
      ]),
    )
    await waitUntil(() => Buffer.concat(answers).includes('INSERT 0 1'))
    const other = await connect()
    const pendingQuery = other.query(`INSERT INTO rows (tag, client, pending) VALUES ('after-half', 1, false)`)
    await sleep(100)
    raw.destroy()
    await pendingQuery
    expect(await count(`SELECT 1 FROM rows WHERE tag = 'half'`)).toBe(0)
    expect(await count(`SELECT 1 FROM rows WHERE tag = 'after-half'`)).toBe(1)
  })

  it("keeps nothing of the answers it relays: 60 MB of rows through the pool leave the database process's heap where it was", async () => {
    // PGlite keeps a parsed copy of every answer unless asked the right way; the soak
    // benchmark saw that as a heap growing with every row until the database stalled.
    const heap = async () => (await database.memory!({ gc: true })).heapUsedMb
    await database.pool.query(`SELECT repeat('w', 20000) AS x`)
    const before = await heap()
    for (let i = 0; i < 3_000; i += 10) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          database.pool.query<{ x: string }>(`SELECT repeat($1, 20000) AS x`, [String((i + j) % 10)]),
        ),
      )
      expect(answers.map((a) => a.rows[0]!.x.length)).toEqual(Array(10).fill(20_000))
    }
    const after = await heap()
    // 3,000 answers of 20 KB: kept, they would be 60 MB (and more as parsed objects).
    expect(after - before).toBeLessThan(15)
  })

  it('serves a client of the interactive lane before background clients that asked first', async () => {
    const holder = await connect()
    await holder.query('BEGIN')
    await holder.query(`INSERT INTO marks VALUES ('holder')`)
    const background = await Promise.all([0, 1, 2].map(() => connect()))
    const interactive = new pg.Client({ connectionString: database.url, application_name: INTERACTIVE_APPLICATION })
    await interactive.connect()
    clients.push(interactive)
    const order: string[] = []
    const done = background.map((c, i) =>
      c.query(`INSERT INTO marks VALUES ('background ${i}')`).then(() => order.push(`background ${i}`)),
    )
    await sleep(500) // the background clients wait behind the open transaction
    done.push(interactive.query(`INSERT INTO marks VALUES ('interactive')`).then(() => order.push('interactive')))
    await sleep(500)
    expect(order).toEqual([])
    await holder.query('COMMIT')
    await Promise.all(done)
    expect(order[0]).toBe('interactive')
    expect(order.slice(1).sort()).toEqual(['background 0', 'background 1', 'background 2'])
  })

  it('keeps other clients out while one holds a session advisory lock, as migrations across instances rely on', async () => {
    const [holder, other] = await Promise.all([connect(), connect()])
    await holder!.query('SELECT pg_advisory_lock(4242)')
    const contender = other!.query<{ got: boolean; unlocked: number }>(
      `SELECT pg_try_advisory_lock(4242) AS got, (SELECT count(*)::int FROM marks WHERE m = 'unlocked') AS unlocked`,
    )
    await sleep(100) // the contender's query is at the database while the lock is held
    await holder!.query(`WITH u AS (SELECT pg_advisory_unlock(4242)) INSERT INTO marks SELECT 'unlocked' FROM u`)
    const r = (await contender).rows[0]!
    await other!.query('SELECT pg_advisory_unlock_all()')
    // Granted only once the holder had let go: never both at once.
    expect(r).toEqual({ got: true, unlocked: 1 })
  })
})

describe.skipIf(skip)('embedded database authentication (issue 16: any local account got a superuser)', () => {
  const refusedWith = async (connectionString: string) => {
    const c = new pg.Client({ connectionString })
    c.on('error', () => undefined)
    try {
      await c.connect()
      await c.end()
      return 'connected'
    } catch (err) {
      return (err as { code?: string }).code ?? String(err)
    }
  }
  const url = () => new URL(database.url)

  it('keeps its secret in DATA_DIR/db-secret, owner-only, and its data directory owner-only', async () => {
    const file = path.join(dataDir, 'db-secret')
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect((await stat(path.join(dataDir, 'pg'))).mode & 0o777).toBe(0o700)
    expect((await readFile(file, 'utf8')).trim()).toBe(decodeURIComponent(url().password))
    expect(url().password.length).toBeGreaterThanOrEqual(24)
  })

  it('refuses a client without the secret, and one with a wrong secret; the documented URL gets in', async () => {
    const none = url()
    none.password = ''
    // pg itself gives up once the database asks for a password it has none of.
    expect(await refusedWith(none.toString())).toMatch(/28P01|password must be a string/)
    const wrong = url()
    wrong.password = `${wrong.password.slice(0, -1)}${wrong.password.endsWith('A') ? 'B' : 'A'}`
    expect(await refusedWith(wrong.toString())).toBe('28P01')
    const other = url()
    other.username = 'nobody'
    other.password = 'nobody'
    expect(await refusedWith(other.toString())).toBe('28P01')
    expect(await refusedWith(database.url)).toBe('connected')
  })

  it('answers nothing but the refusal to a client that skips authentication and sends a query', async () => {
    const raw = tcpConnect(Number(url().port), '127.0.0.1')
    await new Promise((resolve) => raw.once('connect', resolve))
    const answers: Buffer[] = []
    raw.on('data', (b) => answers.push(b))
    const closed = new Promise((resolve) => raw.once('close', resolve))
    raw.write(startup())
    raw.write(msg('Q', cstr(`INSERT INTO marks VALUES ('sneaked in')`)))
    await closed
    expect(Buffer.concat(answers).toString('latin1')).toContain('28P01')
    expect(await count(`SELECT 1 FROM marks WHERE m = 'sneaked in'`)).toBe(0)
  })

  it('refuses a wrong proof computed by hand (the SCRAM check itself, not only what pg sends)', async () => {
    const raw = tcpConnect(Number(url().port), '127.0.0.1')
    await new Promise((resolve) => raw.once('connect', resolve))
    const answers: Buffer[] = []
    raw.on('data', (b) => answers.push(b))
    await expect(signIn(raw, answers, 'not-the-secret-at-all')).rejects.toThrow('refused')
    raw.destroy()
  })
})

function msg(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts)
  const head = Buffer.alloc(5)
  head.write(type, 0, 'latin1')
  head.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([head, body])
}
function cstr(s: string): Buffer {
  return Buffer.from(`${s}\0`)
}
function int16(n: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeInt16BE(n)
  return b
}
function int32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}
function startup(): Buffer {
  const body = Buffer.concat([
    int32(196_608),
    cstr('user'),
    cstr('postgres'),
    cstr('database'),
    cstr('postgres'),
    Buffer.from([0]),
  ])
  return Buffer.concat([int32(body.length + 4), body])
}
/** Startup and SCRAM-SHA-256 by hand (RFC 5802), until the first ReadyForQuery; then `answers` is emptied. */
async function signIn(raw: Socket, answers: Buffer[], password: string): Promise<void> {
  const all = () => Buffer.concat(answers)
  raw.write(startup())
  await waitUntil(() => all().includes('SCRAM-SHA-256'))
  const clientNonce = randomBytes(18).toString('base64')
  const firstBare = `n=*,r=${clientNonce}`
  const first = Buffer.from(`n,,${firstBare}`)
  raw.write(msg('p', cstr('SCRAM-SHA-256'), int32(first.length), first))
  await waitUntil(() => /r=[^,]+,s=[^,]+,i=\d+/.test(all().toString('latin1')))
  const serverFirst = /r=[^,]+,s=[^,]+,i=\d+/.exec(all().toString('latin1'))![0]
  const f = Object.fromEntries(serverFirst.split(',').map((x) => [x[0], x.slice(2)]))
  const salted = pbkdf2Sync(password, Buffer.from(f.s!, 'base64'), Number(f.i), 32, 'sha256')
  const clientKey = createHmac('sha256', salted).update('Client Key').digest()
  const withoutProof = `c=biws,r=${f.r}`
  const signature = createHmac('sha256', createHash('sha256').update(clientKey).digest())
    .update(`${firstBare},${serverFirst},${withoutProof}`)
    .digest()
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!)).toString('base64')
  raw.write(msg('p', Buffer.from(`${withoutProof},p=${proof}`)))
  await waitUntil(() => all().includes(Buffer.from([0x5a, 0, 0, 0, 5, 0x49])) || all().includes('28P01'))
  if (all().includes('28P01')) throw new Error('refused')
  answers.length = 0
}

async function waitUntil(ok: () => boolean, ms = 30_000): Promise<void> {
  const until = Date.now() + ms
  while (!ok()) {
    if (Date.now() > until) throw new Error("timed out waiting for the raw client's answer")
    await sleep(20)
  }
}

describe.skipIf(skip)('embedded database and a client idle in a transaction', () => {
  it('disconnects a client that sits idle inside a transaction, rolls it back, and lets the others go on', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pw-mux-idle-'))
    await seedDataDir(dir)
    const db = await openDatabase(
      loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', EMBEDDED_PG_IDLE_TX_MS: '1500' }),
      createLogger('silent'),
    )
    try {
      await db.pool.query(`CREATE TABLE t (n int)`)
      const stuck = new pg.Client({ connectionString: db.url })
      const errors: Error[] = []
      stuck.on('error', (err) => errors.push(err))
      await stuck.connect()
      await stuck.query('BEGIN')
      await stuck.query('INSERT INTO t VALUES (1)')
      // It now holds the one session and sends nothing more: the pool's query waits behind it, then goes through.
      const other = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM t`)
      expect(other.rows[0]!.n).toBe(0) // its insert was rolled back, never seen
      await expect(stuck.query('COMMIT')).rejects.toThrow()
      await stuck.end().catch(() => undefined)
      expect((await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM t`)).rows[0]!.n).toBe(0)
    } finally {
      await db.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
