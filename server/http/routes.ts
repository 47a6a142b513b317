import type { Request } from 'express'
import { z } from 'zod'
import { ALL_USER_ROLES, type Role } from '../domain/roles.ts'
import { BadRequestError, NotFoundError, UnavailableError } from '../lib/errors.ts'
import { deleteCompanyDay, listCompanyDays, upsertCompanyDay } from '../db/calendar-repo.ts'
import type { AppContext } from '../context.ts'
import { ingestEvents } from '../services/ingest-events.ts'
import { createShipments } from '../services/shipments.ts'
import { getShipment, track } from '../services/lookup.ts'
import { createApiToken, InvalidCredentialsError, login, logout, type LoginTimings } from '../services/auth.ts'
import { blockError, TooManyAttemptsError } from '../services/login-throttle.ts'
import { kpiSnapshot } from '../services/kpis.ts'
import { readDbHealth, summarizeDbHealth } from '../services/db-health.ts'
import { SESSION_COOKIE } from './auth-middleware.ts'
import { noteAudit, parseBody, type RouteDef } from './route-kit.ts'
import { settingsView, slaSettingsSchema } from '../services/sla-settings.ts'
import { ALERT_ROUTES } from './alert-routes.ts'
import { INCIDENT_ROUTES } from './incident-routes.ts'
import { WEBHOOK_ROUTES } from './webhook-routes.ts'
import { DISPLAY_ROUTES } from './display-routes.ts'
import { HANDOVER_ROUTES } from './handover-routes.ts'
import { HANDOFF_ROUTES } from './handoff-routes.ts'
import { ACCOUNT_ROUTES } from './account-routes.ts'
import { COMPLAINT_ROUTES } from './complaint-routes.ts'
import { CLAIM_ROUTES } from './claim-routes.ts'
import { FINANCE_ROUTES } from './finance-routes.ts'
import { SLA_ROUTES } from './sla-routes.ts'

export type { RouteDef }

const EVERYONE = ALL_USER_ROLES
const LOOKUP_ROLES: readonly Role[] = ['admin', 'manager', 'control_room', 'on_call', 'cs_operator']
const INGEST_ROLES: readonly Role[] = ['admin', 'integrator']

const loginBody = z.strictObject({ username: z.string().min(1).max(40), password: z.string().min(1).max(200) })
const tokenBody = z.strictObject({ name: z.string().trim().min(1).max(80) })
const dayParam = z.iso.date('a real calendar day as YYYY-MM-DD')
const companyDayBody = z.strictObject({
  kind: z.enum(['day_off', 'workday']),
  note: z.string().trim().max(200).default(''),
})

/** A changed calendar moves the deadlines of open parcels: recomputed by a job. */
async function calendarChanged(ctx: AppContext): Promise<void> {
  ctx.calendar.invalidate()
  await ctx.queues.addRecomputePromises()
}

/** A Server-Timing header value: name;dur=ms, … */
function serverTiming(timings: Record<string, number | undefined>): string {
  return Object.entries(timings)
    .filter(([, ms]) => ms !== undefined)
    .map(([name, ms]) => `${name};dur=${ms!.toFixed(1)}`)
    .join(', ')
}

function cookieOptions(ctx: AppContext, req: Request, maxAgeMs?: number) {
  const secure = ctx.config.cookieSecure === 'auto' ? req.secure : ctx.config.cookieSecure
  return {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure,
    path: '/',
    ...(maxAgeMs === undefined ? {} : { maxAge: maxAgeMs }),
  }
}

const CORE_ROUTES: RouteDef[] = [
  {
    method: 'post',
    path: '/api/v1/auth/login',
    hubScope: 'none',
    roles: 'public',
    async handler(ctx, req, res) {
      const started = performance.now()
      const { username, password } = parseBody(loginBody, req.body)
      const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown'
      // Counted before the password is checked, so a burst is refused past the limit whatever is in flight.
      const attempt = await ctx.loginThrottle.begin(username, ip)
      if ('block' in attempt) {
        const err = blockError(attempt.block)
        res.setHeader('Retry-After', String(err.retryAfterSeconds))
        throw err
      }
      // Where its time goes (issue 12, item 3), for bench/signin-latency.ts and the browser's network panel.
      const timings: LoginTimings = {}
      const s = await ctx.loginThrottle
        .check(ip, () =>
          login(ctx.db, username, password, ctx.config.sessionTtlMs, new Date(), ctx.config.passwordHashCost, timings),
        )
        .catch(async (err: unknown) => {
          if (err instanceof InvalidCredentialsError) await ctx.loginThrottle.failed(username, attempt)
          else await ctx.loginThrottle.abandoned(username, ip, attempt)
          if (err instanceof TooManyAttemptsError) res.setHeader('Retry-After', String(err.retryAfterSeconds))
          throw err
        })
      await ctx.loginThrottle.succeeded(username, ip, attempt)
      res.setHeader('Server-Timing', serverTiming({ ...timings, total: performance.now() - started }))
      res.cookie(SESSION_COOKIE, s.token, cookieOptions(ctx, req, ctx.config.sessionTtlMs))
      res.json({ user: s.user, expiresAt: s.expiresAt })
    },
  },
  {
    method: 'post',
    path: '/api/v1/auth/logout',
    hubScope: 'none',
    roles: EVERYONE,
    async handler(ctx, req, res) {
      const p = req.principal!
      if (p.kind === 'user') {
        await logout(ctx.db, p.sessionHash)
        ctx.onLogout(p.sessionHash)
      }
      res.clearCookie(SESSION_COOKIE, cookieOptions(ctx, req))
      res.status(204).end()
    },
  },
  {
    method: 'get',
    path: '/api/v1/auth/me',
    hubScope: 'none',
    roles: [...EVERYONE, 'display'],
    async handler(_ctx, req, res) {
      const p = req.principal!
      if (p.kind === 'display') {
        res.json({ user: { username: `display-${p.displayId}`, displayName: p.name, role: 'display', hubCode: null } })
        return
      }
      if (p.kind !== 'user') throw new BadRequestError('Not a user session')
      res.json({
        user: {
          username: p.username,
          displayName: p.displayName,
          role: p.role,
          hubCode: p.hubCode,
          mustChangePassword: p.mustChangePassword,
        },
      })
    },
  },
  {
    method: 'post',
    path: '/api/v1/admin/api-tokens',
    hubScope: 'none',
    roles: ['admin'],
    audit: { kind: 'admin_action', action: 'api_token.create' },
    async handler(ctx, req, res) {
      const { name } = parseBody(tokenBody, req.body)
      const p = req.principal!
      const token = await createApiToken(ctx.db, name, 'integrator', p.kind === 'user' ? p.userId : null)
      noteAudit(res, { target: name, details: { role: 'integrator' } })
      res.status(201).json({ name, role: 'integrator', token })
    },
  },
  {
    method: 'get',
    path: '/api/v1/hubs',
    hubScope: 'none',
    roles: [...EVERYONE, 'integrator'],
    async handler(ctx, _req, res) {
      res.json({ hubs: ctx.reference.allHubs() })
    },
  },
  {
    method: 'get',
    path: '/api/v1/couriers',
    hubScope: 'none',
    roles: [...EVERYONE, 'integrator'],
    async handler(ctx, _req, res) {
      res.json({ couriers: ctx.reference.allCouriers() })
    },
  },
  {
    method: 'post',
    path: '/api/v1/shipments',
    hubScope: 'none',
    roles: INGEST_ROLES,
    batch: true,
    async handler(ctx, req, res) {
      // The ingest API's connections (the background lane on the embedded database), as for events.
      const result = await createShipments(ctx.ingestDeps.db, ctx.reference, ctx.calendar, req.body)
      res.status(result.accepted.length === 0 && result.rejected.length > 0 ? 422 : 200).json(result)
    },
  },
  {
    method: 'post',
    path: '/api/v1/events',
    hubScope: 'none',
    roles: INGEST_ROLES,
    batch: true,
    async handler(ctx, req, res) {
      const now = new Date()
      const outcome = await ingestEvents(ctx.ingestDeps, req.body, now)
      if (outcome.waybills.length > 0) {
        // Stored but not yet followed up: a retry (same ids) stores nothing twice and enqueues again.
        try {
          await ctx.queues.addAfterIngest({
            waybills: outcome.waybills,
            stored: outcome.stored.length,
            receivedAt: now.toISOString(),
          })
        } catch (err) {
          ctx.log.warn({ err }, 'after-ingest job not enqueued')
          throw new UnavailableError('The queue is unavailable; retry the same batch (it is idempotent)')
        }
      }
      if (outcome.changes.length > 0) ctx.publishParcels(outcome.changes)
      const { result } = outcome
      const status = result.accepted === 0 && result.rejected.length > 0 ? 422 : 200
      ctx.metrics.ingestEvents.inc({ outcome: 'accepted' }, result.accepted)
      ctx.metrics.ingestEvents.inc({ outcome: 'rejected' }, result.rejected.length)
      ctx.metrics.ingestBatches.inc({ status })
      res.status(status).json(result)
    },
  },
  {
    method: 'get',
    path: '/api/v1/shipments/:waybill',
    hubScope: 'none',
    roles: [...LOOKUP_ROLES, 'finance'],
    audit: { kind: 'unmask', action: 'parcel.unmask' },
    async handler(ctx, req, res) {
      const view = await getShipment(ctx.db, ctx.reference, String(req.params.waybill), req.principal!.role, new Date())
      if (!view.masked) noteAudit(res, { target: view.waybill, details: { waybills: [view.waybill] } })
      res.json(view)
    },
  },
  {
    method: 'get',
    path: '/api/v1/track',
    hubScope: 'none',
    roles: LOOKUP_ROLES,
    audit: { kind: 'unmask', action: 'parcel.search_unmask' },
    async handler(ctx, req, res) {
      const q = typeof req.query.q === 'string' ? req.query.q : ''
      const found = await track(ctx.db, ctx.reference, q, req.principal!.role, new Date())
      // The query itself may be a name or a phone number: only what was shown is logged.
      const shown = found.results.filter((r) => !r.masked).map((r) => r.waybill)
      if (shown.length > 0)
        noteAudit(res, {
          target: shown.length === 1 ? shown[0]! : `${shown.length} parcels`,
          details: { waybills: shown },
        })
      res.json(found)
    },
  },
  {
    method: 'get',
    path: '/api/v1/admin/calendar',
    hubScope: 'none',
    roles: ['admin', 'manager'],
    async handler(ctx, _req, res) {
      const calendar = await ctx.calendar.current()
      res.json({
        timeZone: 'Asia/Shanghai',
        cutoffHour: ctx.config.slaCutoffHour,
        officialDataYears: calendar.coveredYears,
        companyDays: await listCompanyDays(ctx.db),
      })
    },
  },
  {
    method: 'put',
    path: '/api/v1/admin/calendar/days/:day',
    hubScope: 'none',
    roles: ['admin'],
    audit: { kind: 'admin_action', action: 'calendar.set_day' },
    async handler(ctx, req, res) {
      const day = parseBody(dayParam, req.params.day)
      const { kind, note } = parseBody(companyDayBody, req.body)
      const p = req.principal!
      await upsertCompanyDay(ctx.db, { day, kind, note }, p.kind === 'user' ? p.userId : null)
      noteAudit(res, { target: day, details: { kind } })
      await calendarChanged(ctx)
      res.json({ day, kind, note, recomputing: true })
    },
  },
  {
    method: 'delete',
    path: '/api/v1/admin/calendar/days/:day',
    hubScope: 'none',
    roles: ['admin'],
    audit: { kind: 'admin_action', action: 'calendar.delete_day' },
    async handler(ctx, req, res) {
      const day = parseBody(dayParam, req.params.day)
      if (!(await deleteCompanyDay(ctx.db, day))) throw new NotFoundError(`No company day ${day}`)
      await calendarChanged(ctx)
      res.status(204).end()
    },
  },
  {
    // The database's own health (TimescaleDB jobs, aggregate staleness): the admins' warning banner reads it.
    method: 'get',
    path: '/api/v1/admin/db-health',
    hubScope: 'none',
    roles: ['admin'],
    async handler(ctx, _req, res) {
      const health = await readDbHealth(ctx.db, !ctx.config.databaseUrl)
      res.json({ ...summarizeDbHealth(health), detail: health })
    },
  },
  {
    method: 'get',
    path: '/api/v1/admin/sla-settings',
    hubScope: 'none',
    roles: ['admin', 'manager'],
    async handler(ctx, _req, res) {
      res.json({ settings: settingsView(await ctx.slaSettings.current()) })
    },
  },
  {
    method: 'put',
    path: '/api/v1/admin/sla-settings',
    hubScope: 'none',
    roles: ['admin'],
    audit: { kind: 'admin_action', action: 'sla_settings.update' },
    async handler(ctx, req, res) {
      const input = parseBody(slaSettingsSchema, req.body)
      noteAudit(res, { target: 'sla-settings', details: { settings: input } })
      const p = req.principal!
      res.json({ settings: settingsView(await ctx.slaSettings.update(input, p.kind === 'user' ? p.userId : null)) })
    },
  },
  {
    method: 'get',
    path: '/api/v1/kpis',
    hubScope: 'none',
    roles: [...EVERYONE, 'display'],
    async handler(ctx, _req, res) {
      res.json(await kpiSnapshot(ctx.db, new Date()))
    },
  },
]

/** The route table: one place that says who may call what (the security tests read it). */
export const ROUTES: RouteDef[] = [
  ...CORE_ROUTES,
  ...ALERT_ROUTES,
  ...INCIDENT_ROUTES,
  ...WEBHOOK_ROUTES,
  ...HANDOFF_ROUTES,
  ...HANDOVER_ROUTES,
  ...DISPLAY_ROUTES,
  ...ACCOUNT_ROUTES,
  ...COMPLAINT_ROUTES,
  ...CLAIM_ROUTES,
  ...FINANCE_ROUTES,
  ...SLA_ROUTES,
]
