import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'

/**
 * Prometheus metrics of one server process (prom-client). A registry per System, not
 * the global one, so that tests can run several systems in one process. Figures that
 * live elsewhere (queue depth, open alerts, the worker's last sweep) are read when
 * Prometheus scrapes, through the `collect` callbacks wired in system.ts.
 */
export class Metrics {
  readonly registry = new Registry()
  readonly ingestEvents = new Counter({
    name: 'pw_ingest_events_total',
    help: 'Events received by POST /api/v1/events, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  })
  readonly ingestBatches = new Counter({
    name: 'pw_ingest_batches_total',
    help: 'Event batches received, by HTTP status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  })
  readonly httpDuration = new Histogram({
    name: 'pw_http_request_duration_seconds',
    help: 'API request duration by route and status class',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  })
  readonly wsClients = new Gauge({
    name: 'pw_ws_clients',
    help: 'Open websocket connections on this instance',
    registers: [this.registry],
  })
  readonly wsFrames = new Counter({
    name: 'pw_ws_frames_total',
    help: 'Live frames pushed (once per push, not per client), by channel kind',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  })
  readonly wsCutOff = new Counter({
    name: 'pw_ws_slow_clients_cut_off_total',
    help: 'Websocket clients dropped for not reading',
    registers: [this.registry],
  })
  readonly queueJobs = new Gauge({
    name: 'pw_queue_jobs',
    help: 'BullMQ jobs by queue and state',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  })
  readonly queueLag = new Gauge({
    name: 'pw_queue_lag_seconds',
    help: 'Age of the oldest waiting job, by queue (0 when none waits)',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  })
  readonly openAlerts = new Gauge({
    name: 'pw_open_alerts',
    help: 'Unresolved alerts by severity',
    labelNames: ['severity'] as const,
    registers: [this.registry],
  })
  readonly sweepSeconds = new Gauge({
    name: 'pw_sla_sweep_duration_seconds',
    help: 'Duration of the last SLA sweep (any worker)',
    registers: [this.registry],
  })
  readonly txRetries = new Counter({
    name: 'pw_db_transaction_retries_total',
    help: 'Transactions run again after a deadlock (40P01) or serialization failure (40001), by SQLSTATE',
    labelNames: ['code'] as const,
    registers: [this.registry],
  })
  readonly sweepAt = new Gauge({
    name: 'pw_sla_sweep_last_run_timestamp_seconds',
    help: 'When the last SLA sweep finished (Unix time)',
    registers: [this.registry],
  })

  // The database's own health (server/services/db-health.ts), read at scrape time.
  readonly dbJobFailing = new Gauge({
    name: 'pw_db_job_failing',
    help: 'TimescaleDB job whose last run failed (1) or not (0)',
    labelNames: ['job_id', 'proc', 'target'] as const,
    registers: [this.registry],
  })
  readonly dbJobFailures = new Gauge({
    name: 'pw_db_job_failures',
    help: 'Failed runs of a TimescaleDB job since it was created',
    labelNames: ['job_id', 'proc', 'target'] as const,
    registers: [this.registry],
  })
  readonly dbJobConsecutiveFailures = new Gauge({
    name: 'pw_db_job_consecutive_failures',
    help: 'Failed runs of a TimescaleDB job in a row (0 after a success)',
    labelNames: ['job_id', 'proc', 'target'] as const,
    registers: [this.registry],
  })
  readonly dbJobLastSuccess = new Gauge({
    name: 'pw_db_job_last_success_timestamp_seconds',
    help: 'When a TimescaleDB job last succeeded (Unix time; absent if never)',
    labelNames: ['job_id', 'proc', 'target'] as const,
    registers: [this.registry],
  })
  readonly caggLag = new Gauge({
    name: 'pw_db_cagg_lag_seconds',
    help: 'How long before now the materialised part of a continuous aggregate ends (absent if nothing is materialised; large on a quiet system too)',
    labelNames: ['view'] as const,
    registers: [this.registry],
  })
  readonly caggRefreshed = new Gauge({
    name: 'pw_db_cagg_last_refresh_timestamp_seconds',
    help: 'Last success of a job that refreshes the continuous aggregate (Unix time)',
    labelNames: ['view'] as const,
    registers: [this.registry],
  })
  readonly caggStale = new Gauge({
    name: 'pw_db_cagg_stale',
    help: 'Continuous aggregate whose refresh jobs have not succeeded for three of their periods plus 10 min (1) or not (0)',
    labelNames: ['view'] as const,
    registers: [this.registry],
  })

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'pw_' })
    // prom-client's three "…_total" figures are gauges; promtool lint (rightly) flags a
    // gauge named _total. Same values under a gauge-like name: pw_nodejs_active_<kind>_all.
    for (const kind of ['handles', 'requests', 'resources']) {
      const name = `pw_nodejs_active_${kind}_total`
      const old = this.registry.getSingleMetric(name) as Gauge | undefined
      if (!old) continue
      this.registry.removeSingleMetric(name)
      new Gauge({
        name: `pw_nodejs_active_${kind}_all`,
        help: `Number of active libuv ${kind} of every type (sum of pw_nodejs_active_${kind})`,
        registers: [this.registry],
        async collect() {
          this.set((await old.get()).values[0]?.value ?? 0)
        },
      })
    }
  }
}
