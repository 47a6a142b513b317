import { z } from 'zod'
import type { Request } from 'express'
import type { Role } from '../domain/roles.ts'
import { NotFoundError } from '../lib/errors.ts'
import type { AppContext } from '../context.ts'
import {
  createSilence,
  createWindow,
  endSilence,
  listSilences,
  listWindows,
  openIncident,
  removeWindow,
  type Actor,
} from '../services/alerts.ts'
import { hubScopeOf, noteAudit, parseBody, userIdOf, type RouteDef, idParam } from './route-kit.ts'

const READERS: readonly Role[] = ['admin', 'manager', 'control_room', 'on_call', 'cs_operator']
const RESPONDERS: readonly Role[] = ['admin', 'manager', 'on_call']
/**
 * A recurring window mutes pages every week until someone removes it: a standing
 * decision for an admin or a manager. On-call staff mute one stretch with a silence.
 */
const WINDOW_KEEPERS: readonly Role[] = ['admin', 'manager']
const hubCode = z.string().regex(/^[A-Z0-9-]{2,16}$/)

const incidentBody = z.strictObject({
  hub: hubCode,
  kind: z.enum(['emergency', 'equipment_failure', 'weather', 'other']),
  title: z.string().trim().min(3).max(200),
  comment: z.string().trim().max(2000).default(''),
})

const silenceBody = z
  .strictObject({
    rule: z
      .string()
      .regex(/^[a-z_]{1,40}$/)
      .optional(),
    hub: hubCode.optional(),
    startsAt: z.iso.datetime({ offset: true }).optional(),
    endsAt: z.iso.datetime({ offset: true }),
    kind: z.enum(['silence', 'maintenance']).default('silence'),
    comment: z.string().trim().min(1, 'say why').max(500),
  })
  .refine((s) => s.rule !== undefined || s.hub !== undefined, { message: 'a silence needs a rule, a hub or both' })

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'time of day HH:MM')

const windowBody = z
  .strictObject({
    hub: hubCode.optional(),
    rule: z
      .string()
      .regex(/^[a-z_]{1,40}$/)
      .optional(),
    /** ISO weekdays on which it starts (1 = Monday … 7 = Sunday); empty or absent: every day. */
    days: z.array(z.int().min(1).max(7)).max(7).default([]),
    start: timeOfDay,
    end: timeOfDay,
    comment: z.string().trim().min(1, 'say why').max(500),
  })
  .refine((w) => w.rule !== undefined || w.hub !== undefined, {
    message: 'a window needs a hub, a rule or both',
    path: ['hub'],
  })
  .refine((w) => w.start !== w.end, { message: 'same as start', path: ['end'] })

const actorOf = (req: Request): Actor => ({ userId: userIdOf(req), scopeHub: hubScopeOf(req) })

function knownHub(ctx: AppContext, hub: string | undefined): void {
  if (hub !== undefined && !ctx.reference.hub(hub)) throw new NotFoundError(`No hub with code ${hub}`)
}

function incidentInput(ctx: AppContext, req: Request) {
  const b = parseBody(incidentBody, req.body)
  knownHub(ctx, b.hub)
  return {
    hub: b.hub,
    kind: b.kind,
    title: b.title,
    comment: b.comment,
    actor: actorOf(req),
    now: new Date(),
    escalateAfterMs: ctx.config.sla.escalateAfterMs,
  }
}

function silenceInput(ctx: AppContext, req: Request) {
  const b = parseBody(silenceBody, req.body)
  knownHub(ctx, b.hub)
  const startsAt = b.startsAt ? new Date(b.startsAt) : new Date()
  return {
    rule: b.rule ?? null,
    hubCode: b.hub ?? null,
    startsAt,
    endsAt: new Date(b.endsAt),
    kind: b.kind,
    comment: b.comment,
    actor: actorOf(req),
  }
}

function windowInput(ctx: AppContext, req: Request) {
  const b = parseBody(windowBody, req.body)
  knownHub(ctx, b.hub)
  return {
    hubCode: b.hub ?? null,
    rule: b.rule ?? null,
    days: b.days,
    start: b.start,
    end: b.end,
    comment: b.comment,
    actor: actorOf(req),
    now: new Date(),
  }
}

/** Incidents, silences and maintenance windows: each one call of the alert service (server/services/alerts.ts). */
export const INCIDENT_ROUTES: RouteDef[] = [
  {
    // Manual incidents (manual 2.3.3, 8.3): same lifecycle as any alert; while open they mute the
    // parcel-level alerts of their hub, which they explain.
    method: 'post',
    path: '/api/v1/incidents',
    hubScope: 'enforced',
    roles: RESPONDERS,
    async handler(ctx, req, res) {
      res.status(201).json({ alert: await openIncident(ctx, incidentInput(ctx, req)) })
    },
  },
  {
    method: 'get',
    path: '/api/v1/silences',
    hubScope: 'filtered',
    roles: READERS,
    async handler(ctx, req, res) {
      res.json({ silences: await listSilences(ctx.db, new Date(), hubScopeOf(req)) })
    },
  },
  {
    method: 'post',
    path: '/api/v1/silences',
    hubScope: 'enforced',
    roles: RESPONDERS,
    audit: { kind: 'admin_action', action: 'silence.create' },
    async handler(ctx, req, res) {
      const silence = await createSilence(ctx.db, silenceInput(ctx, req))
      noteAudit(res, {
        target: `id=${silence.id}`,
        details: {
          rule: silence.rule,
          hub: silence.hubCode,
          kind: silence.kind,
          startsAt: silence.startsAt,
          endsAt: silence.endsAt,
        },
      })
      res.status(201).json(silence)
    },
  },
  {
    method: 'delete',
    path: '/api/v1/silences/:id',
    hubScope: 'enforced',
    roles: RESPONDERS,
    audit: { kind: 'admin_action', action: 'silence.end' },
    async handler(ctx, req, res) {
      await endSilence(ctx.db, parseBody(idParam, req.params.id), new Date(), hubScopeOf(req))
      res.status(204).end()
    },
  },
  {
    // Recurring maintenance windows (maintenance_windows): hub and/or rule, weekdays, from–to Shanghai time.
    method: 'get',
    path: '/api/v1/maintenance-windows',
    hubScope: 'filtered',
    roles: READERS,
    async handler(ctx, req, res) {
      res.json({ windows: await listWindows(ctx.db, new Date(), hubScopeOf(req)) })
    },
  },
  {
    method: 'post',
    path: '/api/v1/maintenance-windows',
    hubScope: 'enforced',
    roles: WINDOW_KEEPERS,
    audit: { kind: 'admin_action', action: 'maintenance_window.create' },
    async handler(ctx, req, res) {
      const w = await createWindow(ctx.db, windowInput(ctx, req))
      noteAudit(res, {
        target: `id=${w.id}`,
        details: { hub: w.hubCode, rule: w.rule, days: w.days, start: w.start, end: w.end },
      })
      res.status(201).json(w)
    },
  },
  {
    method: 'delete',
    path: '/api/v1/maintenance-windows/:id',
    hubScope: 'enforced',
    roles: WINDOW_KEEPERS,
    audit: { kind: 'admin_action', action: 'maintenance_window.delete' },
    async handler(ctx, req, res) {
      const w = await removeWindow(ctx.db, parseBody(idParam, req.params.id), hubScopeOf(req))
      noteAudit(res, {
        target: `id=${w.id}`,
        details: { hub: w.hubCode, rule: w.rule, days: w.days, start: w.start, end: w.end },
      })
      res.status(204).end()
    },
  },
]
