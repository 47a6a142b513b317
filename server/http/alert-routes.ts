import { z } from 'zod'
import type { Role } from '../domain/roles.ts'
import { ConflictError, NotFoundError } from '../lib/errors.ts'
import { alertHistory, alertParcels, findAlert, listAlerts, transition } from '../db/alert-queries-repo.ts'
import { hubScopeOf, parseBody, userIdOf, type RouteDef, idParam } from './route-kit.ts'
import { enqueueAlertActions } from '../services/webhooks.ts'

const READERS: readonly Role[] = ['admin', 'manager', 'control_room', 'on_call', 'cs_operator']
const RESPONDERS: readonly Role[] = ['admin', 'manager', 'on_call']

const listQuery = z.strictObject({
  state: z.enum(['open', 'acknowledged', 'resolved', 'active', 'all']).default('active'),
  severity: z.enum(['info', 'warning', 'critical']).optional(),
  rule: z.string().regex(/^[a-z_]{1,40}$/).optional(),
  hub: z.string().regex(/^[A-Z0-9-]{2,16}$/).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
})
const STATES: Record<string, string[]> = { active: ['open', 'acknowledged'], all: ['open', 'acknowledged', 'resolved'] }
const commentBody = z.strictObject({ comment: z.string().trim().min(1, 'say what you did or why').max(2000) })

async function move(ctx: Parameters<RouteDef['handler']>[0], req: Parameters<RouteDef['handler']>[1], to: 'acknowledged' | 'resolved', from: string[]) {
  const id = parseBody(idParam, req.params.id)
  const { comment } = parseBody(commentBody, req.body)
  const userId = userIdOf(req)
  if (userId === null) throw new ConflictError('Only a person can do this')
  // Another hub's alert doesn't exist for a hub-scoped person: 404, as for a missing one.
  const scope = hubScopeOf(req)
  if (scope !== null && !(await findAlert(ctx.db, id, scope))) throw new NotFoundError(`No alert ${id}`)
  const now = new Date()
  if (!(await transition(ctx.db, id, to, from, userId, comment, now, (client) => enqueueAlertActions(client, [{ id, action: to }], now)))) {
    const alert = await findAlert(ctx.db, id)
    if (!alert) throw new NotFoundError(`No alert ${id}`)
    throw new ConflictError(`Alert ${id} is ${alert.state}; it can't become ${to}`)
  }
  const alert = await findAlert(ctx.db, id)
  // The hub lets the live channel give hub-scoped people their own hub's changes only.
  await ctx.publishAlerts({ at: new Date().toISOString(), changes: [{ id, action: to, hubCode: alert?.hubCode ?? null, rule: alert?.rule, severity: alert?.severity, title: alert?.title }] })
  return alert
}

export const ALERT_ROUTES: RouteDef[] = [
  {
    // The wall screen's ticker reads the list too.
    method: 'get', path: '/api/v1/alerts', hubScope: 'filtered', roles: [...READERS, 'display'],
    async handler(ctx, req, res) {
      const q = parseBody(listQuery, req.query)
      res.json({ alerts: await listAlerts(ctx.db, { states: STATES[q.state] ?? [q.state], severity: q.severity, rule: q.rule, hub: q.hub, limit: q.limit, scopeHub: hubScopeOf(req) }) })
    },
  },
  {
    method: 'get', path: '/api/v1/alerts/:id', hubScope: 'enforced', roles: READERS,
    async handler(ctx, req, res) {
      const id = parseBody(idParam, req.params.id)
      const alert = await findAlert(ctx.db, id, hubScopeOf(req))
      if (!alert) throw new NotFoundError(`No alert ${id}`)
      res.json({ alert, history: await alertHistory(ctx.db, id), parcels: await alertParcels(ctx.db, id, 500) })
    },
  },
  {
    method: 'post', path: '/api/v1/alerts/:id/acknowledge', hubScope: 'enforced', roles: RESPONDERS,
    async handler(ctx, req, res) { res.json({ alert: await move(ctx, req, 'acknowledged', ['open']) }) },
  },
  {
    method: 'post', path: '/api/v1/alerts/:id/resolve', hubScope: 'enforced', roles: RESPONDERS,
    async handler(ctx, req, res) { res.json({ alert: await move(ctx, req, 'resolved', ['open', 'acknowledged']) }) },
  },
]
