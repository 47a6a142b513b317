import { z } from 'zod'
import { CLAIM_STATES } from '../../contract/enums.ts'
import { CLAIM_REASONS } from '../domain/claims.ts'
import type { Role } from '../domain/roles.ts'
import { ConflictError } from '../lib/errors.ts'
import { actOnClaim, getClaim, listClaimsFor, openClaim } from '../services/claims.ts'
import { parseBody, userIdOf, type RouteDef, idParam } from './route-kit.ts'

/** Customer service opens claims for customers; managers and finance approve; finance pays (manual 4.3.2, 7.1). */
const OPENERS: readonly Role[] = ['admin', 'manager', 'cs_operator']
const READERS: readonly Role[] = ['admin', 'manager', 'cs_operator', 'finance']
const APPROVERS: readonly Role[] = ['admin', 'manager', 'finance']
const PAYERS: readonly Role[] = ['admin', 'finance']

const STATES = CLAIM_STATES
const waybill = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9]{6,32}$/, 'a waybill number')
const openBody = z.strictObject({
  waybill,
  reason: z.enum(CLAIM_REASONS),
  damagePercent: z.number().int().min(1).max(100).optional(),
  note: z.string().trim().max(2000).default(''),
})
const decideBody = z.strictObject({ note: z.string().trim().min(1, 'give the reason').max(2000) })
/** Approval may settle a damaged parcel's share as agreed with the customer (manual 4.3.2); the amount follows the rule. */
const approveBody = decideBody.extend({ damagePercent: z.number().int().min(1).max(100).optional() })
const payBody = z.strictObject({
  paymentRef: z.string().trim().min(1, 'the payment reference (bank transfer, voucher)').max(80),
  note: z.string().trim().max(2000).default(''),
})
const listQuery = z.strictObject({
  state: z.enum(['active', 'all', ...STATES]).default('active'),
  waybill: waybill.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(200),
})

function personOf(req: Parameters<RouteDef['handler']>[1]): number {
  const userId = userIdOf(req)
  if (userId === null) throw new ConflictError('Only a person can do this')
  return userId
}

export const CLAIM_ROUTES: RouteDef[] = [
  {
    method: 'post',
    path: '/api/v1/claims',
    hubScope: 'none',
    roles: OPENERS,
    async handler(ctx, req, res) {
      const b = parseBody(openBody, req.body)
      const id = await openClaim(ctx.db, {
        waybill: b.waybill,
        reason: b.reason,
        damagePercent: b.damagePercent,
        note: b.note,
        userId: personOf(req),
        now: new Date(),
      })
      res.status(201).json({ claim: await getClaim(ctx.db, id) })
    },
  },
  {
    method: 'get',
    path: '/api/v1/claims',
    hubScope: 'none',
    roles: READERS,
    async handler(ctx, req, res) {
      const q = parseBody(listQuery, req.query)
      const states = q.state === 'all' ? STATES : q.state === 'active' ? (['open', 'approved'] as const) : [q.state]
      res.json({ claims: await listClaimsFor(ctx.db, { states, waybill: q.waybill, limit: q.limit }) })
    },
  },
  {
    method: 'get',
    path: '/api/v1/claims/:id',
    hubScope: 'none',
    roles: READERS,
    async handler(ctx, req, res) {
      res.json({ claim: await getClaim(ctx.db, parseBody(idParam, req.params.id)) })
    },
  },
  ...(['approve', 'reject'] as const).map((action): RouteDef => ({
    method: 'post',
    path: `/api/v1/claims/:id/${action}`,
    hubScope: 'none',
    roles: APPROVERS,
    async handler(ctx, req, res) {
      const id = parseBody(idParam, req.params.id)
      const { note, damagePercent } =
        action === 'approve'
          ? parseBody(approveBody, req.body)
          : { ...parseBody(decideBody, req.body), damagePercent: undefined }
      await actOnClaim(ctx.db, {
        id,
        action,
        userId: personOf(req),
        note,
        paymentRef: null,
        now: new Date(),
        damagePercent,
      })
      res.json({ claim: await getClaim(ctx.db, id) })
    },
  })),
  {
    method: 'post',
    path: '/api/v1/claims/:id/pay',
    hubScope: 'none',
    roles: PAYERS,
    async handler(ctx, req, res) {
      const id = parseBody(idParam, req.params.id)
      const { paymentRef, note } = parseBody(payBody, req.body)
      await actOnClaim(ctx.db, { id, action: 'pay', userId: personOf(req), note, paymentRef, now: new Date() })
      res.json({ claim: await getClaim(ctx.db, id) })
    },
  },
]
