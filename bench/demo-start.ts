/**
 * How long the demo takes to become useful, on an empty data directory and then on
 * the same directory again (a restart). For each start, from the moment the process
 * is spawned:
 *   - ready:  the server answers /healthz;
 *   - right:  /api/v1/kpis shows today's collected and delivered counts and the
 *             in-flight count within 1 % (or 20) of the raw tables, three polls running;
 *   - fast:   /api/v1/kpis answers within 500 ms, three polls running;
 * and the continuous-aggregate refresh durations the db-policies job logged (max,
 * and how many took 2 s or more). The server runs as `npm run demo` would run it
 * (`tsx server/main.ts --simulate`, no web build), in its own process group on a
 * private data directory, port and queue prefix; it is stopped with SIGINT.
 *
 * Engine: the embedded TimescaleDB (PGlite). DEMO_BENCH_MAX_S caps each start (420).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { startOfShanghaiDay } from '../server/domain/clock.ts'
import { dropPrefix } from './lib/redis-cleanup.ts'
import { embeddedUrl, readEmbeddedSecret } from '../server/db/embedded-secret.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const MAX_S = Number(process.env.DEMO_BENCH_MAX_S ?? 420)
const PASSWORD = 'bench-demo-start-password'

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)) })
  })
}

interface Run {
  readyS: number | null
  rightS: number | null
  fastS: number | null
  refreshes: Map<string, number[]>
  resumeLine: string | null
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function start(dataDir: string, port: number, prefix: string): Promise<Run> {
  const t0 = performance.now()
  const secs = () => Math.round((performance.now() - t0) / 100) / 10
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--simulate'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', ADMIN_PASSWORD: PASSWORD, QUEUE_PREFIX: prefix, LOG_LEVEL: 'debug' },
  })
  const run: Run = { readyS: null, rightS: null, fastS: null, refreshes: new Map(), resumeLine: null }
  let dbUrl: string | undefined
  let dbPort: number | undefined
  let buffered = ''
  child.stdout!.setEncoding('utf8')
  child.stdout!.on('data', (chunk: string) => {
    buffered += chunk
    let i
    while ((i = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, i)
      buffered = buffered.slice(i + 1)
      let m: Record<string, unknown>
      try { m = JSON.parse(line) } catch { continue }
      if (m.msg === 'embedded TimescaleDB ready') dbPort = Number(m.port)
      if (typeof m.msg === 'string' && m.msg.startsWith('database policy') && typeof m.ms === 'number') {
        const k = String(m.target ?? m.proc)
        run.refreshes.set(k, [...(run.refreshes.get(k) ?? []), m.ms])
      }
      if (typeof m.msg === 'string' && m.msg.startsWith('resuming')) run.resumeLine = m.msg
    }
  })
  child.stderr!.resume()
  const base = `http://127.0.0.1:${port}`
  let cookie = ''
  let truthDb: pg.Pool | undefined
  let rightStreak = 0
  let fastStreak = 0
  try {
    while (secs() < MAX_S && (run.rightS === null || run.fastS === null)) {
      await sleep(2000)
      if (child.exitCode !== null) throw new Error(`the demo exited (code ${child.exitCode})`)
      if (run.readyS === null) {
        const ok = await fetch(`${base}/healthz`).then((r) => r.ok, () => false)
        if (!ok) continue
        run.readyS = secs()
      }
      if (!cookie) {
        const r = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) }).catch(() => undefined)
        if (!r?.ok) continue
        cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!
      }
      // The embedded database asks for its install's secret (DATA_DIR/pg/db-secret); the log names only the port.
      if (!dbUrl && dbPort) dbUrl = embeddedUrl(dbPort, await readEmbeddedSecret(path.join(dataDir, 'pg')))
      if (!truthDb && dbUrl) truthDb = new pg.Pool({ connectionString: dbUrl, max: 1 })
      const asked = performance.now()
      const r = await fetch(`${base}/api/v1/kpis`, { headers: { cookie } }).catch(() => undefined)
      const ms = performance.now() - asked
      if (!r?.ok) { rightStreak = fastStreak = 0; continue }
      const k = await r.json() as { collectedToday: number; deliveredToday: number; inFlight: number }
      fastStreak = ms <= 500 ? fastStreak + 1 : 0
      if (fastStreak >= 3 && run.fastS === null) run.fastS = secs()
      if (truthDb && run.rightS === null) {
        const now = new Date()
        const [ev, open] = await Promise.all([
          truthDb.query<{ type: string; n: string }>(`SELECT type, count(*) AS n FROM scan_events WHERE event_time >= $1 AND event_time <= $2 AND type IN ('collected', 'delivered') GROUP BY type`, [startOfShanghaiDay(now), now]),
          truthDb.query<{ n: string }>(`SELECT count(*) AS n FROM shipments WHERE status NOT IN ('delivered', 'returned')`),
        ])
        const t = (type: string) => Number(ev.rows.find((x) => x.type === type)?.n ?? 0)
        const close = (a: number, b: number) => Math.abs(a - b) <= Math.max(20, b * 0.01)
        const right = close(k.collectedToday, t('collected')) && close(k.deliveredToday, t('delivered')) && close(k.inFlight, Number(open.rows[0]!.n))
        rightStreak = right ? rightStreak + 1 : 0
        if (rightStreak >= 3) run.rightS = secs()
      }
    }
  } finally {
    await truthDb?.end().catch(() => undefined)
    const exited = new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())))
    try { process.kill(-child.pid!, 'SIGINT') } catch { /* gone */ }
    const killer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL') } catch { /* gone */ } }, 30_000)
    await exited
    clearTimeout(killer)
    await sleep(1000)
  }
  return run
}

function describe(label: string, r: Run): string {
  const f = (s: number | null) => (s === null ? `not within ${MAX_S} s` : `${s} s`)
  const all = [...r.refreshes.values()].flat()
  const worst = [...r.refreshes].map(([k, v]) => [k, Math.max(...v)] as const).sort((a, b) => b[1] - a[1]).slice(0, 3)
  return `demo start, ${label}, embedded TimescaleDB (PGlite): ready ${f(r.readyS)}; KPI tiles right ${f(r.rightS)}; /api/v1/kpis within 500 ms ${f(r.fastS)}; ` +
    `refreshes ${all.length}, ${all.filter((x) => x >= 2000).length} of 2 s or more, slowest ${worst.map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`).join(', ') || 'none'}` +
    (r.resumeLine ? `; "${r.resumeLine}"` : '')
}

async function main(): Promise<void> {
  if (process.env.DATABASE_URL) process.stdout.write('demo-start: measures the embedded engine; DATABASE_URL is ignored\n')
  delete process.env.DATABASE_URL
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pw-bench-demo-'))
  const prefix = `{bench${process.pid}}`
  try {
    const empty = await start(dataDir, await freePort(), prefix)
    process.stdout.write(describe('empty data directory', empty) + '\n')
    const again = await start(dataDir, await freePort(), prefix)
    process.stdout.write(describe('existing data directory (restart)', again) + '\n')
  } finally {
    await rm(dataDir, { recursive: true, force: true })
    await dropPrefix(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix).catch(() => 0)
  }
}

main().catch((err) => { process.stderr.write(`demo-start: ${err instanceof Error ? err.stack : String(err)}\n`); process.exit(1) })
