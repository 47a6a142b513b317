import { z } from 'zod'
import type { Request } from 'express'
import type { Role } from '../domain/roles.ts'
import { NotFoundError } from '../lib/errors.ts'
import type { AppContext } from '../context.ts'
import { createSilence, endSilence, listSilences, openIncident, type Actor } from '../services/alerts.ts'
import { hubScopeOf, noteAudit, parseBody, userIdOf, type RouteDef, idParam } from './route-kit.ts'

const READERS: readonly Role[] = ['admin', 'manager', 'control_room', 'on_call', 'cs_operator']
const RESPONDERS: readonly Role[] = ['admin', 'manager', 'on_call']
const hubCode = z.string().regex(/^[A-Z0-9-]{2,16}$/)

const incidentBody = z.strictObject({
  hub: hubCode,
  kind: z.enum(['emergency', 'equipment_failure', 'weather', 'other']),
  title: z.string().trim().min(3).max(200),
  comment: z.string().trim().max(2000).default(''),
})

const silenceBody = z.strictObject({
  rule: z.string().regex(/^[a-z_]{1,40}$/).optional(),
  hub: hubCode.optional(),
  startsAt: z.iso.datetime({ offset: true }).optional(),
  endsAt: z.iso.datetime({ offset: true }),
  kind: z.enum(['silence', 'maintenance']).default('silence'),
  comment: z.string().trim().min(1, 'say why').max(500),
}).refine((s) => s.rule !== undefined || s.hub !== undefined, { message: 'a silence needs a rule, a hub or both' })

const actorOf = (req: Request): Actor => ({ userId: userIdOf(req), scopeHub: hubScopeOf(req) })

function knownHub(ctx: AppContext, hub: string | undefined): void {
  if (hub !== undefined && !ctx.reference.hub(hub)) throw new NotFoundError(`No hub with code ${hub}`)
}

function incidentInput(ctx: AppContext, req: Request) {
  const b = parseBody(incidentBody, req.body)
  knownHub(ctx, b.hub)
  return { hub: b.hub, kind: b.kind, title: b.title, comment: b.comment, actor: actorOf(req), now: new Date(), escalateAfterMs: ctx.config.sla.escalateAfterMs }
}

function silenceInput(ctx: AppContext, req: Request) {
  const b = parseBody(silenceBody, req.body)
  knownHub(ctx, b.hub)
  const startsAt = b.startsAt ? new Date(b.startsAt) : new Date()
  return { rule: b.rule ?? null, hubCode: b.hub ?? null, startsAt, endsAt: new Date(b.endsAt), kind: b.kind, comment: b.comment, actor: actorOf(req) }
}

/** Incidents and silences: each one call of the alert service (server/services/alerts.ts). */
export const INCIDENT_ROUTES: RouteDef[] = [
  {
    // Manual incidents (manual 2.3.3, 8.3): same lifecycle as any alert; while open they mute the
    // parcel-level alerts of their hub, which they explain.
    method: 'post', path: '/api/v1/incidents', hubScope: 'enforced', roles: RESPONDERS,
    async handler(ctx, req, res) { res.status(201).json({ alert: await openIncident(ctx, incidentInput(ctx, req)) }) },
  },
  {
    method: 'get', path: '/api/v1/silences', hubScope: 'filtered', roles: READERS,
    async handler(ctx, req, res) { res.json({ silences: await listSilences(ctx.db, new Date(), hubScopeOf(req)) }) },
  },
  {
    method: 'post', path: '/api/v1/silences', hubScope: 'enforced', roles: RESPONDERS,
    audit: { kind: 'admin_action', action: 'silence.create' },
    async handler(ctx, req, res) {
      const silence = await createSilence(ctx.db, silenceInput(ctx, req))
      noteAudit(res, { target: `id=${silence.id}`, details: { rule: silence.rule, hub: silence.hubCode, kind: silence.kind, startsAt: silence.startsAt, endsAt: silence.endsAt } })
      res.status(201).json(silence)
    },
  },
  {
    method: 'delete', path: '/api/v1/silences/:id', hubScope: 'enforced', roles: RESPONDERS,
    audit: { kind: 'admin_action', action: 'silence.end' },
    async handler(ctx, req, res) {
      await endSilence(ctx.db, parseBody(idParam, req.params.id), new Date(), hubScopeOf(req))
      res.status(204).end()
    },
  },
]
