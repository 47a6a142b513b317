/**
 * How long the demo takes to become useful, on an empty data directory and then on
 * the same directory again (a restart). Each start is watched for DEMO_BENCH_OBSERVE_S
 * (default 300: past the demo's three-minute backlog replay, when the catch-up load
 * is highest) and, from the moment the process is spawned, reports:
 *   - ready:  the server answers /healthz;
 *   - right:  from when on /api/v1/kpis kept showing today's collected and delivered
 *             counts and the in-flight count within 1 % (or 20) of the raw tables, as a
 *             complete snapshot, to the end of the watch; how many polls showed "—"
 *             (complete: false: the tiles show a dash, not a number) and how many a
 *             wrong number as complete (a lie);
 *   - fast:   from when on every /api/v1/kpis answered within 500 ms, to the end of
 *             the watch, with the p95 and slowest answer over the whole watch;
 *   - sign-in: p50/p95/max of a sign-in every 5 s over the whole watch (issue 12, item 3);
 * and how long the db-policies job's runs held the database at once (the longest,
 * and how many held it 2 s or more; a sliced refresh gives it up between slices). The server runs as `npm run demo` would run it
 * (`tsx server/main.ts --simulate`, no web build), in its own process group on a
 * private data directory, port and queue prefix; it is stopped with SIGINT.
 *
 * It runs the baseline first (EMBEDDED_REFRESH_SLICED=false: each refresh policy's whole
 * window in one transaction, as before issue 12) and then the default (sliced refreshes),
 * each on a fresh directory, so the two are measured on the same machine under similar
 * load; DEMO_BENCH_MODES=sliced runs only the default.
 *
 * Engine: the embedded TimescaleDB (PGlite). Prints the machine's load average too.
 * DEMO_BENCH_TRACE=1 prints every poll on stderr.
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
const OBSERVE_S = Number(process.env.DEMO_BENCH_OBSERVE_S ?? 300)
/** DEMO_BENCH_TRACE=1: every poll on stderr. */
const TRACE = process.env.DEMO_BENCH_TRACE === '1'
const PASSWORD = 'bench-demo-start-password'

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => resolve(p))
    })
  })
}

interface Run {
  readyS: number | null
  /** Start of the last unbroken run of right (or "—") answers up to the end of the watch. */
  rightS: number | null
  wrongPolls: number
  dashPolls: number
  /** Start of the last unbroken run of answers within 500 ms up to the end of the watch. */
  fastS: number | null
  kpiMs: number[]
  signInMs: number[]
  /** The slowest sign-in's Server-Timing (where its time went at the server: user look-up, hash, session insert). */
  slowestSignIn: { ms: number; timing: string }
  refreshes: Map<string, number[]>
  resumeLine: string | null
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function start(dataDir: string, port: number, prefix: string, sliced: boolean): Promise<Run> {
  const t0 = performance.now()
  const secs = () => Math.round((performance.now() - t0) / 100) / 10
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--simulate'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_PASSWORD: PASSWORD,
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'debug',
      EMBEDDED_REFRESH_SLICED: String(sliced),
    },
  })
  const run: Run = {
    readyS: null,
    rightS: null,
    wrongPolls: 0,
    dashPolls: 0,
    fastS: null,
    kpiMs: [],
    signInMs: [],
    slowestSignIn: { ms: 0, timing: '' },
    refreshes: new Map(),
    resumeLine: null,
  }
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
      try {
        m = JSON.parse(line)
      } catch {
        continue
      }
      if (m.msg === 'embedded TimescaleDB ready') dbPort = Number(m.port)
      if (typeof m.msg === 'string' && m.msg.startsWith('database policy') && typeof m.ms === 'number') {
        // How long one run held the database at once: a sliced refresh (jobs/processors/run-db-policies.ts) gives it up between slices.
        const k = String(m.target ?? m.proc)
        run.refreshes.set(k, [...(run.refreshes.get(k) ?? []), typeof m.heldMs === 'number' ? m.heldMs : m.ms])
      }
      if (typeof m.msg === 'string' && m.msg.startsWith('resuming')) run.resumeLine = m.msg
    }
  })
  child.stderr!.setEncoding('utf8')
  child.stderr!.on('data', (chunk: string) => {
    if (TRACE)
      process.stderr.write(
        chunk
          .split('\n')
          .filter(Boolean)
          .map((l) => `  demo stderr: ${l}`)
          .join('\n') + '\n',
      )
  })
  const base = `http://127.0.0.1:${port}`
  let cookie = ''
  let truthDb: pg.Pool | undefined
  let lastSignIn = 0
  const signIn = async () => {
    const t = performance.now()
    const r = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    }).catch(() => undefined)
    if (!r?.ok) return undefined
    lastSignIn = performance.now()
    if (lastSignIn - t > run.slowestSignIn.ms)
      run.slowestSignIn = { ms: lastSignIn - t, timing: r.headers.get('server-timing') ?? '' }
    return { ms: lastSignIn - t, cookie: (r.headers.get('set-cookie') ?? '').split(';')[0]! }
  }
  try {
    while (run.readyS === null || secs() < run.readyS + OBSERVE_S) {
      await sleep(2000)
      if (child.exitCode !== null) throw new Error(`the demo exited (code ${child.exitCode})`)
      if (run.readyS === null) {
        const ok = await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        )
        if (!ok) {
          if (secs() > 600) throw new Error('not ready in 600 s')
          continue
        }
        run.readyS = secs()
      }
      if (!cookie) {
        const s = await signIn()
        if (!s) continue
        cookie = s.cookie
        run.signInMs.push(s.ms)
      } else if (performance.now() - lastSignIn >= 5000) {
        const s = await signIn()
        if (s) run.signInMs.push(s.ms)
      }
      // The embedded database asks for its install's secret (DATA_DIR/pg/db-secret); the log names only the port.
      if (!dbUrl && dbPort) dbUrl = embeddedUrl(dbPort, await readEmbeddedSecret(path.join(dataDir, 'pg')))
      if (!truthDb && dbUrl) truthDb = new pg.Pool({ connectionString: dbUrl, max: 1 })
      const asked = performance.now()
      const r = await fetch(`${base}/api/v1/kpis`, { headers: { cookie } }).catch(() => undefined)
      const ms = performance.now() - asked
      run.kpiMs.push(ms)
      if (ms > 500 || !r?.ok) run.fastS = null
      else if (run.fastS === null) run.fastS = secs()
      if (!r?.ok) {
        run.rightS = null
        continue
      }
      const k = (await r.json()) as {
        complete?: boolean
        collectedToday: number
        deliveredToday: number
        inFlight: number
      }
      if (truthDb) {
        const now = new Date()
        // The truth is counted on a connection of our own; one the embedded database dropped is opened again next poll.
        const truth = await Promise.all([
          truthDb.query<{ type: string; n: string }>(
            `SELECT type, count(*) AS n FROM scan_events WHERE event_time >= $1 AND event_time <= $2 AND type IN ('collected', 'delivered') GROUP BY type`,
            [startOfShanghaiDay(now), now],
          ),
          truthDb.query<{ n: string }>(
            `SELECT count(*) AS n FROM shipments WHERE status NOT IN ('delivered', 'returned')`,
          ),
        ]).catch((err: unknown) => {
          process.stderr.write(
            `${secs()} s: counting the truth failed (${err instanceof Error ? err.message : String(err)})\n`,
          )
          return undefined
        })
        if (!truth) {
          await truthDb.end().catch(() => undefined)
          truthDb = undefined
          continue
        }
        const [ev, open] = truth
        const t = (type: string) => Number(ev.rows.find((x) => x.type === type)?.n ?? 0)
        const close = (a: number, b: number) => Math.abs(a - b) <= Math.max(20, b * 0.01)
        const inFlightRight = close(k.inFlight, Number(open.rows[0]!.n))
        const countsRight = close(k.collectedToday, t('collected')) && close(k.deliveredToday, t('delivered'))
        // "—" (complete: false) is not a lie, but not the numbers either: only a complete, right snapshot counts as right.
        if (k.complete === false) run.dashPolls++
        else if (!(inFlightRight && countsRight)) run.wrongPolls++
        if (k.complete !== false && inFlightRight && countsRight) {
          if (run.rightS === null) run.rightS = secs()
        } else run.rightS = null
        if (TRACE)
          process.stderr.write(
            `${secs()} s: kpis ${Math.round(ms)} ms, complete ${k.complete}, collected ${k.collectedToday}/${t('collected')}, delivered ${k.deliveredToday}/${t('delivered')}, in flight ${k.inFlight}/${open.rows[0]!.n}, last sign-in ${Math.round(run.signInMs.at(-1) ?? 0)} ms\n`,
          )
      }
    }
  } finally {
    await truthDb?.end().catch(() => undefined)
    const exited = new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())))
    try {
      process.kill(-child.pid!, 'SIGINT')
    } catch {
      /* gone */
    }
    const killer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        /* gone */
      }
    }, 30_000)
    await exited
    clearTimeout(killer)
    await sleep(1000)
  }
  return run
}

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN
}

function describe(label: string, r: Run): string {
  const f = (s: number | null) => (s === null ? `not by the end of the ${OBSERVE_S} s watch` : `from ${s} s`)
  const ms = (x: number) => `${Math.round(x)} ms`
  const all = [...r.refreshes.values()].flat()
  const worst = [...r.refreshes]
    .map(([k, v]) => [k, Math.max(...v)] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
  return (
    `demo start, ${label}, embedded TimescaleDB (PGlite): ready ${r.readyS} s; KPI tiles right ${f(r.rightS)} (${r.dashPolls} "—", ${r.wrongPolls} wrong of ${r.kpiMs.length} polls); ` +
    `/api/v1/kpis within 500 ms ${f(r.fastS)} (p95 ${ms(percentile(r.kpiMs, 95))}, max ${ms(Math.max(...r.kpiMs))}); ` +
    `sign-in p50 ${ms(percentile(r.signInMs, 50))}, p95 ${ms(percentile(r.signInMs, 95))}, max ${ms(Math.max(...r.signInMs))} (n = ${r.signInMs.length}${r.slowestSignIn.timing ? `; slowest at the server: ${r.slowestSignIn.timing}` : ''}); ` +
    `policy runs ${all.length}, ${all.filter((x) => x >= 2000).length} holding the database 2 s or more, longest hold ${worst.map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`).join(', ') || 'none'}` +
    (r.resumeLine ? `; "${r.resumeLine}"` : '')
  )
}

async function main(): Promise<void> {
  if (process.env.DATABASE_URL)
    process.stdout.write('demo-start: measures the embedded engine; DATABASE_URL is ignored\n')
  process.stdout.write(
    `demo-start: ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} at the start\n`,
  )
  delete process.env.DATABASE_URL
  // The baseline first, in the same run on the same machine: each policy's whole window
  // in one transaction (EMBEDDED_REFRESH_SLICED=false, as before issue 12), then the default.
  const modes = process.env.DEMO_BENCH_MODES === 'sliced' ? [true] : [false, true]
  for (const sliced of modes) {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pw-bench-demo-'))
    const prefix = `{bench${process.pid}${sliced ? 's' : 'w'}}`
    const how = sliced ? 'refreshes in slices (default)' : 'baseline: whole-window refreshes'
    try {
      const empty = await start(dataDir, await freePort(), prefix, sliced)
      process.stdout.write(
        describe(`${how}, empty data directory`, empty) +
          ` [load average ${os
            .loadavg()
            .map((x) => x.toFixed(1))
            .join(' ')}]\n`,
      )
      const again = await start(dataDir, await freePort(), prefix, sliced)
      process.stdout.write(
        describe(`${how}, existing data directory (restart)`, again) +
          ` [load average ${os
            .loadavg()
            .map((x) => x.toFixed(1))
            .join(' ')}]\n`,
      )
    } finally {
      await rm(dataDir, { recursive: true, force: true })
      await dropPrefix(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix).catch(() => 0)
    }
    process.stdout.write(
      `demo-start: load average ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}\n`,
    )
  }
}

main().catch((err) => {
  process.stderr.write(`demo-start: ${err instanceof Error ? err.stack : String(err)}\n`)
  process.exit(1)
})
