import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { JOB_QUEUE, Queues, QUEUES } from '../../jobs/queues.ts'
import { createLogger } from '../../server/lib/logger.ts'

// Real Redis. The slow anomaly sweep and the short ticks have queues of their own, so
// that an SLA sweep or a KPI tick never waits behind it; a Redis that an older release
// used (everything on `maintenance`) is put right by the next start.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const prefix = `{t${randomBytes(4).toString('hex')}}`
const queues = new Queues(REDIS_URL, prefix, createLogger('silent'))
afterAll(async () => {
  for (const q of queues.all()) await q.obliterate({ force: true }).catch(() => undefined)
  await queues.close()
})

const schedulers = async () =>
  Object.fromEntries(
    await Promise.all(queues.all().map(async (q) => [q.name, (await q.getJobSchedulers()).map((j) => j.key).sort()])),
  )

describe('job queues', () => {
  it('keep the anomaly sweep and the ticks off the queue of the SLA sweep, and remove the schedulers an older release left there', async () => {
    expect(JOB_QUEUE['sla-sweep']).toBe(QUEUES.maintenance)
    expect(new Set([JOB_QUEUE['anomaly-sweep'], JOB_QUEUE['kpi-tick'], JOB_QUEUE['sla-sweep']]).size).toBe(3)
    expect(JOB_QUEUE['run-db-policies']).toBe(JOB_QUEUE['kpi-tick'])
    // What an older release scheduled: everything on maintenance.
    for (const name of ['anomaly-sweep', 'kpi-tick', 'run-db-policies', 'sla-sweep']) {
      await queues.maintenance.upsertJobScheduler(name, { every: 60_000 }, { name, data: {} })
    }
    await queues.schedule(true, 60_000)
    expect(await schedulers()).toEqual({
      ingest: [],
      maintenance: ['pii-retention', 'sla-sweep'],
      anomalies: ['anomaly-sweep'],
      ticks: ['kpi-tick', 'run-db-policies'],
      notify: ['deliver-webhooks'],
    })
    // Every job's scheduler sits on the queue its worker takes it from.
    for (const [queue, names] of Object.entries(await schedulers())) {
      for (const name of names as string[]) expect(JOB_QUEUE[name as keyof typeof JOB_QUEUE], name).toBe(queue)
    }
    // Scheduling again (every instance does at start, and after a Redis restart) changes nothing.
    await queues.schedule(true, 60_000)
    expect((await schedulers()).ticks).toEqual(['kpi-tick', 'run-db-policies'])
  })
})
