import { Queue } from 'bullmq'
import { Redis, type RedisOptions } from 'ioredis'
import { z } from 'zod'
import type { Logger } from '../server/lib/logger.ts'

/**
 * Queue registry. Queue keys carry the configured hash tag as prefix ({pw} by
 * default), so every key of a queue lands in one Redis Cluster slot.
 */
export const QUEUES = {
  ingest: 'ingest',
  /** SLA sweeps, promise recomputes, retention: what raises and clears parcel alerts. */
  maintenance: 'maintenance',
  /** Hub and courier anomaly sweeps: slow (tens of seconds at peak); never ahead of an SLA sweep. */
  anomalies: 'anomalies',
  /** The KPI tick and the embedded database's policies: short and frequent; never behind a sweep. */
  ticks: 'ticks',
  notify: 'notify',
} as const
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES]

/** Job payloads carry ids and counts, never personal data (Redis keeps them in clear). */
export const JOB_SCHEMAS = {
  'after-ingest': z.object({
    waybills: z.array(z.string()).max(50_000),
    stored: z.number().int().min(0),
    receivedAt: z.string(),
  }),
  'kpi-tick': z.object({}),
  'run-db-policies': z.object({}),
  'recompute-promises': z.object({}),
  'sla-sweep': z.object({}),
  'anomaly-sweep': z.object({}),
  'deliver-webhooks': z.object({}),
  'pii-retention': z.object({}),
} as const
export type JobName = keyof typeof JOB_SCHEMAS
export type JobData<N extends JobName> = z.infer<(typeof JOB_SCHEMAS)[N]>

export const JOB_QUEUE: Record<JobName, QueueName> = {
  'after-ingest': QUEUES.ingest,
  'kpi-tick': QUEUES.ticks,
  'run-db-policies': QUEUES.ticks,
  'recompute-promises': QUEUES.maintenance,
  'sla-sweep': QUEUES.maintenance,
  'anomaly-sweep': QUEUES.anomalies,
  'deliver-webhooks': QUEUES.notify,
  'pii-retention': QUEUES.maintenance,
}

/** Workers block on Redis and must never give up a command (BullMQ's production guide). */
export function workerConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null })
}

/** Producers fail fast while Redis is away, so the API can answer 503 instead of hanging. */
export function producerConnectionOptions(): RedisOptions {
  return { maxRetriesPerRequest: 1, enableOfflineQueue: false }
}

export class Queues {
  readonly ingest: Queue
  readonly maintenance: Queue
  readonly anomalies: Queue
  readonly ticks: Queue
  readonly notify: Queue
  private readonly connection: Redis
  /** What schedule() was asked for, to put back after a Redis that comes back empty. */
  private scheduled: { embedded: boolean; sweepEveryMs: number } | undefined

  constructor(
    redisUrl: string,
    readonly prefix: string,
    log: Logger,
  ) {
    this.connection = new Redis(redisUrl, producerConnectionOptions())
    this.connection.on('error', (err) => log.warn({ err }, 'queue connection error'))
    // A Redis restarted without persistence (or a failover to an empty replica) has
    // forgotten the job schedulers: without this, no kpi-tick, sweep or webhook round
    // ever ran again until a server restart. Upserting is idempotent, so every
    // reconnection simply upserts them again.
    this.connection.on('ready', () => {
      const s = this.scheduled
      if (s)
        this.schedule(s.embedded, s.sweepEveryMs).catch((err) =>
          log.warn({ err }, 'job schedulers not restored after a reconnection'),
        )
    })
    const opts = { connection: this.connection, prefix }
    this.ingest = new Queue(QUEUES.ingest, opts)
    this.maintenance = new Queue(QUEUES.maintenance, opts)
    this.anomalies = new Queue(QUEUES.anomalies, opts)
    this.ticks = new Queue(QUEUES.ticks, opts)
    this.notify = new Queue(QUEUES.notify, opts)
    for (const q of this.all()) q.on('error', (err) => log.warn({ err, queue: q.name }, 'queue error'))
  }

  /** Every queue, in the order of QUEUES. */
  all(): Queue[] {
    return [this.ingest, this.maintenance, this.anomalies, this.ticks, this.notify]
  }

  async addAfterIngest(data: JobData<'after-ingest'>): Promise<void> {
    await this.ingest.add('after-ingest', data, {
      removeOnComplete: 1000,
      removeOnFail: 5000,
      attempts: 5,
      backoff: { type: 'exponential', delay: 500 },
    })
  }

  /** One recompute at a time is enough: a change made while one waits is covered by it. */
  async addRecomputePromises(): Promise<void> {
    await this.maintenance.add(
      'recompute-promises',
      {},
      {
        deduplication: { id: 'recompute-promises' },
        removeOnComplete: 10,
        removeOnFail: 100,
        attempts: 3,
        backoff: { type: 'exponential', delay: 1000 },
      },
    )
  }

  async addSweepSoon(): Promise<void> {
    await this.maintenance.add(
      'sla-sweep',
      {},
      { delay: 2_000, deduplication: { id: 'sla-sweep-soon', ttl: 15_000 }, removeOnComplete: 10, removeOnFail: 100 },
    )
  }

  /** Scheduled jobs; upserting makes it safe for every instance to do this at start. */
  async schedule(embedded: boolean, sweepEveryMs: number): Promise<void> {
    this.scheduled = { embedded, sweepEveryMs }
    await this.notify.upsertJobScheduler(
      'deliver-webhooks',
      { every: 5_000 },
      { name: 'deliver-webhooks', data: {}, opts: { removeOnComplete: 10, removeOnFail: 100 } },
    )
    // Until 2026-11 every one of these ran on the maintenance queue, one at a time, so an SLA
    // sweep or a KPI tick waited up to a minute behind an anomaly sweep at peak; those
    // schedulers are removed where an older release left them.
    for (const name of ['anomaly-sweep', 'kpi-tick', 'run-db-policies']) await this.maintenance.removeJobScheduler(name)
    await this.anomalies.upsertJobScheduler(
      'anomaly-sweep',
      { every: 5 * 60_000 },
      { name: 'anomaly-sweep', data: {}, opts: { removeOnComplete: 10, removeOnFail: 100 } },
    )
    await this.maintenance.upsertJobScheduler(
      'sla-sweep',
      { every: sweepEveryMs },
      { name: 'sla-sweep', data: {}, opts: { removeOnComplete: 10, removeOnFail: 100 } },
    )
    // Daily at 03:30 Shanghai time, outside the busy hours.
    await this.maintenance.upsertJobScheduler(
      'pii-retention',
      { pattern: '30 3 * * *', tz: 'Asia/Shanghai' },
      {
        name: 'pii-retention',
        data: {},
        opts: { removeOnComplete: 10, removeOnFail: 100, attempts: 3, backoff: { type: 'exponential', delay: 60_000 } },
      },
    )
    await this.ticks.upsertJobScheduler(
      'kpi-tick',
      { every: 5_000 },
      { name: 'kpi-tick', data: {}, opts: { removeOnComplete: 10, removeOnFail: 100 } },
    )
    if (embedded) {
      await this.ticks.upsertJobScheduler(
        'run-db-policies',
        { every: 15_000 },
        { name: 'run-db-policies', data: {}, opts: { removeOnComplete: 10, removeOnFail: 100 } },
      )
    }
  }

  async ping(): Promise<boolean> {
    return (await this.connection.ping()) === 'PONG'
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((q) => q.close()))
    this.connection.disconnect()
  }
}
