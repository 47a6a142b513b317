import pg from 'pg'
import { QUEUES } from '../../jobs/queues.ts'
import { Queue, QueueEvents } from 'bullmq'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import {
  freePort,
  PROCESS_ADMIN_PASSWORD,
  productEnv,
  startServer,
  startWorker,
  stopAll,
  type ProductProcess,
} from '../helpers/processes.ts'
import { postShipments, reconcile, storedCounts, streamEvents, waitFor } from '../helpers/fault-kit.ts'
import { shipment } from '../helpers/builders.ts'

/**
 * Fault injection: two worker processes (`jobs/worker-main.ts`, on the server's
 * embedded database through its multiplexer) follow a stream of events up and
 * are killed with SIGKILL in the middle of it, then started again: at a third,
 * both at once while a job is in progress (so a dead worker certainly held one);
 * at two thirds, W2 alone. The server runs no workers of its own.
 *
 * The stream mixes four kinds of parcels (a quarter each): late and still open
 * (collected ten days ago, last scanned at one of five transfer centres), late
 * but delivered, late but refused by the consignee (excused), and on time
 * (collected three hours ago). At the end, after a sweep that started after the
 * last acknowledgement:
 *  - every acknowledged event is stored exactly once, every event is stored;
 *  - the late open parcels, computed independently in SQL from
 *    shipments.promised_deadline, are exactly the crafted late ones;
 *  - each hub with late parcels has exactly one unresolved parcel_late alert,
 *    no other hub has one, and its parcel list and count are exactly that hub's
 *    late parcels: every breached parcel in exactly one open alert;
 *  - every after-ingest job Redis received completed, none failed, and every
 *    job the killed workers held was detected as stalled and completed.
 *
 * Size: the issue asks for 100,000 events; CI runs FAULT_EVENTS=20,000 by
 * default. Most of the time is BullMQ's stalled-job recovery (30 s lock).
 */
const EVENTS = Math.max(400, Math.floor(Number(process.env.FAULT_EVENTS ?? 20_000) / 16) * 16)
const BATCH = 500
const HUBS = ['SHA-TC', 'CAN-TC', 'WUH-TC', 'XIY-TC', 'CTU-TC'] as const
const HOUR = 3_600_000

let tap: Redis | undefined
let queueEvents: QueueEvents[] = []
afterAll(async () => {
  await Promise.all(queueEvents.map((q) => q.close()))
  tap?.disconnect()
  await stopAll()
})

type Kind = 'late' | 'late_delivered' | 'late_refused' | 'on_time'
const KINDS: Kind[] = ['late', 'late_delivered', 'late_refused', 'on_time']

/** Four scans a parcel, stage by stage across the stream; times stamped once, resent unchanged. */
function craft(parcels: number) {
  const now = Date.now()
  const list = Array.from({ length: parcels }, (_, i) => {
    const kind = KINDS[i % 4]!
    const t0 = kind === 'on_time' ? now - 3 * HOUR : now - 10 * 24 * HOUR
    return {
      kind,
      hub: HUBS[Math.floor(i / 4) % HUBS.length]!,
      t0,
      s: shipment({ collectedAt: new Date(t0).toISOString() }),
    }
  })
  const last = (p: (typeof list)[number]) =>
    p.kind === 'late_delivered'
      ? { type: 'delivered', hub: 'SHA-O1', signer: '本人' }
      : p.kind === 'late_refused'
        ? { type: 'exception', hub: p.hub, reason: 'refused' }
        : { type: 'arrived_hub', hub: p.hub }
  const stages = [
    (p: (typeof list)[number]) => ({ type: 'collected', hub: 'HGH-O1', courier: 'C-HGH-O1-01', time: p.t0 }),
    (p: (typeof list)[number]) => ({ type: 'departed_hub', hub: 'HGH-O1', time: p.t0 + HOUR / 2 }),
    (p: (typeof list)[number]) => ({ type: 'arrived_hub', hub: 'HGH-SC', time: p.t0 + HOUR }),
    (p: (typeof list)[number]) => ({ ...last(p), time: now - HOUR }),
  ]
  const events = stages.flatMap((stage, k) =>
    list.map((p, i) => {
      const { time, ...rest } = stage(p)
      return { id: `${p.s.waybill}-${k}`, waybill: p.s.waybill, time: new Date(time + i).toISOString(), ...rest }
    }),
  )
  return { list, events }
}

async function issueToken(url: string): Promise<string> {
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: PROCESS_ADMIN_PASSWORD }),
  })
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!
  const r = await fetch(`${url}/api/v1/admin/api-tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ name: 'fault stream' }),
  })
  expect(r.status).toBe(201)
  return ((await r.json()) as { token: string }).token
}

describe('a worker process killed in the middle of the stream', () => {
  it('ends with every acknowledged event stored once, one open alert per hub with late parcels, and every late parcel in exactly one', async () => {
    const env = productEnv({ LOG_LEVEL: 'info', SWEEP_INTERVAL_SECONDS: '5' })
    const server = await startServer({
      name: 'api',
      env: { ...env, RUN_WORKERS: 'false', EMBEDDED_PG_PORT: String(await freePort()) },
    })
    const workerEnv = { ...env, DATABASE_URL: server.databaseUrl! }
    const workers: ProductProcess[] = await Promise.all([
      startWorker({ name: 'W1', env: workerEnv }),
      startWorker({ name: 'W2', env: workerEnv }),
    ])
    const prefix = env.QUEUE_PREFIX!
    const stalled = new Set<string>()
    const completed = new Set<string>()
    queueEvents = Object.values(QUEUES).map(
      (name) => new QueueEvents(name, { connection: { url: env.REDIS_URL! }, prefix }),
    )
    for (const q of queueEvents) {
      q.on('stalled', ({ jobId }) => stalled.add(`${q.name}:${jobId}`))
      q.on('completed', ({ jobId }) => completed.add(`${q.name}:${jobId}`))
    }
    await Promise.all(queueEvents.map((q) => q.waitUntilReady()))
    tap = new Redis(env.REDIS_URL!, { maxRetriesPerRequest: null })
    const queues = Object.values(QUEUES).map((name) => new Queue(name, { connection: tap!, prefix }))
    const activeJobs = async () =>
      (await Promise.all(queues.map(async (q) => (await q.getActive()).map((j) => `${q.name}:${j.id}`)))).flat()

    const token = await issueToken(server.url)
    const { list, events } = craft(EVENTS / 4)
    await postShipments(
      server.url,
      token,
      list.map((p) => p.s),
    )

    // Fault 1, at a third of the stream: kill -9 of every worker process while a job is in progress, so that a
    // killed worker certainly held one (tried again if the job finished between the look and the kill).
    // Fault 2, at two thirds: kill -9 of W2 alone, wherever it is.
    const kills: string[] = []
    const held: string[] = []
    let fault: Promise<void> = Promise.resolve()
    const killAllHolding = () => {
      fault = fault.then(async () => {
        for (let attempt = 0; attempt < 10 && held.length === 0; attempt++) {
          await waitFor(
            async () => ((await activeJobs()).length > 0 ? true : undefined),
            'a job in progress',
            60_000,
            5,
          )
          kills.push('W1+W2')
          await Promise.all(workers.map((w) => w.kill('SIGKILL')))
          held.push(...(await activeJobs())) // still active, their workers dead
          const restarted = await Promise.all(workers.map((w) => w.restart()))
          workers.splice(0, workers.length, ...restarted)
        }
      })
    }
    const killOne = (i: number) => {
      fault = fault.then(async () => {
        kills.push(workers[i]!.name)
        await workers[i]!.kill('SIGKILL')
        workers[i] = await workers[i]!.restart()
      })
    }
    const batches = await streamEvents(events, {
      baseUrl: server.url,
      token,
      batchSize: BATCH,
      clients: 2,
      onAck(acked, total) {
        if (acked === Math.floor(total / 3)) killAllHolding()
        if (acked === Math.floor((2 * total) / 3)) killOne(1)
      },
    })
    await fault
    expect(kills.at(-1)).toBe('W2')
    expect(held.length, `a killed worker held a job (${kills.length - 1} kill(s) of both)`).toBeGreaterThan(0)
    const lastAck = Math.max(...batches.map((b) => b.ackedAt ?? 0))

    // Every after-ingest job Redis received completes, and so does every job the killed workers held (stalled, run again).
    const ingestQ = queues[0]!
    const added = Number(await tap.get(`${prefix}:ingest:id`))
    // One job per 200 answer (the API answers 200 only once the job is in Redis, and this stream met no refusal).
    expect(added).toBe(batches.flatMap((b) => b.answers).filter((a) => a === 200).length)
    const jobCounts = await waitFor(
      async () => {
        const c = await ingestQ.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed', 'prioritized')
        return (c.completed ?? 0) + (c.failed ?? 0) >= added ? c : undefined
      },
      'every after-ingest job to complete (stalled ones after their 30 s lock)',
      120_000,
      500,
    )
    expect(jobCounts).toMatchObject({ completed: added, failed: 0, waiting: 0, active: 0, delayed: 0 })
    await waitFor(
      () => (held.every((j) => completed.has(j)) ? true : undefined),
      `the held jobs ${held.join(', ')} to complete after all`,
      120_000,
    )
    expect(
      held.filter((j) => !stalled.has(j)),
      'held jobs were detected as stalled',
    ).toEqual([])
    await Promise.all(queues.map((q) => q.close()))

    // A sweep that started after the last acknowledgement, so it saw every event.
    await waitFor(
      async () => (Number(await tap!.hget(`${prefix}:live:stats`, 'sla_sweep_at')) > lastAck ? true : undefined),
      'an SLA sweep after the stream',
      60_000,
    )

    const db = new pg.Client({ connectionString: server.databaseUrl })
    await db.connect()
    try {
      const r = reconcile(
        batches,
        await storedCounts(
          db,
          events.map((e) => e.id),
        ),
      )
      expect(r.partialAnswers).toEqual([])
      expect(r.ackedMissing).toEqual([])
      expect(r.duplicated).toEqual([])
      expect(r.missing).toEqual([])
      expect([r.acknowledged, r.ackedStoredOnce, r.storedOnce]).toEqual([EVENTS, EVENTS, EVENTS])

      // One consistent snapshot for the alert reconciliation (a sweep may run meanwhile).
      await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ')
      const late = (
        await db.query<{ hub: string; waybill: string }>(
          `SELECT coalesce(last_scan_hub, origin_hub) AS hub, waybill FROM shipments
         WHERE waybill = ANY($1::text[]) AND status NOT IN ('delivered', 'returned') AND promised_deadline < now()
           AND (exception_reason IS NULL OR exception_reason NOT IN ('refused', 'wrong_address'))`,
          [list.map((p) => p.s.waybill)],
        )
      ).rows
      const alerts = (
        await db.query<{ id: number; subject: string; hub_code: string; item_count: number }>(
          `SELECT id, subject, hub_code, item_count FROM alerts WHERE rule = 'parcel_late' AND state <> 'resolved' ORDER BY subject`,
        )
      ).rows
      const items = (
        await db.query<{ alert_id: number; waybill: string }>(
          `SELECT ai.alert_id, ai.waybill FROM alert_items ai JOIN alerts a ON a.id = ai.alert_id WHERE a.rule = 'parcel_late' AND a.state <> 'resolved'`,
        )
      ).rows
      await db.query('COMMIT')

      const crafted = list.filter((p) => p.kind === 'late')
      expect(late.map((x) => `${x.hub}/${x.waybill}`).sort()).toEqual(
        crafted.map((p) => `${p.hub}/${p.s.waybill}`).sort(),
      )
      const lateByHub = new Map<string, string[]>()
      for (const x of late) lateByHub.set(x.hub, [...(lateByHub.get(x.hub) ?? []), x.waybill])

      // One unresolved alert per hub with late parcels, none elsewhere.
      expect(alerts.map((a) => a.subject)).toEqual([...lateByHub.keys()].sort().map((h) => `hub:${h}`))
      for (const a of alerts) {
        const mine = items
          .filter((i) => i.alert_id === a.id)
          .map((i) => i.waybill)
          .sort()
        expect(mine, `parcels of the alert at ${a.hub_code}`).toEqual([...lateByHub.get(a.hub_code)!].sort())
        expect(a.item_count).toBe(mine.length)
      }
      // Every breached parcel in exactly one open alert, nothing else in them.
      const seen = new Map<string, number>()
      for (const i of items) seen.set(i.waybill, (seen.get(i.waybill) ?? 0) + 1)
      expect([...seen.values()].every((n) => n === 1)).toBe(true)
      expect(seen.size).toBe(crafted.length)
      process.stdout.write(
        `worker-kill reconciliation: ${JSON.stringify({
          events: r.events,
          acknowledged: r.acknowledged,
          storedOnce: r.storedOnce,
          afterIngestJobs: added,
          completed: jobCounts.completed,
          kills,
          held,
          stalled: [...stalled],
          lateParcels: late.length,
          openLateAlerts: alerts.length,
          alertItems: items.length,
        })}\n`,
      )
    } finally {
      await db.end()
    }
  }, 300_000)
})
