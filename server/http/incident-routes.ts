import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import type { Role } from '../domain/roles.ts'
import { BadRequestError, ForbiddenError, NotFoundError } from '../lib/errors.ts'
import { upsertAlerts } from '../db/alerts-repo.ts'
import { withTransaction } from '../db/tx.ts'
import { notifyInTransaction } from '../services/sla-sweep.ts'
import { endSilence, insertSilence, listSilences } from '../db/silences-repo.ts'
import { hubScopeOf, noteAudit, parseBody, userIdOf, type RouteDef, idParam } from './route-kit.ts'

/** A hub-scoped person raises incidents and silences at their own hub only (a silence without a hub would mute every hub). */
function checkHubScope(req: Parameters<RouteDef['handler']>[1], hub: string | undefined): void {
  const scope = hubScopeOf(req)
  if (scope !== null && hub !== scope) throw new ForbiddenError(`You act for hub ${scope} only: name hub ${scope}`)
}

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

export const INCIDENT_ROUTES: RouteDef[] = [
  {
    // Manual incidents (manual 2.3.3, 8.3): same lifecycle as any alert; while open they mute the
    // parcel-level alerts of their hub, which they explain.
    method: 'post', path: '/api/v1/incidents', hubScope: 'enforced', roles: RESPONDERS,
    async handler(ctx, req, res) {
      const b = parseBody(incidentBody, req.body)
      if (!ctx.reference.hub(b.hub)) throw new NotFoundError(`No hub with code ${b.hub}`)
      checkHubScope(req, b.hub)
      const now = new Date()
      const subject = `incident:${randomUUID()}`
      const change = await withTransaction(ctx.db, { name: 'incident' }, async (client) => {
        const [opened] = await upsertAlerts(client, 'incident', [{
          subject, hubCode: b.hub, severity: 'critical', title: b.title, itemCount: 0, details: { kind: b.kind, comment: b.comment },
        }], now, ctx.config.sla.escalateAfterMs)
        await client.query(`UPDATE alert_history SET user_id = $2, comment = $3 WHERE alert_id = $1 AND action = 'opened'`, [opened!.id, userIdOf(req), b.comment])
        await notifyInTransaction(client, [opened!], now)
        return opened!
      })
      await ctx.publishAlerts({ at: now.toISOString(), changes: [change] })
      res.status(201).json({ alert: change })
    },
  },
  {
    method: 'get', path: '/api/v1/silences', hubScope: 'filtered', roles: READERS,
    async handler(ctx, req, res) { res.json({ silences: await listSilences(ctx.db, new Date(), hubScopeOf(req)) }) },
  },
  {
    method: 'post', path: '/api/v1/silences', hubScope: 'enforced', roles: RESPONDERS,
    audit: { kind: 'admin_action', action: 'silence.create' },
    async handler(ctx, req, res) {
      const b = parseBody(silenceBody, req.body)
      const now = new Date()
      const startsAt = b.startsAt ? new Date(b.startsAt) : now
      const endsAt = new Date(b.endsAt)
      if (endsAt <= startsAt) throw new BadRequestError('endsAt must be after startsAt')
      if (b.hub && !ctx.reference.hub(b.hub)) throw new NotFoundError(`No hub with code ${b.hub}`)
      checkHubScope(req, b.hub)
      const id = await insertSilence(ctx.db, { rule: b.rule ?? null, hubCode: b.hub ?? null, startsAt, endsAt, kind: b.kind, comment: b.comment }, userIdOf(req))
      noteAudit(res, { target: `id=${id}`, details: { rule: b.rule ?? null, hub: b.hub ?? null, kind: b.kind, startsAt, endsAt } })
      res.status(201).json({ id, rule: b.rule ?? null, hubCode: b.hub ?? null, startsAt, endsAt, kind: b.kind, comment: b.comment })
    },
  },
  {
    method: 'delete', path: '/api/v1/silences/:id', hubScope: 'enforced', roles: RESPONDERS,
    audit: { kind: 'admin_action', action: 'silence.end' },
    async handler(ctx, req, res) {
      const id = parseBody(idParam, req.params.id)
      if (!(await endSilence(ctx.db, id, new Date(), hubScopeOf(req)))) throw new NotFoundError(`No active silence ${id}`)
      res.status(204).end()
    },
  },
]
