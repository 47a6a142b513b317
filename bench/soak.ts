/**
 * Soak benchmark: a sustained stream of scans through POST /api/v1/events against
 * the whole product (server with workers; the embedded TimescaleDB, or a database of
 * its own on the DATABASE_URL server, see bench/lib/engine.ts) for minutes on end,
 * watching for what only shows over time: memory that keeps growing, a queue that
 * falls behind, ingest that slows down.
 *
 * Processes: the system in one child (its embedded database in a grandchild); a load
 * generator in another, which collects parcels (POST /api/v1/shipments, 1,000 at a
 * time, ahead of need) and sends each through a realistic trajectory of 8 scans
 * (collected, departed, sorting centre in and out, destination centre, outlet, out
 * for delivery, delivered) stamped with the time it is sent, batches of 1,000 events
 * at the target rate, with at most 4 in flight. This process samples every 10 s:
 * resident memory of the server and of the database process (/proc), queue depth
 * and lag (GET /metrics from loopback: pw_queue_jobs, pw_queue_lag_seconds).
 *
 *   npx tsx bench/soak.ts                       # 3 minutes (part of npm run bench)
 *   BENCH_SOAK_MINUTES=30 npx tsx bench/soak.ts # the real soak
 *   --minutes= --rate= --batch= --warmup-minutes=   (or BENCH_SOAK_RATE, BENCH_SOAK_BATCH, BENCH_SOAK_WARMUP_MINUTES)
 */
import { randomBytes } from 'node:crypto'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { loadConfig } from '../server/config.ts'
import { createLogger } from '../server/lib/logger.ts'
import { startSystem } from '../server/system.ts'
import type { EmbeddedMemory } from '../server/db/embedded-process.ts'
import { createApiToken } from '../server/services/auth.ts'
import { DEMO_COURIERS, DEMO_HUBS, parentCentre } from '../server/data/network.ts'
import { dropPrefix } from './lib/redis-cleanup.ts'
import { engineLine, openBenchTarget } from './lib/engine.ts'
import {
  cpuSeconds,
  heard,
  option,
  percentile,
  quickMode,
  rssMb,
  runChild,
  sleep,
  startChild,
  tell,
  type Child,
} from './lib/procs.ts'

const SAMPLE_EVERY_MS = 10_000
const ACTIVE_PARCELS = 20_000 // parcels on the road at once: each gets a scan every ACTIVE/rate seconds
const SHIPMENT_BATCH = 1_000
const IN_FLIGHT = 4

const outlets = DEMO_HUBS.filter((h) => h.kind === 'outlet')
const courierOf = new Map(DEMO_COURIERS.map((c) => [c.hubCode, c.code]))

// ---------------------------------------------------------------- system child

async function systemProcess(): Promise<void> {
  const target = await openBenchTarget('soak')
  const config = loadConfig({
    ...target.env,
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_PASSWORD: 'bench-password-0',
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: `{bsoak${randomBytes(3).toString('hex')}}`,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    EMBEDDED_PG_PROFILE: process.env.EMBEDDED_PG_PROFILE,
  })
  const sys = await startSystem(config, createLogger('warn'))
  try {
    const token = await createApiToken(sys.database.pool, 'bench', 'integrator', null)
    const engine = await engineLine(sys.database.pool, sys.database.embedded, config.databaseUrl)
    tell({ type: 'ready', url: sys.url, token, dbPid: sys.database.pid, engine })
    // The event loop's longest stall between two samples: a server that stops answering
    // (its IPC, /metrics) shows here as a delay, not only as a missing sample.
    const loop = monitorEventLoopDelay({ resolution: 20 })
    loop.enable()
    void (async () => {
      for (;;) {
        const ask = await heard<{ seq?: number }>('memory')
        const report = await sys.database.memory?.().catch(() => undefined)
        tell({ type: 'memory', seq: ask.seq, report, loopMaxMs: Math.round(loop.max / 1e6) })
        loop.reset()
      }
    })()
    await heard('stop')
  } finally {
    await sys.close()
    await dropPrefix(sys.redisUrl, config.queuePrefix)
    await target.close()
  }
}

// ---------------------------------------------------------------- load child

interface LoadPlan {
  url: string
  token: string
  rate: number
  batch: number
  runId: string
}
interface Parcel {
  waybill: string
  origin: string
  destination: string
  step: number
}

function shipmentOf(p: Parcel, i: number, collectedAt: Date) {
  const o = DEMO_HUBS.find((h) => h.code === p.origin)!
  const d = DEMO_HUBS.find((h) => h.code === p.destination)!
  return {
    waybill: p.waybill,
    tier: (['express', 'standard', 'economy'] as const)[i % 3],
    sender: { name: '王小明', phone: '13911112222', address: `${o.city}测试路 ${i % 300} 号`, city: o.city },
    recipient: {
      name: '李娜',
      phone: `138${String(i % 1e8).padStart(8, '0')}`,
      address: `${d.city}测试街 ${i % 500} 号`,
      city: d.city,
    },
    originHub: p.origin,
    destinationHub: p.destination,
    itemName: '文件',
    weightKg: 0.5 + (i % 40) / 10,
    volumeCm3: 2000 + (i % 7) * 1500,
    declaredValueYuan: i % 5 === 0 ? 200 : undefined,
    collectedAt: collectedAt.toISOString(),
    collectedBy: courierOf.get(p.origin)!,
  }
}

/** The scan a parcel gets at step 0..7, stamped `time`. */
function scanOf(p: Parcel, time: Date) {
  const [type, hub] = (
    [
      ['collected', p.origin],
      ['departed_hub', p.origin],
      ['arrived_hub', parentCentre(p.origin)],
      ['departed_hub', parentCentre(p.origin)],
      ['arrived_hub', parentCentre(p.destination)],
      ['arrived_hub', p.destination],
      ['out_for_delivery', p.destination],
      ['delivered', p.destination],
    ] as const
  )[p.step]!
  return {
    id: `${p.waybill}-${p.step}`,
    time: time.toISOString(),
    waybill: p.waybill,
    type,
    hub,
    ...(type === 'collected' ? { courier: courierOf.get(p.origin) } : {}),
    ...(type === 'out_for_delivery' ? { courier: courierOf.get(p.destination) } : {}),
    ...(type === 'delivered' ? { courier: courierOf.get(p.destination), signer: '本人' } : {}),
  }
}

async function postJson(url: string, token: string, p: string, body: string): Promise<{ status: number; json: any }> {
  const r = await fetch(`${url}${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
  })
  const text = await r.text()
  try {
    return { status: r.status, json: JSON.parse(text) }
  } catch {
    return { status: r.status, json: text }
  }
}

async function loadProcess(): Promise<void> {
  tell({ type: 'ready' })
  const plan = await heard<LoadPlan>('load')
  let stopping = false
  void heard('stop').then(() => {
    stopping = true
  })
  const stats = {
    sent: 0,
    accepted: 0,
    rejected: 0,
    failed: 0,
    shipments: 0,
    starved: 0,
    collectFailed: 0,
    firstProblem: '',
  }
  let batchMs: Array<[number, number]> = [] // [end time since start, latency], handed over at each 'stats'
  void (async () => {
    for (;;) {
      await heard('stats')
      tell({ type: 'stats', ...stats, batchMs })
      batchMs = []
    }
  })()

  // Parcels are collected ahead of need, 1,000 at a time.
  let made = 0
  const ready: Parcel[] = []
  let collecting: Promise<void> | undefined
  const collect = async () => {
    const fresh: Parcel[] = []
    for (let j = 0; j < SHIPMENT_BATCH; j++, made++) {
      const i = made
      fresh.push({
        waybill: `PWS${plan.runId}${String(i).padStart(9, '0')}`,
        origin: outlets[i % outlets.length]!.code,
        destination: outlets[(i * 7 + 3) % outlets.length]!.code,
        step: 0,
      })
    }
    const collectedAt = new Date(Date.now() - 60_000)
    const r = await postJson(
      plan.url,
      plan.token,
      '/api/v1/shipments',
      JSON.stringify({ shipments: fresh.map((p, j) => shipmentOf(p, made - SHIPMENT_BATCH + j, collectedAt)) }),
    )
    if (r.status !== 200 || r.json.rejected.length > 0)
      throw new Error(`shipments: ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`)
    stats.shipments += fresh.length
    ready.push(...fresh)
  }
  const topUp = () => {
    // A collection that fails is an error of the run (counted, reported), not the end of it: the next top-up tries again.
    if (!collecting && ready.length < 4 * plan.batch) {
      collecting = collect()
        .catch((err: Error) => {
          stats.collectFailed++
          stats.firstProblem ||= `collecting parcels: ${err.message}`
        })
        .finally(() => {
          collecting = undefined
        })
    }
    return collecting
  }
  while (ready.length < ACTIVE_PARCELS + 4 * plan.batch) await collect()
  const active: Parcel[] = ready.splice(0, ACTIVE_PARCELS)
  let cursor = 0
  tell({ type: 'collected', parcels: made })

  const nextBody = () => {
    const now = Date.now()
    const events = []
    for (let j = 0; j < plan.batch; j++) {
      if (cursor >= active.length) cursor = 0
      const p = active[cursor]!
      events.push(scanOf(p, new Date(now - plan.batch + j)))
      p.step++
      if (p.step === 8) active[cursor] = ready.shift()! // delivered: a newly collected parcel takes its place
      cursor++
    }
    void topUp()
    return JSON.stringify({ events })
  }
  const periodMs = (plan.batch / plan.rate) * 1000
  const t0 = performance.now()
  let inflight = 0
  let slotFreed: (() => void) | undefined
  tell({ type: 'started' })
  for (let i = 0; !stopping; i++) {
    const wait = t0 + i * periodMs - performance.now()
    if (wait > 0) await sleep(wait)
    while (inflight >= IN_FLIGHT && !stopping)
      await new Promise<void>((resolve) => {
        slotFreed = resolve
      })
    while (ready.length < plan.batch && !stopping) {
      stats.starved++
      await topUp()
    }
    if (stopping) break
    const body = nextBody()
    inflight++
    stats.sent += plan.batch
    const started = performance.now()
    void postJson(plan.url, plan.token, '/api/v1/events', body)
      .then(
        ({ status, json }) => {
          if (status === 200) {
            stats.accepted += Number(json.accepted)
            stats.rejected += json.rejected.length
            if (json.rejected.length > 0) stats.firstProblem ||= JSON.stringify(json.rejected[0])
            const end = performance.now()
            batchMs.push([end - t0, end - started])
          } else {
            stats.failed += plan.batch
            stats.firstProblem ||= `HTTP ${status}: ${JSON.stringify(json).slice(0, 300)}`
          }
        },
        (err: Error) => {
          stats.failed += plan.batch
          stats.firstProblem ||= err.message
        },
      )
      .finally(() => {
        inflight--
        slotFreed?.()
        slotFreed = undefined
      })
  }
  while (inflight > 0)
    await new Promise<void>((resolve) => {
      slotFreed = resolve
    })
  await collecting
  tell({ type: 'stats', ...stats, batchMs })
  await sleep(200)
}

// ---------------------------------------------------------------- orchestrator

interface Queue {
  waiting: number
  active: number
  lagS: number
}

/** Queue depth (waiting + prioritized over every queue), active jobs, and the largest lag, from /metrics. */
async function scrapeQueues(url: string): Promise<Queue | undefined> {
  try {
    const r = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(9_000) })
    if (r.status !== 200) return undefined
    const q: Queue = { waiting: 0, active: 0, lagS: 0 }
    for (const line of (await r.text()).split('\n')) {
      const jobs = /^pw_queue_jobs\{[^}]*state="(\w+)"[^}]*\} (\S+)$/.exec(line)
      if (jobs && (jobs[1] === 'waiting' || jobs[1] === 'prioritized')) q.waiting += Number(jobs[2])
      if (jobs && jobs[1] === 'active') q.active += Number(jobs[2])
      const lag = /^pw_queue_lag_seconds\{[^}]*\} (\S+)$/.exec(line)
      if (lag) q.lagS = Math.max(q.lagS, Number(lag[1]))
    }
    return q
  } catch {
    return undefined
  }
}

interface Sample {
  t: number
  server: number
  db: number
  dbMem: EmbeddedMemory | undefined
  queue: Queue | undefined
  accepted: number
  batches: Array<[number, number]>
  loopMaxMs: number | undefined
}
type MemoryReply = { seq?: number; report?: EmbeddedMemory; loopMaxMs: number }

/** The system child's answer to sample `seq` (older answers that came late are skipped), or undefined after 30 s: a stall, counted. */
async function memoryReply(system: Child, seq: number): Promise<MemoryReply | undefined> {
  const deadline = performance.now() + 30_000
  for (;;) {
    const left = deadline - performance.now()
    if (left <= 0) return undefined
    const m = await system.next<MemoryReply>('memory', left).catch((err: Error) => {
      if (/ within /.test(err.message)) return undefined
      throw err
    })
    if (!m || m.seq === seq) return m
  }
}
type LoadStats = {
  sent: number
  accepted: number
  rejected: number
  failed: number
  shipments: number
  starved: number
  collectFailed: number
  firstProblem: string
  batchMs: Array<[number, number]>
}

const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  )
const fmtMs = (v: number) => (Number.isFinite(v) ? `${Math.round(v).toLocaleString('en')} ms` : 'n/a')
const growth = (from: number, to: number) =>
  `${from} MB -> ${to} MB (${from > 0 ? `${((100 * (to - from)) / from).toFixed(1)} %` : 'n/a'})`

async function main(): Promise<void> {
  const quick = quickMode()
  const MINUTES = option('minutes', 'BENCH_SOAK_MINUTES', quick ? 1 : 3)
  const RATE = option('rate', 'BENCH_SOAK_RATE', quick ? 2_000 : 5_000)
  const BATCH = Math.round(option('batch', 'BENCH_SOAK_BATCH', 1_000))
  const WARMUP_MIN = option('warmup-minutes', 'BENCH_SOAK_WARMUP_MINUTES', Math.min(5, Math.max(0.5, MINUTES / 4)))
  if (WARMUP_MIN >= MINUTES)
    throw new Error(`the warm-up (${WARMUP_MIN} min) must be shorter than the run (${MINUTES} min)`)
  const self = new URL(import.meta.url)
  const system = startChild(self, 'system')
  const children = [system]
  try {
    const ready = await system.next<{ url: string; token: string; dbPid?: number; engine: string }>('ready')
    process.stdout.write(`${ready.engine}\n`)
    const load = startChild(self, 'load')
    children.push(load)
    await load.next('ready')
    load.send({
      type: 'load',
      url: ready.url,
      token: ready.token,
      rate: RATE,
      batch: BATCH,
      runId: randomBytes(2).toString('hex').toUpperCase(),
    } satisfies LoadPlan & { type: string })
    const setup = performance.now()
    const collected = await load.next<{ parcels: number }>('collected', 600_000)
    await load.next('started')
    process.stdout.write(
      `soak: ${collected.parcels.toLocaleString('en')} parcels collected in ${Math.round(performance.now() - setup)} ms; ` +
        `${MINUTES} min at ${RATE.toLocaleString('en')} events/s (batches of ${BATCH.toLocaleString('en')}, <= ${IN_FLIGHT} in flight), warm-up ${WARMUP_MIN} min, a sample every ${SAMPLE_EVERY_MS / 1000} s\n`,
    )
    process.stdout.write(
      '     t   server MB   db MB (wasm/js heap/buffers)   queue waiting/active   lag s   events/s   batch p50 / p99   server loop max\n',
    )

    const t0 = performance.now()
    const cpu0 = { server: cpuSeconds(system.pid), db: cpuSeconds(ready.dbPid) }
    const samples: Sample[] = []
    let last: LoadStats | undefined
    let stalls = 0
    for (let k = 1; k * SAMPLE_EVERY_MS <= MINUTES * 60_000; k++) {
      await sleep(t0 + k * SAMPLE_EVERY_MS - performance.now())
      load.send({ type: 'stats' })
      system.send({ type: 'memory', seq: k })
      const [stats, queue, memory] = await Promise.all([
        load.next<LoadStats>('stats', 30_000),
        scrapeQueues(ready.url),
        memoryReply(system, k),
      ])
      if (!memory) stalls++
      const s: Sample = {
        t: (performance.now() - t0) / 1000,
        server: rssMb(system.pid),
        db: rssMb(ready.dbPid),
        dbMem: memory?.report,
        queue,
        accepted: stats.accepted,
        batches: stats.batchMs,
        loopMaxMs: memory?.loopMaxMs,
      }
      const rate = (stats.accepted - (last?.accepted ?? samples.at(-1)?.accepted ?? 0)) / (SAMPLE_EVERY_MS / 1000)
      const lat = [...s.batches.map((b) => b[1])].sort((a, b) => a - b)
      samples.push(s)
      last = stats
      const parts = s.dbMem ? `(${s.dbMem.wasmMb}/${s.dbMem.heapUsedMb}/${s.dbMem.arrayBuffersMb})` : ''
      process.stdout.write(
        `${s.t.toFixed(0).padStart(6)}   ${String(s.server).padStart(9)}   ${`${s.db} ${parts}`.padStart(28)}   ` +
          `${queue ? `${queue.waiting}/${queue.active}`.padStart(20) : 'n/a'.padStart(20)}   ${queue ? queue.lagS.toFixed(1).padStart(5) : '  n/a'}   ` +
          `${Math.round(rate).toLocaleString('en').padStart(8)}   ${fmtMs(percentile(lat, 50))} / ${fmtMs(percentile(lat, 99))}   ${s.loopMaxMs === undefined ? 'no answer' : `${s.loopMaxMs} ms`}\n`,
      )
    }
    const elapsedS = (performance.now() - t0) / 1000
    const cpu = { server: cpuSeconds(system.pid) - cpu0.server, db: cpuSeconds(ready.dbPid) - cpu0.db }
    load.send({ type: 'stop' })
    const final = await load.next<LoadStats>('stats', 120_000)
    const drainStart = performance.now()
    let drained = await scrapeQueues(ready.url)
    while (drained && drained.waiting + drained.active > 0 && performance.now() - drainStart < 120_000) {
      await sleep(1_000)
      drained = await scrapeQueues(ready.url)
    }
    const drainS = (performance.now() - drainStart) / 1000

    const warm = samples.filter((s) => s.t <= WARMUP_MIN * 60 + 0.5)
    const after = samples.filter((s) => s.t > WARMUP_MIN * 60 + 0.5)
    const around = warm.slice(-3)
    const tail = samples.slice(-3)
    const mem = (pick: (s: Sample) => number) => ({
      from: Math.round(median(around.map(pick))),
      to: Math.round(median(tail.map(pick))),
    })
    const server = mem((s) => s.server)
    const db = mem((s) => s.db)
    const total = mem((s) => s.server + s.db)
    const lags = after
      .filter((s) => s.queue)
      .map((s) => s.queue!.lagS)
      .sort((a, b) => a - b)
    const depths = after
      .filter((s) => s.queue)
      .map((s) => s.queue!.waiting)
      .sort((a, b) => a - b)
    const lat = after.flatMap((s) => s.batches.map((b) => b[1])).sort((a, b) => a - b)
    const measuredS = after.length > 0 ? after.at(-1)!.t - (warm.at(-1)?.t ?? 0) : Number.NaN
    const achieved = after.length > 0 ? (after.at(-1)!.accepted - (warm.at(-1)?.accepted ?? 0)) / measuredS : Number.NaN
    const growthPct = (100 * (total.to - total.from)) / total.from
    process.stdout.write(
      [
        `soak benchmark: ${elapsedS.toFixed(0)} s of sustained ingest against the full system (server with workers), ${ready.engine.replace(/^engine: /, '')}; ` +
          `target ${RATE.toLocaleString('en')} events/s; figures after the ${WARMUP_MIN} min warm-up unless said otherwise`,
        `  achieved rate        : ${Math.round(achieved).toLocaleString('en')} events/s (${((100 * achieved) / RATE).toFixed(0)} % of the target; ` +
          `whole run ${final.accepted.toLocaleString('en')} accepted, ${final.rejected} rejected, ${final.failed} failed, ${final.shipments.toLocaleString('en')} parcels collected, ${final.collectFailed} collections failed` +
          `${final.starved ? `, generator waited for parcels ${final.starved} times` : ''}${final.firstProblem ? `; first problem: ${final.firstProblem}` : ''})`,
        `  ingest batch POST    : p50 ${fmtMs(percentile(lat, 50))}  p99 ${fmtMs(percentile(lat, 99))}  max ${fmtMs(lat.at(-1) ?? Number.NaN)}  (n=${lat.length})`,
        `  queue lag            : max ${(lags.at(-1) ?? Number.NaN).toFixed(1)} s, p99 ${percentile(lags, 99).toFixed(1)} s over ${lags.length} samples; ` +
          `depth max ${depths.at(-1) ?? 'n/a'} waiting; drained ${drained && drained.waiting + drained.active === 0 ? `${drainS.toFixed(0)} s after the load stopped` : 'NOT within 120 s'}`,
        `  memory (RSS), end of warm-up -> end (medians of 3 samples):`,
        `    server (with workers)    ${growth(server.from, server.to)}`,
        ...(ready.dbPid
          ? [`    embedded database        ${growth(db.from, db.to)}`]
          : [
              `    (the TimescaleDB server's memory is its own configuration, shared_buffers and work_mem: not counted here)`,
            ]),
        ...(around[0]?.dbMem && tail[0]?.dbMem
          ? [
              `      of which WebAssembly   ${growth(mem((s) => s.dbMem?.wasmMb ?? 0).from, mem((s) => s.dbMem?.wasmMb ?? 0).to)} (PostgreSQL's linear memory: it never shrinks)`,
              `      of which JS heap       ${growth(mem((s) => s.dbMem?.heapUsedMb ?? 0).from, mem((s) => s.dbMem?.heapUsedMb ?? 0).to)}`,
            ]
          : []),
        `    ${ready.dbPid ? 'both                    ' : 'counted                 '} ${growth(total.from, total.to)}   target < 10 %: ${growthPct < 10 ? 'met' : 'NOT met'}`,
        `  server responsiveness : event loop stalled up to ${Math.max(0, ...samples.map((x) => x.loopMaxMs ?? 0)).toLocaleString('en')} ms; ${stalls} of ${samples.length} samples unanswered within 30 s`,
        `  CPU seconds over the run : server ${cpu.server.toFixed(0)}${ready.dbPid ? `, embedded database ${cpu.db.toFixed(0)}` : ''} (of ${(2 * elapsedS).toFixed(0)} on 2 cores, shared with the load generator and whatever else runs)`,
        ...(achieved < 0.95 * RATE
          ? [
              `  note: the load fell short of its target: the system is saturated at this rate on this machine (see the database's CPU seconds).`,
            ]
          : []),
        `  (a shared machine: figures are noisy; BENCH_SOAK_MINUTES=30 for the real soak)`,
        '',
      ].join('\n'),
    )
  } finally {
    await Promise.all(children.map((c) => c.stop()))
  }
}

const role = process.argv[2]
if (role === 'system') runChild(systemProcess)
else if (role === 'load') runChild(loadProcess)
else await main()
