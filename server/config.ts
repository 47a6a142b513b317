import { z } from 'zod'
import type { PasswordHashCost } from './lib/passwords.ts'

/** The one place that reads process.env. Everything else receives a Config. */
const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('./data'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  EMBEDDED_PG_IDLE_TX_MS: z.coerce.number().int().min(1).default(300_000),
  EMBEDDED_PG_PROFILE: z.coerce.number().min(0).default(0),
  EMBEDDED_REFRESH_SLICED: z.enum(['true', 'false']).default('true'),
  REDIS_URL: z.string().url().optional(),
  QUEUE_PREFIX: z
    .string()
    .regex(/^\{[A-Za-z0-9_-]+\}$/, 'must be a Redis Cluster hash tag such as {pw}')
    .default('{pw}'),
  ADMIN_PASSWORD: z.string().min(10, 'must be at least 10 characters').optional(),
  ALLOWED_ORIGINS: z.string().optional(),
  TRUST_PROXY: z
    .string()
    .regex(
      /^(true|false|\d+|[0-9A-Za-z.:/,\s-]+)$/,
      'true, false, a hop count, or addresses/subnets (loopback, linklocal, uniquelocal)',
    )
    .optional(),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  SESSION_TTL_HOURS: z.coerce.number().positive().default(12),
  SESSION_IDLE_MINUTES: z.coerce.number().positive().default(60),
  WS_MAX_PER_SESSION: z.coerce.number().int().min(1).max(1000).default(10),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5),
  LOGIN_WINDOW_MINUTES: z.coerce.number().positive().default(15),
  LOGIN_LOCK_MINUTES: z.coerce.number().positive().default(15),
  LOGIN_IP_MAX_FAILURES: z.coerce.number().int().min(1).default(20),
  LOGIN_CHECKS_PER_IP: z.coerce.number().int().min(1).default(2),
  LOGIN_CHECKS_AT_ONCE: z.coerce.number().int().min(1).default(4),
  PASSWORD_HASH_COST: z.enum(['default', 'low']).default('default'),
  PII_RETENTION_DAYS: z.coerce.number().int().min(1).default(180),
  COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
  RUN_WORKERS: z.enum(['true', 'false']).default('true'),
  SEED_NETWORK: z.enum(['true', 'false']).default('true'),
  FUTURE_TOLERANCE_SECONDS: z.coerce.number().int().min(0).default(300),
  SLA_CUTOFF_HOUR: z.coerce.number().min(0).max(24).default(18),
  STALL_IN_TRANSIT_HOURS: z.coerce.number().positive().default(24),
  STALL_OUT_FOR_DELIVERY_HOURS: z.coerce.number().positive().default(8),
  LOST_AFTER_HOURS: z.coerce.number().positive().default(72),
  LATE_CRITICAL_COUNT: z.coerce.number().int().positive().default(50),
  ESCALATE_AFTER_MINUTES: z.coerce.number().positive().default(15),
  REMIND_EVERY_MINUTES: z.coerce.number().positive().default(30),
  ALERT_PENDING_MINUTES: z.coerce.number().min(0).default(10),
  PAGE_MIN_PARCELS: z.coerce.number().int().min(1).default(20),
  SWEEP_INTERVAL_SECONDS: z.coerce.number().int().min(5).default(60),
  MAX_EVENTS_PER_BATCH: z.coerce.number().int().min(1).max(50_000).default(10_000),
  SIM_INJECT: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  NODE_ENV: z.string().optional(),
  RESPONSE_CHECK: z.enum(['off', 'log', 'throw']).optional(),
})

export interface SlaThresholds {
  stallInTransitHours: number
  stallOutForDeliveryHours: number
  lostAfterHours: number
  lateCriticalCount: number
  escalateAfterMs: number
  remindEveryMs: number
  sweepIntervalMs: number
  /** A parcel rule's hub alert opens once its condition held this long (default 10 min). */
  alertPendingMs?: number
  /** Impact (parcels, express counting 3) at which a parcel rule's alert pages (warning); below it is info (default 20). */
  pageMinParcels?: number
}

export interface LoginThrottleConfig {
  /** Failed sign-ins per user name within the window before the name is locked. */
  maxFailures: number
  windowMs: number
  lockMs: number
  /** Failed sign-ins per client IP within the window before the IP is throttled. */
  ipMaxFailures: number
  /** Password checks running at once for one client IP; more wait in a short line, or are refused. */
  checksPerIp: number
  /** Password checks running at once in this process. */
  checksOverall: number
}

export interface Config {
  port: number
  host: string
  databaseUrl: string | undefined
  dataDir: string
  embeddedPgPort: number
  /** The embedded database disconnects a client idle inside a transaction this long (everyone else waits for it). */
  embeddedPgIdleTxMs: number
  /** Seconds between the embedded database's reports of its busiest statements on stderr; 0: none. */
  embeddedPgProfileSeconds: number
  /**
   * The embedded engine's minute and hour aggregates are refreshed over their changed
   * ranges in short slices (jobs/processors/run-db-policies.ts); false: each policy's
   * whole window in one transaction, as before (the demo-start bench's baseline).
   */
  embeddedRefreshSliced: boolean
  /** Unset: use 127.0.0.1:6379 if it answers, else start redis-server from PATH. */
  redisUrl: string | undefined
  queuePrefix: string
  adminPassword: string | undefined
  /** Bearer token Prometheus presents at /metrics; without one, only loopback may scrape. */
  metricsToken: string | undefined
  allowedOrigins: string[] | undefined
  /**
   * Express's `trust proxy` (https://expressjs.com/en/guide/behind-proxies.html): which
   * proxies' X-Forwarded-For/-Proto are believed. false (default): none, the socket's
   * address is the client's.
   */
  trustProxy: boolean | number | string
  sessionTtlMs: number
  /** A session unused this long ends (sessions.last_seen_at). */
  sessionIdleMs: number
  /** Open websockets one session (or wall screen) may hold; one more is closed with 4429. */
  wsMaxPerSession: number
  loginThrottle: LoginThrottleConfig
  /** 'default' for people's passwords; 'low' is a cheap cost for tests only. */
  passwordHashCost: PasswordHashCost
  /** Personal data of parcels delivered or returned this long ago is erased. */
  piiRetentionDays: number
  cookieSecure: 'auto' | boolean
  runWorkers: boolean
  seedNetwork: boolean
  futureToleranceMs: number
  maxEventsPerBatch: number
  /** Shanghai hour from which a collection counts from the next working day. */
  slaCutoffHour: number
  sla: SlaThresholds
  logLevel: string
  /** auto: human-readable on a terminal, JSON lines otherwise. */
  logFormat: 'auto' | 'json' | 'pretty'
  /** Demo only: incidents the simulator injects (see sim/incidents.ts), e.g. "hub-stop:NKG-SC@+10m~30h". */
  simInject: string | undefined
  /**
   * The server checks its own JSON answers against the wire contract (contract/routes.ts):
   * 'log' a mismatch, or 'throw' (answer 500 contract_violation instead; the tests' setting).
   * Default: off when NODE_ENV=production, log otherwise. Absent: off.
   */
  responseCheck?: 'off' | 'log' | 'throw'
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`)
    this.name = 'ConfigError'
  }
}

/** TRUST_PROXY as express takes it: true/false, a hop count, or a comma-separated list of addresses, subnets and names. */
function parseTrustProxy(v: string | undefined): boolean | number | string {
  if (v === undefined || v.trim() === 'false') return false
  if (v.trim() === 'true') return true
  if (/^\d+$/.test(v.trim())) return Number(v.trim())
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .join(',')
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = schema.safeParse(cleaned)
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`))
  }
  const e = parsed.data
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    embeddedPgIdleTxMs: e.EMBEDDED_PG_IDLE_TX_MS,
    embeddedPgProfileSeconds: e.EMBEDDED_PG_PROFILE,
    embeddedRefreshSliced: e.EMBEDDED_REFRESH_SLICED === 'true',
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    adminPassword: e.ADMIN_PASSWORD,
    metricsToken: e.METRICS_TOKEN,
    allowedOrigins: e.ALLOWED_ORIGINS?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    sessionTtlMs: e.SESSION_TTL_HOURS * 3_600_000,
    sessionIdleMs: e.SESSION_IDLE_MINUTES * 60_000,
    wsMaxPerSession: e.WS_MAX_PER_SESSION,
    loginThrottle: {
      maxFailures: e.LOGIN_MAX_FAILURES,
      windowMs: e.LOGIN_WINDOW_MINUTES * 60_000,
      lockMs: e.LOGIN_LOCK_MINUTES * 60_000,
      ipMaxFailures: e.LOGIN_IP_MAX_FAILURES,
      checksPerIp: e.LOGIN_CHECKS_PER_IP,
      checksOverall: e.LOGIN_CHECKS_AT_ONCE,
    },
    passwordHashCost: e.PASSWORD_HASH_COST,
    piiRetentionDays: e.PII_RETENTION_DAYS,
    cookieSecure: e.COOKIE_SECURE === 'auto' ? 'auto' : e.COOKIE_SECURE === 'true',
    runWorkers: e.RUN_WORKERS === 'true',
    seedNetwork: e.SEED_NETWORK === 'true',
    futureToleranceMs: e.FUTURE_TOLERANCE_SECONDS * 1000,
    maxEventsPerBatch: e.MAX_EVENTS_PER_BATCH,
    slaCutoffHour: e.SLA_CUTOFF_HOUR,
    sla: {
      stallInTransitHours: e.STALL_IN_TRANSIT_HOURS,
      stallOutForDeliveryHours: e.STALL_OUT_FOR_DELIVERY_HOURS,
      lostAfterHours: e.LOST_AFTER_HOURS,
      lateCriticalCount: e.LATE_CRITICAL_COUNT,
      escalateAfterMs: e.ESCALATE_AFTER_MINUTES * 60_000,
      remindEveryMs: e.REMIND_EVERY_MINUTES * 60_000,
      sweepIntervalMs: e.SWEEP_INTERVAL_SECONDS * 1000,
      alertPendingMs: e.ALERT_PENDING_MINUTES * 60_000,
      pageMinParcels: e.PAGE_MIN_PARCELS,
    },
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    responseCheck: e.RESPONSE_CHECK ?? (e.NODE_ENV === 'production' ? 'off' : 'log'),
    simInject: e.SIM_INJECT,
  }
}
