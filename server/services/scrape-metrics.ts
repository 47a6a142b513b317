import type pg from 'pg'
import type { Queues } from '../../jobs/queues.ts'
import type { LiveBus } from '../live/bus.ts'
import type { LiveHub } from '../ws/hub.ts'
import type { Logger } from '../lib/logger.ts'
import type { Metrics } from '../lib/metrics.ts'
import { SEVERITIES } from '../db/kpi-repo.ts'
import { readDbHealth } from './db-health.ts'

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized'] as const

/**
 * Fills the figures that are read at scrape time: queue depth and lag (BullMQ),
 * websocket clients, open alerts, the last SLA sweep a worker reported. A part that
 * cannot be read (Redis away) is skipped, so /metrics still answers with the rest.
 */
export async function fillScrapeMetrics(
  m: Metrics,
  deps: { db: pg.Pool; embedded: boolean; queues: Queues; bus: LiveBus; hub: LiveHub; log: Logger },
): Promise<void> {
  m.wsClients.set(deps.hub.size)
  const now = Date.now()
  await Promise.all(
    [
      ...deps.queues.all().map(async (q) => {
        const counts = await q.getJobCounts(...JOB_STATES)
        for (const state of JOB_STATES) m.queueJobs.set({ queue: q.name, state }, counts[state] ?? 0)
        const [oldest] = await q.getJobs(['waiting'], 0, 0, true) // ascending: the oldest waiting job
        // A delayed or repeating job waits from when it became due, not from when it was scheduled.
        m.queueLag.set(
          { queue: q.name },
          oldest ? Math.max(0, (now - oldest.timestamp - (oldest.delay ?? 0)) / 1000) : 0,
        )
      }),
      deps.db
        .query<{ severity: string; n: number }>(
          `SELECT severity, count(*)::int AS n FROM alerts WHERE state <> 'resolved' GROUP BY severity`,
        )
        .then((r) => {
          for (const s of SEVERITIES) m.openAlerts.set({ severity: s }, r.rows.find((x) => x.severity === s)?.n ?? 0)
        }),
      readDbHealth(deps.db, deps.embedded).then((h) => {
        for (const g of [
          m.dbJobFailing,
          m.dbJobFailures,
          m.dbJobConsecutiveFailures,
          m.dbJobLastSuccess,
          m.caggLag,
          m.caggRefreshed,
          m.caggStale,
        ])
          g.reset()
        for (const j of h.jobs) {
          const labels = { job_id: String(j.jobId), proc: j.proc, target: j.target ?? '' }
          m.dbJobFailing.set(labels, j.failing ? 1 : 0)
          m.dbJobFailures.set(labels, j.totalFailures)
          m.dbJobConsecutiveFailures.set(labels, j.consecutiveFailures)
          if (j.lastSuccessAt) m.dbJobLastSuccess.set(labels, j.lastSuccessAt.getTime() / 1000)
        }
        for (const a of h.aggregates) {
          if (a.lagSeconds !== null) m.caggLag.set({ view: a.view }, a.lagSeconds)
          if (a.lastRefreshAt) m.caggRefreshed.set({ view: a.view }, a.lastRefreshAt.getTime() / 1000)
          m.caggStale.set({ view: a.view }, a.stale ? 1 : 0)
        }
      }),
      deps.bus.stats().then((s) => {
        if (s.sla_sweep_ms !== undefined) m.sweepSeconds.set(s.sla_sweep_ms / 1000)
        if (s.sla_sweep_at !== undefined) m.sweepAt.set(s.sla_sweep_at / 1000)
      }),
    ].map((p) => p.catch((err: unknown) => deps.log.warn({ err }, 'a metric could not be read'))),
  )
}
