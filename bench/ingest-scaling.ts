/**
 * Ingest scaling on a TimescaleDB server: 1, 2 and 4 server instances (each with its
 * workers, as deployed) behind the same database, against bare inserts of the same
 * rows with the same number of connections, in one run.
 *
 * For each instance count N there are N × C clients (C per instance, default 2), each
 * sending B batches (default 15) of 1,000 events one after the other. Three ways,
 * in this order, each into the same hypertable:
 *   - bare unnest: each client its own connection, the product's own INSERT … SELECT
 *     FROM unnest(…) ON CONFLICT DO NOTHING (server/db/events-repo.ts insertEvents);
 *   - the API: each client POSTs /api/v1/events to its instance (validation, dedupe,
 *     parcel states under row locks, follow-up jobs), round robin over the instances;
 *   - bare COPY: each client a psql process of its own, `\copy scan_events … FROM STDIN`
 *     (psql speaks the COPY protocol; `pg` needs an extra library for it).
 * Prints events/s over the wall time of each way, the batch's p50/p99, and the ratio
 * API / bare (target >= 0.6 against the unnest insert with the same connections).
 *
 * The API's batches hold, by default, all 8 scans of 125 new parcels each (collected to
 * delivered in one batch: one state update per parcel, which closes it). `--stream` sends
 * what a live feed does instead: each batch holds the next scan of 1,000 parcels at 8
 * stages (scan k of the parcels whose first scan was k batches ago), so each parcel's state
 * is updated 8 times, once a batch; the first 7 batches (filling the pipeline) are not timed.
 *
 *   DATABASE_URL=postgres://…/postgres npx tsx bench/ingest-scaling.ts
 *   --instances=1,2,4 --clients=2 --batches=15 --batch=1000 [--stream]
 *   (or BENCH_SCALE_INSTANCES, _CLIENTS, _BATCHES, _BATCH, BENCH_SCALE_STREAM=1)
 *
 * Needs a server: the embedded database is one session, so instances behind it
 * queue for it by design (bench/ingest.ts measures that engine).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import os from 'node:os'
import pg from 'pg'
import { loadConfig } from '../server/config.ts'
import { createLogger } from '../server/lib/logger.ts'
import { openDatabase } from '../server/db/database.ts'
import { migrate } from '../server/db/migrate.ts'
import { upsertCouriers, upsertHubs } from '../server/db/reference-repo.ts'
import { insertEvents, type EventRow } from '../server/db/events-repo.ts'
import { startSystem } from '../server/system.ts'
import { createApiToken } from '../server/services/auth.ts'
import { DEMO_COURIERS, DEMO_HUBS } from '../server/data/network.ts'
import { engineLine, openBenchTarget } from './lib/engine.ts'
import { dropPrefix } from './lib/redis-cleanup.ts'
import { heard, percentile, runChild, sleep, startChild, tell, type Child } from './lib/procs.ts'

const TYPES = [
  'collected',
  'departed_hub',
  'arrived_hub',
  'departed_hub',
  'arrived_hub',
  'arrived_hub',
  'out_for_delivery',
  'delivered',
] as const
const PER_PARCEL = TYPES.length
const hubs = DEMO_HUBS.map((h) => h.code)
const outlets = DEMO_HUBS.filter((h) => h.kind === 'outlet').map((h) => h.code)

function intList(name: string, envName: string, fallback: string): number[] {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`))
  const raw = arg ? arg.slice(name.length + 3) : process.env[envName] || fallback
  const xs = raw.split(',').map((x) => Number(x.trim()))
  if (xs.some((x) => !Number.isInteger(x) || x <= 0))
    throw new Error(`--${name} / ${envName} must be positive whole numbers, got ${raw}`)
  return xs
}

// ---------------------------------------------------------------- instance child

async function instanceProcess(): Promise<void> {
  const config = loadConfig({
    DATABASE_URL: process.env.DATABASE_URL,
    REDIS_URL: process.env.REDIS_URL,
    QUEUE_PREFIX: process.env.QUEUE_PREFIX,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ADMIN_PASSWORD: 'bench-password-0',
    SEED_NETWORK: 'false',
  })
  const sys = await startSystem(config, createLogger('warn'))
  try {
    tell({ type: 'ready', url: sys.url })
    await heard('stop')
  } finally {
    await sys.close()
  }
}

// ---------------------------------------------------------------- main

interface Way {
  eventsPerS: number
  p50: number
  p99: number
  events: number
  seconds: number
}

function eventsOf(prefix: string, parcels: number, base: number) {
  const out: Array<{ id: string; time: string; waybill: string; type: string; hub: string; signer?: string }> = []
  for (let p = 0; p < parcels; p++) {
    const waybill = `${prefix}${String(p).padStart(8, '0')}`
    for (let k = 0; k < PER_PARCEL; k++) {
      const type = TYPES[k]!
      out.push({
        id: `${waybill}-${k}`,
        time: new Date(base + p * 1000 + k * 3_600_000).toISOString(),
        waybill,
        type,
        hub: hubs[(p + k) % hubs.length]!,
        ...(type === 'delivered' ? { signer: '本人' } : {}),
      })
    }
  }
  return out
}

const toRow = (e: ReturnType<typeof eventsOf>[number]): EventRow => ({
  id: e.id,
  time: new Date(e.time),
  waybill: e.waybill,
  type: e.type as EventRow['type'],
  hub: e.hub,
  courier: null,
  latitude: null,
  longitude: null,
  signer: e.signer ?? null,
  reason: null,
  detail: null,
})

/** Parcels the API's events refer to, written straight into shipments (the API's own setup is not what is measured). */
async function addShipments(db: pg.Pool, prefixes: string[], parcels: number, collectedAt: Date): Promise<void> {
  for (const prefix of prefixes) {
    await db.query(
      `INSERT INTO shipments (waybill, tier, sender_city, recipient_city, origin_hub, destination_hub, item_name, weight_kg, volume_cm3,
         chargeable_weight_kg, fee_zone, fee_base_fen, fee_weight_fen, fee_tier_fen, fee_insurance_fen, fee_total_fen,
         collected_at, collected_by, status, status_at, promised_deadline, promised_earliest)
       SELECT $1 || lpad(g::text, 8, '0'), (ARRAY['express','standard','economy'])[1 + g % 3], 'x', 'y',
         ($2::text[])[1 + g % $3], ($2::text[])[1 + (g * 7 + 3) % $3], 'item', 1, 1000, 1, 1, 1000, 0, 0, 0, 1000,
         $4::timestamptz, 'C-' || ($2::text[])[1 + g % $3] || '-01', 'collected', $4::timestamptz, $4::timestamptz + interval '5 days', $4::timestamptz + interval '3 days'
       FROM generate_series(0, $5::int - 1) AS g`,
      [prefix, outlets, outlets.length, collectedAt, parcels],
    )
  }
}

const summary = (events: number, ms: number, lat: number[]): Way => {
  const sorted = [...lat].sort((a, b) => a - b)
  return {
    eventsPerS: events / (ms / 1000),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    events,
    seconds: ms / 1000,
  }
}

/** Runs `work(client, batch)` for every client at once, each client's batches one after the other. */
async function drive(
  clients: number,
  batches: number,
  batch: number,
  work: (c: number, b: number) => Promise<void>,
): Promise<Way> {
  const lat: number[] = []
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let b = 0; b < batches; b++) {
        const t = performance.now()
        await work(c, b)
        lat.push(performance.now() - t)
      }
    }),
  )
  return summary(clients * batches * batch, performance.now() - t0, lat)
}

/** A psql process that COPYs batches of CSV into scan_events, one at a time. */
function copyClient(url: string) {
  const proc: ChildProcessWithoutNullStreams = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', url], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let buffered = ''
  let waiting: { tag: string; resolve: () => void; reject: (e: Error) => void } | undefined
  let failure = ''
  proc.stdout.setEncoding('utf8')
  proc.stdout.on('data', (d: string) => {
    buffered += d
    if (waiting && buffered.includes(`${waiting.tag}\n`)) {
      buffered = ''
      const w = waiting
      waiting = undefined
      w.resolve()
    }
  })
  proc.stderr.setEncoding('utf8')
  proc.stderr.on('data', (d: string) => {
    failure += d
  })
  proc.on('exit', (code) => waiting?.reject(new Error(`psql exited (${code}): ${failure.trim()}`)))
  let n = 0
  const csv = (v: string | null) => (v === null ? '' : `"${v.replace(/"/g, '""')}"`)
  return {
    copy(rows: EventRow[], receivedAt: Date): Promise<void> {
      const tag = `copied-${++n}`
      const lines = rows.map((r) =>
        [r.id, r.time.toISOString(), r.waybill, r.type, r.hub, r.signer, receivedAt.toISOString()].map(csv).join(','),
      )
      return new Promise<void>((resolve, reject) => {
        waiting = { tag, resolve, reject }
        proc.stdin.write(
          `\\copy scan_events (event_id, event_time, waybill, type, hub_code, signer, received_at) FROM STDIN WITH (FORMAT csv)\n${lines.join('\n')}\n\\.\n\\echo ${tag}\n`,
        )
      })
    },
    close(): Promise<void> {
      return new Promise((resolve) => {
        proc.once('exit', () => resolve())
        proc.stdin.end('\\q\n')
      })
    },
  }
}

async function queueIdle(url: string, timeoutMs: number): Promise<boolean> {
  const until = performance.now() + timeoutMs
  while (performance.now() < until) {
    const text = await fetch(`${url}/metrics`).then(
      (r) => r.text(),
      () => '',
    )
    let pending = 0
    for (const line of text.split('\n')) {
      const m = /^pw_queue_jobs\{[^}]*state="(waiting|active|prioritized|delayed)"[^}]*\} (\S+)$/.exec(line)
      if (m && m[1] !== 'delayed') pending += Number(m[2])
    }
    if (text && pending === 0) return true
    await sleep(1000)
  }
  return false
}

async function main(): Promise<void> {
  const counts = intList('instances', 'BENCH_SCALE_INSTANCES', '1,2,4')
  const [perInstance] = intList('clients', 'BENCH_SCALE_CLIENTS', '2')
  const [batches] = intList('batches', 'BENCH_SCALE_BATCHES', '15')
  const [batch] = intList('batch', 'BENCH_SCALE_BATCH', '1000')
  if (batch! % PER_PARCEL !== 0)
    throw new Error(`--batch must be a multiple of ${PER_PARCEL} (whole parcels per batch)`)
  const stream = process.argv.includes('--stream') || process.env.BENCH_SCALE_STREAM === '1'
  const group = batch! / PER_PARCEL
  const target = await openBenchTarget('scaling')
  if (target.engine !== 'server') {
    process.stdout.write(
      'ingest scaling: needs DATABASE_URL (a TimescaleDB server): instances behind the embedded database queue for its one session by design; bench/ingest.ts measures that engine\n',
    )
    await target.close()
    return
  }
  const log = createLogger('warn')
  const config = loadConfig({ ...target.env, LOG_LEVEL: 'warn' })
  const db = await openDatabase(config, log)
  const prefix = `{bscale${randomBytes(3).toString('hex')}}`
  const children: Child[] = []
  const urls: string[] = []
  const rows: Array<{
    n: number
    clients: number
    unnest: Way
    api: Way
    copy: Way
    drained: boolean
    warmEvents: number
  }> = []
  try {
    await migrate(db.pool, log)
    await upsertHubs(db.pool, DEMO_HUBS)
    await upsertCouriers(db.pool, DEMO_COURIERS)
    const engine = await engineLine(db.pool, false, config.databaseUrl)
    const token = await createApiToken(db.pool, 'bench', 'integrator', null)
    const maxClients = Math.max(...counts) * perInstance!
    const bare = new pg.Pool({ connectionString: config.databaseUrl, max: maxClients })
    process.stdout.write(
      `${engine}\ningest scaling: ${counts.join(', ')} instances, ${perInstance} clients each, ${batches} batches of ${batch} events per client` +
        `${stream ? ` (stream: each batch the next scan of ${batch} parcels at ${PER_PARCEL} stages)` : ` (all ${PER_PARCEL} scans of ${group} parcels a batch)`}\n`,
    )
    // Stream: PER_PARCEL - 1 more groups of parcels, whose first scans fill the pipeline (untimed).
    const parcelsPerClient = (batches! + (stream ? PER_PARCEL - 1 : 0)) * group
    const ramp = stream ? (group * PER_PARCEL * (PER_PARCEL - 1)) / 2 : 0
    try {
      for (const n of counts) {
        const clients = n * perInstance!
        const round = `R${n}`
        const collectedAt = new Date(Date.now() - 3 * 86_400_000)
        const base = Date.now() - 2 * 86_400_000
        // Bodies and rows are made before timing: a real client does that in its own process.
        const apiPrefixes = Array.from({ length: clients }, (_, c) => `PWA${round}C${c}X`)
        await addShipments(db.pool, apiPrefixes, parcelsPerClient, collectedAt)
        await db.pool.query('ANALYZE shipments')
        const slice = <T>(xs: T[], b: number) => xs.slice(b * batch!, (b + 1) * batch!)
        // Wave w: scan k of the parcels of group w - k; waves 0 … PER_PARCEL - 2 fill the pipeline.
        const wave = (ev: ReturnType<typeof eventsOf>, w: number) =>
          Array.from({ length: PER_PARCEL }, (_, k) => w - k).flatMap((g, k) =>
            g < 0 ? [] : Array.from({ length: group }, (_, i) => ev[(g * group + i) * PER_PARCEL + k]!),
          )
        const apiRamp = apiPrefixes.map((p) => {
          const ev = eventsOf(p, parcelsPerClient, base)
          return Array.from({ length: stream ? PER_PARCEL - 1 : 0 }, (_, w) => JSON.stringify({ events: wave(ev, w) }))
        })
        const apiBodies = apiPrefixes.map((p) => {
          const ev = eventsOf(p, parcelsPerClient, base)
          return Array.from({ length: batches! }, (_, b) =>
            JSON.stringify({ events: stream ? wave(ev, b + PER_PARCEL - 1) : slice(ev, b) }),
          )
        })
        const unnestRows = Array.from({ length: clients }, (_, c) =>
          eventsOf(`PWU${round}C${c}X`, parcelsPerClient, base).map(toRow),
        )
        const copyRows = Array.from({ length: clients }, (_, c) =>
          eventsOf(`PWC${round}C${c}X`, parcelsPerClient, base).map(toRow),
        )

        for (let i = children.length; i < n; i++) {
          const child = startChild(new URL(import.meta.url), 'instance', {
            DATABASE_URL: config.databaseUrl!,
            REDIS_URL: target.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
            QUEUE_PREFIX: prefix,
          })
          children.push(child)
          urls.push((await child.next<{ url: string }>('ready', 180_000)).url)
        }

        // Warm-up, not timed: each new instance's first batch (compiling, connecting) and the bare pool's connections.
        const warmPrefixes = urls.map((_, i) => `PWW${round}I${i}X`)
        await addShipments(db.pool, warmPrefixes, batch! / PER_PARCEL, collectedAt)
        await Promise.all(
          urls.map(async (u, i) => {
            const r = await fetch(`${u}/api/v1/events`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body: JSON.stringify({ events: eventsOf(warmPrefixes[i]!, batch! / PER_PARCEL, base) }),
            })
            if (r.status !== 200) throw new Error(`warm-up batch: HTTP ${r.status} ${await r.text()}`)
          }),
        )
        await Promise.all(
          Array.from({ length: clients }, (_, c) =>
            insertEvents(bare, eventsOf(`PWV${round}C${c}X`, 1, base).map(toRow), new Date()),
          ),
        )
        const warmEvents = urls.length * batch! + clients * PER_PARCEL + clients * ramp
        for (const [c, bodies] of apiRamp.entries())
          for (const body of bodies) {
            const r = await fetch(`${urls[c % n]}/api/v1/events`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body,
            })
            if (r.status !== 200) throw new Error(`pipeline batch: HTTP ${r.status} ${await r.text()}`)
          }
        await queueIdle(urls[0]!, 60_000)
        const unnest = await drive(clients, batches!, batch!, async (c, b) => {
          await insertEvents(bare, slice(unnestRows[c]!, b), new Date())
        })
        let problem = ''
        const api = await drive(clients, batches!, batch!, async (c, b) => {
          const r = await fetch(`${urls[c % n]}/api/v1/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: apiBodies[c]![b]!,
          })
          const text = await r.text()
          if (r.status !== 200) problem ||= `HTTP ${r.status}: ${text.slice(0, 200)}`
          else if (JSON.parse(text).rejected.length > 0) problem ||= `rejected: ${text.slice(0, 200)}`
        })
        if (problem) throw new Error(`the API refused a batch: ${problem}`)
        const drained = await queueIdle(urls[0]!, 60_000)
        const psqls = Array.from({ length: clients }, () => copyClient(config.databaseUrl!))
        const copy = await drive(clients, batches!, batch!, async (c, b) => {
          await psqls[c]!.copy(slice(copyRows[c]!, b), new Date())
        })
        await Promise.all(psqls.map((p) => p.close()))
        rows.push({ n, clients, unnest, api, copy, drained, warmEvents })
        const f = (w: Way) =>
          `${Math.round(w.eventsPerS).toLocaleString('en').padStart(7)} ev/s  p50 ${Math.round(w.p50).toString().padStart(5)} ms  p99 ${Math.round(w.p99).toString().padStart(5)} ms`
        process.stdout.write(
          `  ${n} instance(s), ${clients} clients: API ${f(api)} | unnest ${f(unnest)} | COPY ${f(copy)} | ` +
            `API/unnest ${(api.eventsPerS / unnest.eventsPerS).toFixed(2)}, API/COPY ${(api.eventsPerS / copy.eventsPerS).toFixed(2)}` +
            `${drained ? '' : ' (the follow-up jobs had not drained within 60 s before COPY ran)'}; load ${os.loadavg()[0]!.toFixed(1)}\n`,
        )
      }
    } finally {
      await bare.end()
    }
    const stored = (await db.pool.query<{ n: number }>('SELECT count(*)::bigint AS n FROM scan_events')).rows[0]!.n
    const expected = rows.reduce((a, r) => a + r.api.events + r.unnest.events + r.copy.events + r.warmEvents, 0)
    process.stdout.write(
      [
        '',
        `ingest scaling summary (${engine.replace(/^engine: /, '')}):`,
        `  instances  clients   API events/s  batch p50 / p99     unnest events/s  COPY events/s   API/unnest  API/COPY   target API/unnest >= 0.60`,
        ...rows.map(
          (r) =>
            `  ${String(r.n).padStart(9)}  ${String(r.clients).padStart(7)}   ${Math.round(r.api.eventsPerS).toLocaleString('en').padStart(12)}  ` +
            `${`${Math.round(r.api.p50)} / ${Math.round(r.api.p99)} ms`.padStart(16)}    ${Math.round(r.unnest.eventsPerS).toLocaleString('en').padStart(15)}  ` +
            `${Math.round(r.copy.eventsPerS).toLocaleString('en').padStart(13)}   ${(r.api.eventsPerS / r.unnest.eventsPerS).toFixed(2).padStart(10)}  ` +
            `${(r.api.eventsPerS / r.copy.eventsPerS).toFixed(2).padStart(8)}   ${r.api.eventsPerS >= 0.6 * r.unnest.eventsPerS ? 'met' : 'NOT met'}`,
        ),
        `  rows stored: ${Number(stored).toLocaleString('en')} (expected ${expected.toLocaleString('en')})`,
        `  (batches of ${batch}; bare batch p50/p99 in the per-round lines; the instances, their workers, the clients, psql and the server share ${os.cpus().length} cores)`,
        '',
      ].join('\n'),
    )
    if (Number(stored) !== expected) throw new Error(`stored ${stored} events, expected ${expected}`)
  } finally {
    await Promise.all(children.map((c) => c.stop()))
    await db.close()
    await dropPrefix(target.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix).catch(() => 0)
    await target.close()
  }
}

if (process.argv[2] === 'instance') runChild(instanceProcess)
else await main()
