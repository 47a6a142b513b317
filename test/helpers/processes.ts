/**
 * The product as real processes, for multi-instance and fault-injection tests:
 * servers (`server/main.ts`) and workers (`jobs/worker-main.ts`) run by tsx in
 * child processes, exactly as `npm start` / `npm run worker` run them.
 *
 *   const env = productEnv()                    // shared by every process of one test:
 *                                               //   REDIS_URL, a fresh QUEUE_PREFIX {t…},
 *                                               //   ADMIN_PASSWORD, HOST=127.0.0.1, LOG_LEVEL
 *   const pgPort = await freePort()
 *   const a = await startServer({ name: 'A', env: { ...env, EMBEDDED_PG_PORT: String(pgPort), RUN_WORKERS: 'false' } })
 *   const b = await startServer({ name: 'B', env: { ...env, DATABASE_URL: a.databaseUrl!, RUN_WORKERS: 'false' } })
 *   const w = await startWorker({ name: 'W1', env: { ...env, DATABASE_URL: a.databaseUrl! } })
 *   a.url, a.port, a.pid, a.dataDir           // a server's HTTP base URL and its own temp DATA_DIR
 *   await w.kill('SIGKILL')                    // resolves once it has exited: { code, signal }
 *   const w2 = await w.restart()               // same env (and, for a server, same PORT and DATA_DIR)
 *   await a.waitForLog(/embedded TimescaleDB ready/)  // match on its stdout+stderr (pino JSON lines)
 *   a.output()                                 // everything it printed so far (last 2 MB)
 *   afterAll(stopAll)                          // SIGTERM, then SIGKILL after 10 s; removes temp DATA_DIRs
 *
 * A server without DATA_DIR or DATABASE_URL starts from a copy of the run's migrated
 * template (test-db.ts): a database of its own on the server under npm run test:server.
 *
 * startServer resolves when GET /readyz answers 200 (database, Redis, migrations);
 * startWorker when the worker logs "workers running". Both reject with the
 * process's output when it exits first or does not get ready within `readyMs`
 * (a hang guard, not an assertion on speed). A server's `databaseUrl` is its
 * DATABASE_URL, or the URL of the embedded database it runs (fixed EMBEDDED_PG_PORT,
 * or read from its log at LOG_LEVEL info or lower; such a port changes on restart),
 * with the secret from its DATA_DIR/db-secret. Children get only PATH/HOME/TMPDIR/LANG from this process plus the
 * env given, so a developer's own DATABASE_URL never leaks into a test. Every child
 * is SIGKILLed if the test process exits without stopAll.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { seedDataDir, serverTestDatabase, type ServerTestDatabase } from './test-db.ts'

export const PROCESS_ADMIN_PASSWORD = 'admin-password-for-process-tests'

import { embeddedUrl, secretPathOf } from '../../server/db/embedded-secret.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const ENTRIES = { server: 'server/main.ts', worker: 'jobs/worker-main.ts' } as const
const OUTPUT_LIMIT = 2 * 1024 * 1024

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface ProductProcess {
  readonly name: string
  readonly kind: 'server' | 'worker'
  readonly env: Readonly<Record<string, string>>
  readonly pid: number
  /** Servers: http://127.0.0.1:<port>. Workers: ''. */
  readonly url: string
  readonly port: number
  /** Servers: their DATA_DIR (a temp dir unless given). */
  readonly dataDir: string | undefined
  /** What other processes put in DATABASE_URL to share this one's database (see the header). */
  readonly databaseUrl: string | undefined
  readonly exited: Promise<Exit>
  output(): string
  waitForLog(match: RegExp | string, ms?: number): Promise<string>
  kill(signal?: NodeJS.Signals): Promise<Exit>
  restart(): Promise<ProductProcess>
}

export interface StartOptions {
  name?: string
  env?: Record<string, string>
  readyMs?: number
}

const running = new Set<ChildProcess>()
const tempDirs = new Set<string>()
const serverDbs = new Set<ServerTestDatabase>()
const all = new Set<ProductProcess>()
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL')
})

/** The environment every process of one test shares: its own queue prefix on the shared Redis. */
export function productEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: `{t${randomBytes(4).toString('hex')}}`,
    ADMIN_PASSWORD: PROCESS_ADMIN_PASSWORD,
    PASSWORD_HASH_COST: 'low',
    LOG_LEVEL: 'info',
    // As startTestSystem: a sweep's finding opens its alert at once and a single late parcel pages
    // (test/integration/alerts-policy.test.ts runs the production pending period and impact floor).
    ALERT_PENDING_MINUTES: '0',
    PAGE_MIN_PARCELS: '1',
    ...extra,
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

export async function startServer(o: StartOptions = {}): Promise<ProductProcess> {
  const env = { ...o.env }
  env.PORT ??= String(await freePort())
  if (!env.DATA_DIR) {
    env.DATA_DIR = await mkdtemp(path.join(os.tmpdir(), 'pw-proc-'))
    tempDirs.add(env.DATA_DIR)
    // Its database starts as a copy of the run's migrated template (test-db.ts), on the
    // TimescaleDB server under npm run test:server.
    if (!env.DATABASE_URL) {
      const db = await serverTestDatabase()
      if (db) {
        serverDbs.add(db)
        env.DATABASE_URL = db.url
      } else {
        await seedDataDir(env.DATA_DIR)
      }
    }
  }
  return launch('server', o.name ?? `server:${env.PORT}`, env, o.readyMs ?? 120_000)
}

export async function startWorker(o: StartOptions = {}): Promise<ProductProcess> {
  return launch('worker', o.name ?? 'worker', { ...o.env }, o.readyMs ?? 120_000)
}

/** SIGTERM to every process started here (SIGKILL after 10 s), then removes the temp data directories. */
export async function stopAll(): Promise<void> {
  await Promise.all([...all].map((p) => p.kill('SIGTERM')))
  all.clear()
  await Promise.all([...tempDirs].map((d) => rm(d, { recursive: true, force: true })))
  tempDirs.clear()
  await Promise.all([...serverDbs].map((d) => d.drop()))
  serverDbs.clear()
}

async function launch(
  kind: 'server' | 'worker',
  name: string,
  env: Record<string, string>,
  readyMs: number,
): Promise<ProductProcess> {
  const inherited = Object.fromEntries(
    ['PATH', 'HOME', 'TMPDIR', 'LANG'].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])),
  )
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRIES[kind]], {
    cwd: ROOT,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  let out = ''
  const listeners = new Set<() => void>()
  const append = (chunk: Buffer) => {
    out += chunk.toString('utf8')
    if (out.length > OUTPUT_LIMIT) out = out.slice(-OUTPUT_LIMIT)
    for (const l of listeners) l()
  }
  child.stdout!.on('data', append)
  child.stderr!.on('data', append)
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child)
      for (const l of listeners) l()
      resolve({ code, signal })
    }),
  )

  const port = kind === 'server' ? Number(env.PORT) : 0
  const proc: ProductProcess = {
    name,
    kind,
    env,
    pid: child.pid!,
    port,
    exited,
    url: kind === 'server' ? `http://127.0.0.1:${port}` : '',
    dataDir: env.DATA_DIR,
    get databaseUrl() {
      if (env.DATABASE_URL) return env.DATABASE_URL
      // The embedded database wants the install's secret (DATA_DIR/db-secret), as every other process of it does.
      const port =
        env.EMBEDDED_PG_PORT && env.EMBEDDED_PG_PORT !== '0'
          ? Number(env.EMBEDDED_PG_PORT)
          : Number(
              /"port":(\d+)/.exec(out.split('\n').findLast((l) => l.includes('embedded TimescaleDB ready')) ?? '')?.[1],
            ) // any free port: from its 'ready' line
      if (!port || !env.DATA_DIR) return undefined
      return embeddedUrl(port, readFileSync(secretPathOf(path.resolve(env.DATA_DIR, 'pg')), 'utf8').trim())
    },
    output: () => out,
    waitForLog(match, ms = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = out.split('\n').find((l) => (typeof match === 'string' ? l.includes(match) : match.test(l)))
          if (line !== undefined) done(() => resolve(line))
          else if (child.exitCode !== null || child.signalCode !== null)
            done(() => reject(new Error(`${name} exited before logging ${match}:\n${out.slice(-4000)}`)))
        }
        const timer = setTimeout(
          () => done(() => reject(new Error(`${name} did not log ${match} within ${ms} ms:\n${out.slice(-4000)}`))),
          ms,
        )
        const done = (settle: () => void) => {
          clearTimeout(timer)
          listeners.delete(check)
          settle()
        }
        listeners.add(check)
        check()
      })
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal)
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(force)
      }
      all.delete(proc)
      return exited
    },
    async restart() {
      await proc.kill('SIGTERM')
      return launch(kind, name, env, readyMs)
    },
  }
  all.add(proc)
  try {
    if (kind === 'worker') await proc.waitForLog('workers running', readyMs)
    else await waitReady(proc, readyMs)
  } catch (err) {
    await proc.kill('SIGKILL')
    throw err
  }
  return proc
}

async function waitReady(p: ProductProcess, ms: number): Promise<void> {
  const until = Date.now() + ms
  let gone = false
  void p.exited.then(() => {
    gone = true
  })
  for (;;) {
    if (gone) throw new Error(`${p.name} exited before it was ready:\n${p.output().slice(-4000)}`)
    const ok = await fetch(`${p.url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    )
    if (ok) return
    if (Date.now() > until) throw new Error(`${p.name} not ready within ${ms} ms:\n${p.output().slice(-4000)}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}
