import { z } from 'zod'
import { ALERT_STATE_FILTERS, SEVERITIES } from '../../contract/enums.ts'
import type { Request } from 'express'
import type { Role } from '../domain/roles.ts'
import type { PersonAction } from '../domain/alert-lifecycle.ts'
import { alertDetail, listAlerts, moveAlert, type PersonMove } from '../services/alerts.ts'
import { hubScopeOf, parseBody, userIdOf, type RouteDef, idParam } from './route-kit.ts'

const READERS: readonly Role[] = ['admin', 'manager', 'control_room', 'on_call', 'cs_operator']
const RESPONDERS: readonly Role[] = ['admin', 'manager', 'on_call']

const listQuery = z.strictObject({
  state: z.enum(ALERT_STATE_FILTERS).default('active'),
  severity: z.enum(SEVERITIES).optional(),
  rule: z
    .string()
    .regex(/^[a-z_]{1,40}$/)
    .optional(),
  hub: z
    .string()
    .regex(/^[A-Z0-9-]{2,16}$/)
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
})
const STATES: Record<string, string[]> = { active: ['open', 'acknowledged'], all: ['open', 'acknowledged', 'resolved'] }
const commentBody = z.strictObject({ comment: z.string().trim().min(1, 'say what you did or why').max(2000) })

/** A person's move as the request states it: the alert id, the comment, who and for which hub. */
function personMove(req: Request, action: PersonAction): PersonMove {
  const id = parseBody(idParam, req.params.id)
  const { comment } = parseBody(commentBody, req.body)
  return { id, action, comment, actor: { userId: userIdOf(req), scopeHub: hubScopeOf(req) }, now: new Date() }
}

function listFilter(req: Request) {
  const q = parseBody(listQuery, req.query)
  return {
    states: STATES[q.state] ?? [q.state],
    severity: q.severity,
    rule: q.rule,
    hub: q.hub,
    limit: q.limit,
    scopeHub: hubScopeOf(req),
  }
}

/** The alert routes: each one call of the alert service (server/services/alerts.ts). */
export const ALERT_ROUTES: RouteDef[] = [
  {
    // The wall screen's ticker reads the list too.
    method: 'get',
    path: '/api/v1/alerts',
    hubScope: 'filtered',
    roles: [...READERS, 'display'],
    async handler(ctx, req, res) {
      res.json({ alerts: await listAlerts(ctx.db, listFilter(req)) })
    },
  },
  {
    method: 'get',
    path: '/api/v1/alerts/:id',
    hubScope: 'enforced',
    roles: READERS,
    async handler(ctx, req, res) {
      res.json(await alertDetail(ctx.db, parseBody(idParam, req.params.id), hubScopeOf(req)))
    },
  },
  {
    method: 'post',
    path: '/api/v1/alerts/:id/acknowledge',
    hubScope: 'enforced',
    roles: RESPONDERS,
    async handler(ctx, req, res) {
      res.json({ alert: await moveAlert(ctx, personMove(req, 'acknowledge')) })
    },
  },
  {
    method: 'post',
    path: '/api/v1/alerts/:id/resolve',
    hubScope: 'enforced',
    roles: RESPONDERS,
    async handler(ctx, req, res) {
      res.json({ alert: await moveAlert(ctx, personMove(req, 'resolve')) })
    },
  },
]
