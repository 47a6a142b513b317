import { z } from 'zod'
import type { Role } from '../domain/roles.ts'
import { BadRequestError } from '../lib/errors.ts'
import { handoverReport } from '../services/handover.ts'
import { hubScopeOf, type RouteDef } from './route-kit.ts'

/** The people who run a shift and take it over: the control room and on-call staff, and their managers. */
const HANDOVER_ROLES: readonly Role[] = ['admin', 'manager', 'control_room', 'on_call']

const isoTime = z.iso.datetime({
  offset: true,
  message: 'an ISO 8601 time with its offset, e.g. 2026-11-27T08:00:00+08:00',
})
const handoverQuery = z.strictObject({
  from: z.string({ message: 'required: the start of the window (ISO 8601)' }).pipe(isoTime),
  to: z.string({ message: 'required: the end of the window (ISO 8601)' }).pipe(isoTime),
})

/** Like parseBody, but the message itself names the parameter at fault ("from: required …"). */
function parseQuery(query: unknown) {
  const r = handoverQuery.safeParse(query)
  if (r.success) return { from: new Date(r.data.from), to: new Date(r.data.to) }
  const details = r.error.issues.map((i) => ({
    field: i.path.join('.') || (i.code === 'unrecognized_keys' ? i.keys.join(', ') : ''),
    message: i.message,
  }))
  throw new BadRequestError(`Invalid query: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, details)
}

export const HANDOVER_ROUTES: RouteDef[] = [
  {
    // GET /api/v1/handover?from=ISO&to=ISO: a shift's summary; a window reaching past now stops at now.
    method: 'get',
    path: '/api/v1/handover',
    hubScope: 'filtered',
    roles: HANDOVER_ROLES,
    async handler(ctx, req, res) {
      const { from, to } = parseQuery(req.query)
      res.json(await handoverReport(ctx.db, from, to, new Date(), hubScopeOf(req)))
    },
  },
]
