import { Queue } from 'bullmq'
import { QUEUES } from '../../jobs/queues.ts'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { ADMIN_PASSWORD, login, startTestSystem, type TestSystem } from '../helpers/system.ts'
import {
  craftStream,
  PrivateRedis,
  postShipments,
  reconcile,
  sleep,
  storedCounts,
  streamEvents,
  waitFor,
} from '../helpers/fault-kit.ts'

/**
 * Fault injection: Redis is killed (SIGKILL) in the middle of an event stream and
 * comes back empty on the same port a few seconds later.
 *
 * Size: the issue asks for a stream of 100,000 events; CI runs 40,000:
 * FAULT_EVENTS defaults to 40,000 (500-event batches, 2 clients), 15-50 s
 * for this file on a busy 2-core machine (100,000 alone: about 25 s).
 *
 * Real: the whole product in this process (HTTP, in-process BullMQ workers, the
 * embedded TimescaleDB in its child process) against a private redis-server
 * child; the client speaks HTTP to it and retries retryable answers with the
 * same event ids.
 */
const EVENTS = Math.max(400, Math.floor(Number(process.env.FAULT_EVENTS ?? 40_000) / 4) * 4)
const BATCH = 500
const DOWN_MS = 3_000

const redis = new PrivateRedis()
let sys: TestSystem | undefined
let tap: Redis | undefined
let inspect: Redis | undefined
let screen: WebSocket | undefined

beforeAll(async () => {
  await redis.start()
  sys = await startTestSystem({ REDIS_URL: redis.url, SWEEP_INTERVAL_SECONDS: '5' })
})
afterAll(async () => {
  screen?.terminate()
  tap?.disconnect()
  inspect?.disconnect()
  await sys?.stop().catch(() => undefined)
  await redis.stop()
})

/** The job schedulers Redis holds for this system's queues. */
async function schedulerKeys(url: string, prefix: string): Promise<string[]> {
  const connection = new Redis(url, { maxRetriesPerRequest: null })
  const queues = Object.values(QUEUES).map((name) => new Queue(name, { connection, prefix }))
  try {
    return (await Promise.all(queues.map((q) => q.getJobSchedulers())))
      .flat()
      .map((j) => j.key)
      .sort()
  } finally {
    await Promise.all(queues.map((q) => q.close()))
    connection.disconnect()
  }
}

describe('Redis restarts in the middle of a stream', () => {
  it('never acknowledges an event it loses, stores every event exactly once after retries, and its workers resume by themselves', async () => {
    const s = sys!
    const { shipments, events } = craftStream(EVENTS / 4)
    await postShipments(s.url, s.token, shipments)

    // What the workers publish on the live bus, seen by an ordinary subscriber that reconnects like the servers' does.
    const published: Array<{ channel: string; at: number }> = []
    tap = new Redis(redis.url, { maxRetriesPerRequest: null })
    tap.on('error', () => undefined)
    tap.on('message', (_t: string, payload: string) =>
      published.push({ channel: (JSON.parse(payload) as { channel: string }).channel, at: Date.now() }),
    )
    await tap.subscribe(`${s.config.queuePrefix}:live`)

    // A dashboard on the server's websocket: KPI frames reach it through the server's own bus subscription.
    const frames: Array<{ type: string; at: number }> = []
    screen = new WebSocket(`${s.url.replace('http', 'ws')}/ws`, {
      headers: { cookie: await login(s, 'admin', ADMIN_PASSWORD), origin: s.url },
    })
    screen.on('message', (d) =>
      frames.push({ type: (JSON.parse(d.toString()) as { type: string }).type, at: Date.now() }),
    )
    await waitFor(
      () => (frames.some((f) => f.type === 'kpi') ? true : undefined),
      'a first KPI frame on the websocket',
      20_000,
    )

    const schedulersBefore = await schedulerKeys(redis.url, s.config.queuePrefix)
    expect(schedulersBefore).toContain('kpi-tick')

    let killedAt = 0
    let backAt = 0
    let fault: Promise<void> | undefined
    const batches = await streamEvents(events, {
      baseUrl: s.url,
      token: s.token,
      batchSize: BATCH,
      clients: 2,
      onAck(acked, total) {
        if (fault || acked < Math.floor(total / 3)) return
        fault = (async () => {
          await redis.kill('SIGKILL')
          killedAt = Date.now()
          await sleep(DOWN_MS)
          await redis.start()
          backAt = Date.now()
        })()
      },
    })
    await fault
    expect(killedAt, 'the fault was injected').toBeGreaterThan(0)

    // Reconciliation: every acknowledged event stored once, every event stored (the client retried).
    const r = reconcile(
      batches,
      await storedCounts(
        s.database.pool,
        events.map((e) => e.id as string),
      ),
    )
    const summary = {
      events: r.events,
      acknowledged: r.acknowledged,
      storedOnce: r.storedOnce,
      retriedBatches: r.retriedBatches,
      answers: r.answers,
    }
    process.stdout.write(`redis-restart reconciliation: ${JSON.stringify(summary)}\n`)
    expect(
      r.answers['503'] ?? 0,
      `the API refused with 503 while Redis was away: ${JSON.stringify(summary)}`,
    ).toBeGreaterThan(0)
    expect(
      Object.keys(r.answers).filter((k) => k !== '200' && k !== '503'),
      JSON.stringify(summary),
    ).toEqual([])
    expect(r.partialAnswers).toEqual([])
    expect(r.ackedMissing).toEqual([])
    expect(r.duplicated).toEqual([])
    expect(r.missing).toEqual([])
    expect(r.acknowledged).toBe(EVENTS)
    expect(r.ackedStoredOnce).toBe(EVENTS)
    expect(r.storedOnce).toBe(EVENTS)
    const total = await s.database.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM scan_events WHERE event_id = ANY($1::text[])',
      [events.map((e) => e.id)],
    )
    expect(total.rows[0]!.n).toBe(EVENTS)

    // Workers resume: every after-ingest job the new Redis received completes. It received one per batch acknowledged
    // after it came back, give or take the batches acknowledged while this test was still confirming that it answers.
    const ackedSince = (t: number) => batches.filter((b) => b.ackedAt !== undefined && b.ackedAt > t).length
    expect(ackedSince(backAt), 'part of the stream was acknowledged after Redis came back').toBeGreaterThan(0)
    inspect = new Redis(redis.url, { maxRetriesPerRequest: null })
    const ingestQ = new Queue('ingest', { connection: inspect, prefix: s.config.queuePrefix })
    const maintenanceQ = new Queue('maintenance', { connection: inspect, prefix: s.config.queuePrefix })
    const notifyQ = new Queue('notify', { connection: inspect, prefix: s.config.queuePrefix })
    try {
      const added = Number(await inspect.get(`${s.config.queuePrefix}:ingest:id`))
      expect(added).toBeGreaterThanOrEqual(ackedSince(backAt))
      expect(added).toBeLessThanOrEqual(ackedSince(killedAt))
      const counts = await waitFor(
        async () => {
          const c = await ingestQ.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed', 'prioritized')
          const n = (k: string) => c[k] ?? 0
          return n('waiting') + n('active') + n('delayed') + n('prioritized') === 0 &&
            n('completed') + n('failed') >= added
            ? c
            : undefined
        },
        'the after-ingest jobs to finish',
        60_000,
      )
      expect(counts).toMatchObject({ completed: added, failed: 0 })
      const lastJobDone = Date.now()

      // …and the scheduled jobs run again without any new traffic: a KPI push from kpi-tick, a sweep, a webhook round.
      const kpiPush = await waitFor(
        () => published.find((p) => p.channel === 'kpi' && p.at > lastJobDone + 1_000),
        'a KPI push after the restart with no ingest (kpi-tick every 5 s)',
        20_000,
      )
      expect(kpiPush.at).toBeGreaterThan(backAt)
      await waitFor(
        () => (frames.some((f) => f.type === 'kpi' && f.at > lastJobDone + 1_000) ? true : undefined),
        'a KPI frame on the dashboard websocket after the restart',
        20_000,
      )
      expect(screen.readyState).toBe(WebSocket.OPEN)
      expect(await schedulerKeys(redis.url, s.config.queuePrefix)).toEqual(schedulersBefore)
      const sweptAt = await waitFor(
        async () => {
          const at = Number(await inspect!.hget(`${s.config.queuePrefix}:live:stats`, 'sla_sweep_at'))
          return at > backAt ? at : undefined
        },
        'an SLA sweep after the restart',
        20_000,
      )
      expect(sweptAt).toBeGreaterThan(backAt)
      await waitFor(
        async () => (((await notifyQ.getJobCounts('completed')).completed ?? 0) > 0 ? true : undefined),
        'a deliver-webhooks round after the restart',
        20_000,
      )
    } finally {
      await Promise.all([ingestQ.close(), maintenanceQ.close(), notifyQ.close()])
    }
  }, 180_000)
})
