/**
 * Ingest benchmark: the HTTP API (validation, dedupe, state update, follow-up job)
 * against a bare in-process batched insert of the same rows into the same
 * hypertable, in one run. Batches alternate between the two so that both see the
 * same table size. Prints events/s for both and their ratio. Runs on the embedded
 * TimescaleDB, or on a database of its own on the DATABASE_URL server; REDIS_URL is
 * honoured (bench/lib/engine.ts).
 *
 *   npm run bench                      # 200k events per side
 *   BENCH_EVENTS=1000000 npm run bench
 */
import { readFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { loadConfig } from '../server/config.ts'
import { createLogger } from '../server/lib/logger.ts'
import { startSystem } from '../server/system.ts'
import { createApiToken } from '../server/services/auth.ts'
import { insertEvents, type EventRow } from '../server/db/events-repo.ts'
import { DEMO_COURIERS, DEMO_HUBS } from '../server/data/network.ts'
import { engineLine, openBenchTarget } from './lib/engine.ts'
import { dropPrefix } from './lib/redis-cleanup.ts'

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000)
const BATCH = Number(process.env.BENCH_BATCH ?? 5_000)
const PER_PARCEL = 8
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

const outlets = DEMO_HUBS.filter((h) => h.kind === 'outlet')
const hubs = DEMO_HUBS.map((h) => h.code)

function parcels(prefix: string, n: number) {
  return Array.from({ length: n }, (_, i) => {
    const o = outlets[i % outlets.length]!
    const d = outlets[(i * 7 + 3) % outlets.length]!
    return {
      waybill: `${prefix}${String(i).padStart(10, '0')}`,
      tier: (['express', 'standard', 'economy'] as const)[i % 3],
      sender: { name: '王小明', phone: '13911112222', address: '测试地址 1 号', city: o.city },
      recipient: { name: '李娜', phone: `138${String(i).padStart(8, '0')}`, address: '测试地址 2 号', city: d.city },
      originHub: o.code,
      destinationHub: d.code,
      itemName: '文件',
      weightKg: 1,
      volumeCm3: 2000,
      collectedAt: new Date(Date.now() - 3 * 86_400_000).toISOString(),
      collectedBy: DEMO_COURIERS.find((c) => c.hubCode === o.code)!.code,
    }
  })
}

function eventsFor(prefix: string, waybills: string[]) {
  const base = Date.now() - 2 * 86_400_000
  return waybills.flatMap((waybill, p) =>
    TYPES.slice(0, PER_PARCEL).map((type, k) => ({
      id: `${prefix}-${p}-${k}`,
      time: new Date(base + p * 1000 + k * 3_600_000).toISOString(),
      waybill,
      type,
      hub: hubs[(p + k) % hubs.length]!,
      ...(type === 'delivered' ? { signer: '本人' } : {}),
    })),
  )
}

const toRow = (e: ReturnType<typeof eventsFor>[number]): EventRow => ({
  id: e.id,
  time: new Date(e.time),
  waybill: e.waybill,
  type: e.type,
  hub: e.hub,
  courier: null,
  latitude: null,
  longitude: null,
  signer: e.signer ?? null,
  reason: null,
  detail: null,
})

async function main() {
  const target = await openBenchTarget('ingest')
  const config = loadConfig({
    ...target.env,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: `{bingest${randomBytes(3).toString('hex')}}`,
    ADMIN_PASSWORD: 'bench-password-0',
  })
  const sys = await startSystem(config, createLogger('warn'))
  const engine = await engineLine(sys.database.pool, sys.database.embedded, config.databaseUrl)
  process.stdout.write(`${engine}\n`)
  const token = await createApiToken(sys.database.pool, 'bench', 'integrator', null)
  const post = async (p: string, body: unknown) => {
    const r = await fetch(`${sys.url}${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
    if (r.status !== 200) throw new Error(`${p}: ${r.status} ${await r.text()}`)
    return r.json() as Promise<{ accepted: number | unknown[]; rejected: unknown[] }>
  }
  try {
    const n = Math.ceil(EVENTS / PER_PARCEL)
    const apiParcels = parcels('PWA', n)
    const bareParcels = parcels('PWB', n)
    const setup = performance.now()
    for (const list of [apiParcels, bareParcels])
      for (let i = 0; i < list.length; i += 1000)
        await post('/api/v1/shipments', { shipments: list.slice(i, i + 1000) })
    process.stdout.write(`setup: ${2 * n} shipments in ${Math.round(performance.now() - setup)} ms\n`)
    const apiEvents = eventsFor(
      'api',
      apiParcels.map((p) => p.waybill),
    )
    const bareRows = eventsFor(
      'bare',
      bareParcels.map((p) => p.waybill),
    ).map(toRow)

    // Bodies are serialised before timing: a real client does that in its own process.
    const bodies: string[] = []
    for (let i = 0; i < apiEvents.length; i += BATCH)
      bodies.push(JSON.stringify({ events: apiEvents.slice(i, i + BATCH) }))
    let apiMs = 0
    let bareMs = 0
    for (let i = 0; i < apiEvents.length; i += BATCH) {
      let t = performance.now()
      await insertEvents(sys.database.pool, bareRows.slice(i, i + BATCH), new Date())
      bareMs += performance.now() - t
      t = performance.now()
      const r = await post('/api/v1/events', bodies[i / BATCH]!)
      apiMs += performance.now() - t
      if (process.env.BENCH_VERBOSE)
        process.stdout.write(`batch ${i / BATCH}: bare ${Math.round(bareMs)} api ${Math.round(apiMs)}\n`)
      if (r.rejected.length > 0) throw new Error(`rejected: ${JSON.stringify(r.rejected.slice(0, 3))}`)
    }
    const apiRate = apiEvents.length / (apiMs / 1000)
    const bareRate = bareRows.length / (bareMs / 1000)
    const stored = (await sys.database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM scan_events')).rows[0]!
      .n
    const rssMb = async (pid: number | undefined) => {
      if (!pid) return 0
      const m = /VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''))
      return m ? Math.round(Number(m[1]) / 1024) : 0
    }
    const serverMb = Math.round(process.memoryUsage().rss / 1048576)
    const dbMb = await rssMb(sys.database.pid)
    process.stdout.write(
      [
        `ingest benchmark: ${apiEvents.length} events per side, batches of ${BATCH}, ${PER_PARCEL} events per parcel`,
        `  ${engine}`,
        `  bare in-process batched insert : ${Math.round(bareRate).toLocaleString('en')} events/s`,
        `  HTTP API (validate+dedupe+state): ${Math.round(apiRate).toLocaleString('en')} events/s`,
        `  ratio API / bare                : ${(apiRate / bareRate).toFixed(2)}  (target >= 0.50; API target >= 30,000 events/s)`,
        `  rows stored                     : ${stored}`,
        `  resident memory after ingest    : server ${serverMb} MB (includes this benchmark's own data)` +
          (sys.database.embedded ? ` + embedded database ${dbMb} MB (target <= 1 GB with 1M events)` : ''),
        '',
      ].join('\n'),
    )
  } finally {
    await sys.close()
    await dropPrefix(sys.redisUrl, config.queuePrefix).catch(() => 0)
    await target.close()
  }
}

await main()
