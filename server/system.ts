import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Config } from './config.ts'
import type { Logger } from './lib/logger.ts'
import { openDatabase, type Database } from './db/database.ts'
import { migrate, pendingMigrations } from './db/migrate.ts'
import { countHubs, upsertCouriers, upsertHubs } from './db/reference-repo.ts'
import { DEMO_COURIERS, DEMO_HUBS } from './data/network.ts'
import { bootstrapAdmin } from './services/auth.ts'
import { ReferenceData } from './services/reference.ts'
import { CalendarService } from './services/calendar.ts'
import { SlaSettings } from './services/sla-settings.ts'
import { liveSnapshot } from './services/live-snapshots.ts'
import { resolveRedis } from './lib/redis-launcher.ts'
import { LiveBus } from './live/bus.ts'
import { KpiPublisher } from './live/kpi-publisher.ts'
import { LiveHub } from './ws/hub.ts'
import { Metrics } from './lib/metrics.ts'
import { fillScrapeMetrics } from './services/scrape-metrics.ts'
import { createApp } from './http/app.ts'
import { Queues } from '../jobs/queues.ts'
import { Workers } from '../jobs/worker.ts'
import type { AppContext } from './context.ts'
import { LoginThrottle } from './services/login-throttle.ts'
import { watchTransactions } from './db/tx.ts'
import { readDbHealth, summarizeDbHealth } from './services/db-health.ts'
import { withArrival } from './services/transit-model.ts'

export interface System {
  url: string
  port: number
  config: Config
  database: Database
  redisUrl: string
  queues: Queues
  hub: LiveHub
  reference: ReferenceData
  close(): Promise<void>
  /** When close() takes too long: ends the embedded database and private Redis processes at once. */
  kill(): void
}

/** Database, Redis, migrations and reference data: what a server and a worker process both need. */
export async function openCore(config: Config, log: Logger) {
  const redis = await resolveRedis(config.redisUrl, log)
  const database = await openDatabase(config, log)
  await migrate(database.pool, log)
  if (config.seedNetwork && (await countHubs(database.pool)) === 0) {
    await upsertHubs(database.pool, DEMO_HUBS)
    await upsertCouriers(database.pool, DEMO_COURIERS)
    log.info({ hubs: DEMO_HUBS.length, couriers: DEMO_COURIERS.length }, 'demo network loaded')
  }
  return { redis, database }
}

export function startWorkers(config: Config, log: Logger, database: Database, redisUrl: string) {
  const bus = new LiveBus(redisUrl, config.queuePrefix, log.child({ module: 'bus' }))
  const kpi = new KpiPublisher(database.pool, bus, log.child({ module: 'kpi' }))
  const calendar = new CalendarService(database.pool, config.slaCutoffHour)
  const queues = new Queues(redisUrl, config.queuePrefix, log.child({ module: 'queues' }))
  const workers = new Workers(
    {
      db: database.pool,
      log: log.child({ module: 'jobs' }),
      kpi,
      calendar,
      bus,
      sla: new SlaSettings(database.pool, config.sla),
      requestSweep: () => queues.addSweepSoon(),
      piiRetentionDays: config.piiRetentionDays,
      refreshSliced: config.embeddedRefreshSliced,
      refreshBackOff: database.embedded && config.embeddedRefreshSliced,
    },
    redisUrl,
    config.queuePrefix,
  )
  return {
    async close() {
      await workers.close()
      await queues.close()
      await bus.close()
    },
  }
}

export async function startSystem(config: Config, log: Logger): Promise<System> {
  const { redis, database } = await openCore(config, log)
  // People's requests on the interactive lane, ingest and follow-ups on the background one (database.ts).
  const db = database.interactive
  const background = database.pool
  await bootstrapAdmin(db, config.adminPassword, log, config.passwordHashCost)
  const reference = new ReferenceData(db)
  await reference.load()
  const calendar = new CalendarService(db, config.slaCutoffHour)
  const slaSettings = new SlaSettings(db, config.sla)
  const queues = new Queues(redis.url, config.queuePrefix, log.child({ module: 'queues' }))
  await queues.schedule(database.embedded, config.sla.sweepIntervalMs)
  const bus = new LiveBus(redis.url, config.queuePrefix, log.child({ module: 'bus' }))
  const metrics = new Metrics()
  for (const pool of new Set([db, background]))
    watchTransactions(pool, { onRetry: (code) => metrics.txRetries.inc({ code }) })
  const loginThrottle = new LoginThrottle(
    redis.url,
    config.queuePrefix,
    config.loginThrottle,
    log.child({ module: 'login-throttle' }),
  )
  const hub = new LiveHub({
    db,
    log: log.child({ module: 'ws' }),
    allowedOrigins: config.allowedOrigins,
    sessionIdleMs: config.sessionIdleMs,
    maxPerSession: config.wsMaxPerSession,
    frameCheck: config.responseCheck,
    snapshot: (channel) => liveSnapshot(db, channel),
    metrics,
  })
  let parcelChain: Promise<void> = Promise.resolve()
  await bus.subscribe((m) => {
    if (m.channel === 'session-ended') hub.closeSession(String(m.data))
    else if (m.channel === 'display-revoked') hub.closeDisplay(Number(m.data))
    else if (m.channel === 'parcels') {
      // The followed parcels gain their arrival estimate, in the order the changes came.
      const changes = (Array.isArray(m.data) ? m.data : []).filter(
        (c: { waybill?: unknown }) => typeof c?.waybill === 'string' && hub.followsParcel(c.waybill),
      )
      if (changes.length > 0)
        parcelChain = parcelChain
          .then(() => withArrival(background, changes, new Date()))
          .then(
            (c) => hub.publishParcels(c),
            (err: unknown) => log.warn({ err }, 'parcel estimate failed'),
          )
    } else hub.publish(m.channel, m.data)
  })
  const workers = config.runWorkers ? startWorkers(config, log, database, redis.url) : undefined

  const ctx: AppContext = {
    config,
    db,
    log,
    reference,
    calendar,
    slaSettings,
    queues,
    metrics,
    loginThrottle,
    ingestDeps: {
      db: background,
      reference,
      futureToleranceMs: config.futureToleranceMs,
      maxEventsPerBatch: config.maxEventsPerBatch,
    },
    publishAlerts: (data) =>
      bus.publish('alerts', data).catch((err) => log.warn({ err }, 'alert change not published')),
    publishParcels: (changes) => {
      void bus.publish('parcels', changes).catch((err) => log.warn({ err }, 'parcel changes not published'))
    },
    onLogout: (sessionHash) => {
      void bus.publish('session-ended', sessionHash).catch(() => hub.closeSession(sessionHash))
    },
    onDisplayRevoked: (id) => {
      void bus.publish('display-revoked', id).catch(() => hub.closeDisplay(id))
    },
  }
  const app = createApp(ctx, {
    async ready() {
      const checks = {
        database: await db.query('SELECT 1').then(
          () => true,
          () => false,
        ),
        migrations: await pendingMigrations(db).then(
          (n) => n === 0,
          () => false,
        ),
        redis: await queues.ping().catch(() => false),
      }
      // The database's jobs and aggregates: reported, not a reason to refuse traffic.
      const databaseHealth = await readDbHealth(db, database.embedded).then(summarizeDbHealth, (err: Error) => ({
        error: err.message,
      }))
      return { ok: Object.values(checks).every(Boolean), checks, details: { database: databaseHealth } }
    },
    async metrics() {
      await fillScrapeMetrics(metrics, { db, embedded: database.embedded, queues, bus, hub, log })
      return { contentType: metrics.registry.contentType, text: await metrics.registry.metrics() }
    },
  })
  const server: Server = createServer(app)
  hub.attach(server)
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve))
  const port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}`
  log.info({ url, embeddedDatabase: database.embedded, workers: config.runWorkers }, 'ParcelWatch is listening')

  return {
    url,
    port,
    config,
    database,
    redisUrl: redis.url,
    queues,
    hub,
    reference,
    async close() {
      // Upgraded websocket sockets keep the HTTP server open: close them alongside.
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await hub.close()
      await serverClosed
      await workers?.close()
      await queues.close()
      loginThrottle.close()
      await bus.close()
      await database.close()
      await redis.stop()
    },
    kill() {
      database.kill?.()
      void redis.stop()
    },
  }
}
