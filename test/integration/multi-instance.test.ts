import { Redis } from 'ioredis'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { event, minutesAgo, shipment } from '../helpers/builders.ts'
import {
  freePort,
  productEnv,
  PROCESS_ADMIN_PASSWORD,
  startServer,
  startWorker,
  stopAll,
  type ProductProcess,
} from '../helpers/processes.ts'
import { api } from '../helpers/api.ts'
import { isFrame, type DataFrameType, type FrameOf } from '../helpers/security-kit.ts'
import type { AlertChange } from '../../contract/alerts.ts'
import { serverFrame, type ServerFrame } from '../../contract/live.ts'

/**
 * Several instances on one machine, as real processes: server A runs the embedded
 * database on a fixed port, server B and two worker processes use it through
 * DATABASE_URL, and nobody but the workers runs jobs. All share Redis under one
 * queue prefix. A client on either server sees what was ingested through the other.
 */

let env: Record<string, string>
let a: ProductProcess
let b: ProductProcess
const workers: ProductProcess[] = []
let token: string
const sockets: WebSocket[] = []

beforeAll(async () => {
  env = productEnv({ SWEEP_INTERVAL_SECONDS: '5' })
  a = await startServer({
    name: 'A',
    env: { ...env, RUN_WORKERS: 'false', EMBEDDED_PG_PORT: String(await freePort()) },
  })
  const databaseUrl = a.databaseUrl!
  ;[b] = (await Promise.all([
    startServer({ name: 'B', env: { ...env, RUN_WORKERS: 'false', DATABASE_URL: databaseUrl } }),
    ...[1, 2].map(async (n) => {
      workers.push(await startWorker({ name: `W${n}`, env: { ...env, DATABASE_URL: databaseUrl } }))
    }),
  ])) as [ProductProcess]
  const created = await api(a, { cookie: await login(a) }).post('/api/v1/admin/api-tokens', {
    body: { name: 'multi-instance test' },
  })
  token = created.token
}, 240_000)

afterAll(async () => {
  for (const s of sockets) s.terminate()
  await stopAll()
  if (env) await deleteKeys(env.QUEUE_PREFIX!)
}, 60_000)

describe('several instances sharing the embedded database and Redis', () => {
  it('shows on B the parcel, KPI and alert updates of what was ingested through A, worked by the separate workers', async () => {
    const live = await openLive(b, await login(b), 'kpi,alerts')
    const fresh = shipment({ collectedAt: minutesAgo(20) })
    // Collected ten days ago: past its promise, so the next SLA sweep (a worker's job) opens parcel_late.
    const overdue = shipment({ collectedAt: new Date(Date.now() - 10 * 86_400_000).toISOString() })
    expect(
      (await api(a, { token }).send('POST', '/api/v1/shipments', { body: { shipments: [fresh, overdue] } })).status,
    ).toBe(200)
    live.send({ type: 'subscribe', channels: ['kpi', 'alerts', `parcel:${fresh.waybill}`] })
    await live.next('parcel', (m) => m.data.status === 'collected', 'the parcel snapshot on B')

    const posted = await api(a, { token }).post('/api/v1/events', {
      body: [
        event(fresh.waybill, { type: 'departed_hub', hub: 'HGH-O1', time: minutesAgo(5) }),
        event(overdue.waybill, { type: 'arrived_hub', hub: 'HGH-SC', time: minutesAgo(30) }),
      ],
    })
    expect(posted.accepted).toBe(2)

    const moved = await live.next('parcel', (m) => m.data.status === 'in_transit', 'the parcel change pushed by B')
    expect(moved.data).toMatchObject({ waybill: fresh.waybill, lastScanHub: 'HGH-O1' })
    const kpi = await live.next('kpi', (m) => !m.snapshot && m.data.inFlight === 2, 'a KPI push counting both parcels')
    expect(kpi.data.inFlight).toBe(2)
    // An opened one: a sweep that ran between the shipments and the scans saw the overdue parcel at its
    // origin; the next sweep then resolves that alert and opens one at HGH-SC (seen with 4 test workers).
    const opened = (c: AlertChange) => c.rule === 'parcel_late' && c.action === 'opened'
    const late = await live.next('alerts', (m) => m.data.changes.some(opened), 'the parcel_late alert opened')
    expect(late.data.changes.find(opened)).toMatchObject({
      action: 'opened',
      hubCode: expect.any(String),
    })
  })

  it('shows on A what was ingested through B', async () => {
    const live = await openLive(a, await login(a), 'kpi')
    const s = shipment({ collectedAt: minutesAgo(15) })
    expect((await api(b, { token }).send('POST', '/api/v1/shipments', { body: s })).status).toBe(200)
    live.send({ type: 'subscribe', channels: ['kpi', `parcel:${s.waybill}`] })
    await live.next('parcel', (m) => m.data.status === 'collected', 'the parcel snapshot on A')
    await api(b, { token }).send('POST', '/api/v1/events', {
      body: [event(s.waybill, { type: 'out_for_delivery', hub: 'SHA-O1', time: minutesAgo(2) })],
    })
    const moved = await live.next(
      'parcel',
      (m) => m.data.status === 'out_for_delivery',
      'the parcel change pushed by A',
    )
    expect(moved.data.waybill).toBe(s.waybill)
    await live.next('kpi', (m) => !m.snapshot && m.data.inFlight === 3, 'a KPI push counting the third parcel')
  })

  it('goes on working jobs after a worker is killed with SIGKILL and started again', async () => {
    const killed = await workers[0]!.kill('SIGKILL')
    expect(killed.signal).toBe('SIGKILL')
    workers[0] = await workers[0]!.restart()
    const live = await openLive(a, await login(a), 'kpi')
    const s = shipment({ collectedAt: minutesAgo(10) })
    expect((await api(b, { token }).send('POST', '/api/v1/shipments', { body: s })).status).toBe(200)
    await api(b, { token }).send('POST', '/api/v1/events', {
      body: [event(s.waybill, { type: 'departed_hub', hub: 'HGH-O1', time: minutesAgo(1) })],
    })
    await live.next('kpi', (m) => !m.snapshot && m.data.inFlight === 4, 'a KPI push counting the fourth parcel')
  })

  it('had the worker processes work the jobs, and every Redis key of the queues carries the hash-tag prefix', async () => {
    // A and B run no workers: the after-ingest jobs of the three event batches were done by W1/W2.
    // The KPI pushes above do not wait for the after-ingest jobs; under load the last may still run.
    await expect.poll(() => completedAfterIngest(env.QUEUE_PREFIX!), { timeout: 60_000 }).toBeGreaterThanOrEqual(3)
    expect(workers.every((w) => w.output().includes('workers running'))).toBe(true)
    const keys = await keysOf(env.QUEUE_PREFIX!)
    expect(keys.length).toBeGreaterThan(0)
    expect(keys.filter((k) => !k.startsWith(`${env.QUEUE_PREFIX}:`))).toEqual([])
    expect(keys.some((k) => k.includes(':ingest:'))).toBe(true)
  })
})

async function login(p: ProductProcess): Promise<string> {
  const res = await fetch(`${p.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: PROCESS_ADMIN_PASSWORD }),
  })
  if (res.status !== 200) throw new Error(`login on ${p.name}: ${res.status} ${await res.text()}`)
  return res.headers.get('set-cookie')!.split(';')[0]!
}

interface Live {
  send(m: unknown): void
  /** The first frame of `kind` that `match` accepts. */
  next<K extends DataFrameType>(
    kind: K,
    match: (m: FrameOf<K>) => boolean,
    what: string,
    ms?: number,
  ): Promise<FrameOf<K>>
}

async function openLive(p: ProductProcess, cookie: string, channels: string): Promise<Live> {
  const ws = new WebSocket(`${p.url.replace('http', 'ws')}/ws?channels=${channels}`, {
    headers: { cookie, origin: p.url },
  })
  sockets.push(ws)
  // Each frame checked against the wire contract; one outside it is kept as text, for the timeout's message.
  const messages: Array<ServerFrame | string> = []
  ws.on('message', (d) => {
    const frame = serverFrame.safeParse(JSON.parse(d.toString()))
    messages.push(frame.success ? frame.data : `outside the contract: ${d.toString().slice(0, 200)}`)
  })
  ws.on('error', () => undefined)
  const live: Live = {
    send: (m) => ws.send(JSON.stringify(m)),
    async next(kind, match, what, ms = 90_000) {
      const until = Date.now() + ms
      for (;;) {
        for (const m of messages) if (typeof m !== 'string' && isFrame(m, kind) && match(m)) return m
        if (Date.now() > until) {
          const got = messages.map((m) => (typeof m === 'string' ? m : m.type))
          throw new Error(`${p.name}: timed out waiting for ${what}; got ${JSON.stringify(got)}`)
        }
        await new Promise((r) => setTimeout(r, 50))
      }
    },
  }
  await live.next('hello', () => true, `hello from ${p.name}`)
  return live
}

async function withRedis<T>(f: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis(env.REDIS_URL!, { maxRetriesPerRequest: 1 })
  try {
    return await f(r)
  } finally {
    r.disconnect()
  }
}

/** Every key that mentions this test's prefix id, wherever it sits in the key. */
function keysOf(prefix: string): Promise<string[]> {
  const id = prefix.slice(1, -1)
  return withRedis(async (r) => {
    const keys: string[] = []
    let cursor = '0'
    do {
      const [next, batch] = await r.scan(cursor, 'MATCH', `*${id}*`, 'COUNT', 1000)
      cursor = next
      keys.push(...batch)
    } while (cursor !== '0')
    return keys
  })
}

async function completedAfterIngest(prefix: string): Promise<number> {
  return withRedis((r) => r.zcard(`${prefix}:ingest:completed`))
}

async function deleteKeys(prefix: string): Promise<void> {
  const keys = await keysOf(prefix)
  if (keys.length > 0) await withRedis((r) => r.del(...keys))
}
