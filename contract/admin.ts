// Administration: people's accounts (GET/POST/PUT /api/v1/admin/users…, POST /api/v1/auth/password),
// the audit log, API tokens, wall displays, webhooks and the database's health
// (server/http/account-routes.ts, display-routes.ts, webhook-routes.ts, routes.ts).
import * as z from 'zod/mini'
import { USER_ROLES } from './enums.ts'
import { count, id, isoTime, nullableString, severity } from './common.ts'

export const userRole = z.enum(USER_ROLES)

/** A person's account as the admin sees it (server/services/accounts.ts AccountView). */
export const account = z.object({
  username: z.string().check(z.minLength(1)),
  displayName: z.string(),
  role: userRole,
  hubCode: nullableString,
  disabled: z.boolean(),
  mustChangePassword: z.boolean(),
  lastLoginAt: z.nullable(isoTime),
  createdAt: isoTime,
})
export type Account = z.output<typeof account>

export const accountList = z.object({ users: z.array(account) })
/** POST /api/v1/admin/users: the new account and its one-time password (shown once). */
export const accountCreated = z.object({ user: account, oneTimePassword: z.string() })
/** PUT /api/v1/admin/users/:username, POST …/disable: a change ends the person's sessions. */
export const accountChanged = z.object({ user: account, sessionsEnded: count })
export const accountReset = z.object({ user: account, oneTimePassword: z.string(), sessionsEnded: count })
export const accountEnvelope = z.object({ user: account })
export const passwordChanged = z.object({ ok: z.literal(true), otherSessionsEnded: count })
export const unlockAnswer = z.object({ username: z.string(), unlocked: z.literal(true), wasLocked: z.boolean() })

export const auditEntry = z.object({
  id,
  at: isoTime,
  username: z.string(),
  role: z.string(),
  kind: z.enum(['unmask', 'admin_action', 'system']),
  action: z.string(),
  target: nullableString,
  route: nullableString,
  requestId: nullableString,
  /** Ids, counts and settings only: never names, phones or addresses. */
  details: z.record(z.string(), z.unknown()),
})
export const auditList = z.object({ entries: z.array(auditEntry) })

/** POST /api/v1/admin/api-tokens: an integrator's bearer token, shown once. */
export const apiTokenCreated = z.object({ name: z.string(), role: z.literal('integrator'), token: z.string() })

export const displayCreated = z.object({ id, name: z.string(), token: z.string(), enrollPath: z.string() })
export const display = z.object({
  id,
  name: z.string(),
  createdAt: isoTime,
  createdBy: nullableString,
  lastSeenAt: z.nullable(isoTime),
  revokedAt: z.nullable(isoTime),
})
export const displayList = z.object({ displays: z.array(display) })

/** A webhook endpoint (never its secret). */
export const webhook = z.object({
  id,
  name: z.string(),
  url: z.string(),
  rules: z.nullable(z.array(z.string())),
  minSeverity: severity,
  hubCodes: z.nullable(z.array(z.string())),
  minEscalationLevel: count,
  /** The language of the alert titles it receives. */
  lang: z.enum(['zh', 'en']),
  active: z.boolean(),
  createdAt: isoTime,
})
export const webhookSummary = z.extend(webhook, {
  /** Undelivered notifications. */
  pending: count,
  /** Undelivered notifications that failed at least once (being retried). */
  failing: count,
  delivered: count,
  lastError: nullableString,
})
export const webhookList = z.object({ webhooks: z.array(webhookSummary) })
/** POST /api/v1/admin/webhooks: the secret is shown this once (receivers check signatures with it). */
export const webhookCreated = z.object({ webhook, secret: z.string() })

const dbJob = z.object({
  jobId: z.int(),
  proc: z.string(),
  target: nullableString,
  lastRunAt: z.nullable(isoTime),
  failing: z.boolean(),
  lastSuccessAt: z.nullable(isoTime),
  totalFailures: count,
  consecutiveFailures: count,
  lastError: nullableString,
  scheduleSeconds: z.number(),
})
const dbAggregate = z.object({
  view: z.string(),
  watermark: z.nullable(isoTime),
  bucketSeconds: z.number(),
  lagSeconds: z.nullable(z.number()),
  lastRefreshAt: z.nullable(isoTime),
  stale: z.boolean(),
})
export const failingJob = z.object({
  jobId: z.int(),
  proc: z.string(),
  target: nullableString,
  consecutiveFailures: count,
  lastSuccessAt: z.nullable(isoTime),
  lastError: nullableString,
})
export type FailingJob = z.output<typeof failingJob>
export const staleAggregate = z.object({
  view: z.string(),
  lastRefreshAt: z.nullable(isoTime),
  watermark: z.nullable(isoTime),
})
export type StaleAggregate = z.output<typeof staleAggregate>
/** GET /api/v1/admin/db-health: TimescaleDB's background jobs and continuous aggregates. */
export const dbHealth = z.object({
  failingJobs: z.array(failingJob),
  staleAggregates: z.array(staleAggregate),
  jobs: count,
  aggregates: count,
  detail: z.object({ jobs: z.array(dbJob), aggregates: z.array(dbAggregate) }),
})
export type DbHealth = z.output<typeof dbHealth>
