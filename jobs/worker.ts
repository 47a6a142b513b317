import { Worker, type Job } from 'bullmq'
import type pg from 'pg'
import type { Redis } from 'ioredis'
import type { Logger } from '../server/lib/logger.ts'
import type { KpiPublisher } from '../server/live/kpi-publisher.ts'
import type { CalendarService } from '../server/services/calendar.ts'
import type { LiveBus } from '../server/live/bus.ts'
import type { SlaSettings } from '../server/services/sla-settings.ts'
import { JOB_QUEUE, JOB_SCHEMAS, QUEUES, workerConnection, type JobName, type QueueName } from './queues.ts'
import { afterIngest } from './processors/after-ingest.ts'
import { kpiTick } from './processors/kpi-tick.ts'
import { runDbPolicies } from './processors/run-db-policies.ts'
import { recomputePromises } from './processors/recompute-promises.ts'
import { anomalySweep, slaSweep } from './processors/sla-sweep.ts'
import { deliverWebhooks } from './processors/deliver-webhooks.ts'
import { piiRetention } from './processors/pii-retention.ts'

export interface WorkerDeps {
  db: pg.Pool
  log: Logger
  kpi: KpiPublisher
  calendar: CalendarService
  bus: LiveBus
  sla: SlaSettings
  /** Asks for a sweep soon (deduplicated), so that a delivered late parcel clears its alert quickly. */
  requestSweep: () => Promise<void>
  /** Personal data of parcels closed this many days ago is erased (pii-retention). */
  piiRetentionDays: number
  /** Embedded engine: refresh the minute and hour aggregates in slices (run-db-policies.ts). Default true. */
  refreshSliced?: boolean
  /**
   * Embedded engine: a refresh that held the database for a second or more waits before its next
   * run, in proportion (run-db-policies.ts). Off unless set: a direct call runs every due policy.
   */
  refreshBackOff?: boolean
}

type Processor = (deps: WorkerDeps, data: never) => Promise<void>
const PROCESSORS: Record<JobName, Processor> = {
  'after-ingest': afterIngest,
  'kpi-tick': kpiTick,
  'run-db-policies': runDbPolicies,
  'recompute-promises': recomputePromises,
  'sla-sweep': slaSweep,
  'anomaly-sweep': anomalySweep,
  'deliver-webhooks': deliverWebhooks,
  'pii-retention': piiRetention,
}

/** Every job name has exactly one handler and one queue; checked at boot. */
export function checkRegistry(): void {
  for (const name of Object.keys(JOB_SCHEMAS) as JobName[]) {
    if (!PROCESSORS[name] || !JOB_QUEUE[name]) throw new Error(`job ${name} has no processor or queue`)
  }
}

export class Workers {
  private readonly workers: Worker[] = []
  private readonly connections: Redis[] = []

  constructor(
    private readonly deps: WorkerDeps,
    redisUrl: string,
    prefix: string,
  ) {
    checkRegistry()
    for (const queue of Object.values(QUEUES) as QueueName[]) {
      const connection = workerConnection(redisUrl)
      connection.on('error', (err) => deps.log.warn({ err, queue }, 'worker connection error'))
      this.connections.push(connection)
      const worker = new Worker(queue, (job) => this.process(job), {
        connection,
        prefix,
        concurrency: queue === QUEUES.ingest ? 4 : 1,
      })
      worker.on('error', (err) => deps.log.warn({ err, queue }, 'worker error'))
      worker.on('failed', (job, err) => deps.log.warn({ jobId: job?.id, job: job?.name, err }, 'job failed'))
      this.workers.push(worker)
    }
  }

  private async process(job: Job): Promise<void> {
    const name = job.name as JobName
    const schema = JOB_SCHEMAS[name]
    if (!schema) throw new Error(`no processor for job ${job.name}`)
    const data = schema.parse(job.data)
    await PROCESSORS[name]({ ...this.deps, log: this.deps.log.child({ job: name, jobId: job.id }) }, data as never)
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()))
    // BullMQ leaves connections it was given open.
    for (const c of this.connections) c.disconnect()
    this.deps.kpi.stop()
  }
}
