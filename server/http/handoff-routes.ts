import { z } from 'zod'
import { HANDOFF_STATES } from '../../contract/enums.ts'
import type { Role } from '../domain/roles.ts'
import { ConflictError } from '../lib/errors.ts'
import { completeHandoff, createHandoff, getHandoff, listHandoffsFor } from '../services/handoffs.ts'
import { hubScopeOf, noteAudit, parseBody, userIdOf, type RouteDef, idParam } from './route-kit.ts'

/** On-call hands parcels over; customer service works through them. */
const SENDERS: readonly Role[] = ['admin', 'manager', 'on_call']
const READERS: readonly Role[] = ['admin', 'manager', 'cs_operator', 'on_call']
const CLOSERS: readonly Role[] = ['admin', 'manager', 'cs_operator']

const MAX_WAYBILLS = 500
const handoffBody = z.strictObject({
  waybills: z
    .array(z.string().trim().min(1).max(40))
    .min(1, 'select at least one parcel')
    .max(MAX_WAYBILLS, `at most ${MAX_WAYBILLS} parcels at a time`),
  note: z.string().trim().min(1, 'tell customer service what to say or do').max(2000),
})
const doneBody = z.strictObject({ comment: z.string().trim().min(1, 'say what was done').max(2000) })
const listQuery = z.strictObject({
  state: z.enum([...HANDOFF_STATES, 'all']).default('open'),
  alert: idParam.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(100),
})

/** Hand-offs show recipients in clear to customer service: the audit log names the parcels shown. */
function noteShown(
  res: Parameters<RouteDef['handler']>[2],
  handoffs: ReadonlyArray<{ id: number; masked: boolean; parcels: ReadonlyArray<{ waybill: string }> }>,
): void {
  const shown = handoffs.filter((h) => !h.masked)
  const waybills = shown.flatMap((h) => h.parcels.map((p) => p.waybill))
  if (waybills.length > 0)
    noteAudit(res, {
      target: shown.length === 1 ? `handoff=${shown[0]!.id}` : `${shown.length} hand-offs`,
      details: { handoffs: shown.map((h) => h.id), waybills },
    })
}

function personOf(req: Parameters<RouteDef['handler']>[1]): number {
  const userId = userIdOf(req)
  if (userId === null) throw new ConflictError('Only a person can do this')
  return userId
}

export const HANDOFF_ROUTES: RouteDef[] = [
  {
    method: 'post',
    path: '/api/v1/alerts/:id/handoffs',
    hubScope: 'enforced',
    roles: SENDERS,
    audit: { kind: 'unmask', action: 'handoff.unmask' },
    async handler(ctx, req, res) {
      const alertId = parseBody(idParam, req.params.id)
      const { waybills, note } = parseBody(handoffBody, req.body)
      const id = await createHandoff(ctx.db, {
        alertId,
        waybills,
        note,
        userId: personOf(req),
        now: new Date(),
        scopeHub: hubScopeOf(req),
      })
      const handoff = await getHandoff(ctx.db, id, req.principal!.role)
      noteShown(res, [handoff])
      res.status(201).json({ handoff })
    },
  },
  {
    method: 'get',
    path: '/api/v1/handoffs',
    hubScope: 'filtered',
    roles: READERS,
    audit: { kind: 'unmask', action: 'handoff.unmask' },
    async handler(ctx, req, res) {
      const q = parseBody(listQuery, req.query)
      const states = q.state === 'all' ? (['open', 'done'] as const) : ([q.state] as const)
      const handoffs = await listHandoffsFor(
        ctx.db,
        { states, alertId: q.alert, limit: q.limit, scopeHub: hubScopeOf(req) },
        req.principal!.role,
      )
      noteShown(res, handoffs)
      res.json({ handoffs })
    },
  },
  {
    method: 'post',
    path: '/api/v1/handoffs/:id/done',
    hubScope: 'enforced',
    roles: CLOSERS,
    audit: { kind: 'unmask', action: 'handoff.unmask' },
    async handler(ctx, req, res) {
      const id = parseBody(idParam, req.params.id)
      const { comment } = parseBody(doneBody, req.body)
      await completeHandoff(ctx.db, id, personOf(req), comment, new Date(), hubScopeOf(req))
      const handoff = await getHandoff(ctx.db, id, req.principal!.role)
      noteShown(res, [handoff])
      res.json({ handoff })
    },
  },
]
