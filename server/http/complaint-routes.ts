import { z } from 'zod'
import { listCategories, setCategoryLimit } from '../db/complaints-repo.ts'
import { COMPLAINT_CHANNELS, COMPLAINT_STATES, UNANSWERED } from '../domain/complaints.ts'
import type { Role } from '../domain/roles.ts'
import { ConflictError, NotFoundError } from '../lib/errors.ts'
import { getComplaint, listComplaintsFor, moveComplaintOn, openComplaint } from '../services/complaints.ts'
import { recordParcelFeedback, satisfactionTrend } from '../services/satisfaction.ts'
import { noteAudit, parseBody, userIdOf, type RouteDef, idParam } from './route-kit.ts'

/** Customer service takes and handles complaints; managers oversee; on-call reads them (their alerts). */
const HANDLERS: readonly Role[] = ['admin', 'manager', 'cs_operator']
const READERS: readonly Role[] = ['admin', 'manager', 'cs_operator', 'on_call']
/** Scores come from surveys and integrations (manual 5.2) and from customer service. */
const FEEDBACK_WRITERS: readonly Role[] = ['admin', 'manager', 'cs_operator', 'integrator']
/** The SLA page (managers) and customer service read the trend. */
const TREND_READERS: readonly Role[] = ['admin', 'manager', 'cs_operator']

const waybill = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9]{6,32}$/, 'a waybill number')
const text = (max: number) => z.string().trim().max(max)
const complaintBody = z.strictObject({
  channel: z.enum(COMPLAINT_CHANNELS),
  category: z.string().trim().min(1).max(32),
  waybill: waybill.nullish(),
  description: text(4000).min(1, 'describe the complaint'),
  contact: z
    .strictObject({
      name: text(80).nullish(),
      phone: text(40).nullish(),
      email: z.email().max(200).nullish(),
    })
    .default({}),
})
const moveBody = z.strictObject({
  to: z.enum(COMPLAINT_STATES),
  note: text(2000).min(1, 'say what was done'),
  satisfaction: z.number().int().min(1).max(5).nullish(),
})
const listQuery = z.strictObject({
  state: z.enum(['open', 'overdue', 'all', ...COMPLAINT_STATES]).default('open'),
  waybill: waybill.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(200),
})
const categoryBody = z.strictObject({ limitHours: z.number().int().min(1).max(720) })
const feedbackBody = z.strictObject({ waybill, score: z.number().int().min(1).max(5), comment: text(2000).default('') })
const day = z.iso.date('a day as YYYY-MM-DD')
const trendQuery = z
  .strictObject({ from: day, to: day })
  .refine((q) => q.from <= q.to, 'from must not be after to')
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 366 * 86_400_000, 'at most 367 days')

function personOf(req: Parameters<RouteDef['handler']>[1]): number {
  const userId = userIdOf(req)
  if (userId === null) throw new ConflictError('Only a person can do this')
  return userId
}

/** Complaints show the caller's name, phone and e-mail in clear to admin and customer service: the audit log names the complaints shown (ids only). */
function noteShown(
  res: Parameters<RouteDef['handler']>[2],
  complaints: ReadonlyArray<{
    id: number
    masked: boolean
    contactName: string | null
    contactPhone: string | null
    contactEmail: string | null
  }>,
): void {
  const shown = complaints
    .filter((c) => !c.masked && (c.contactName !== null || c.contactPhone !== null || c.contactEmail !== null))
    .map((c) => c.id)
  if (shown.length > 0)
    noteAudit(res, {
      target: shown.length === 1 ? `complaint=${shown[0]}` : `${shown.length} complaints`,
      details: { complaints: shown },
    })
}
const UNMASK = { kind: 'unmask', action: 'complaint.unmask' } as const

export const COMPLAINT_ROUTES: RouteDef[] = [
  {
    method: 'get',
    path: '/api/v1/complaint-categories',
    hubScope: 'none',
    roles: READERS,
    async handler(ctx, _req, res) {
      res.json({ categories: await listCategories(ctx.db) })
    },
  },
  {
    method: 'put',
    path: '/api/v1/admin/complaint-categories/:code',
    hubScope: 'none',
    roles: ['admin'],
    async handler(ctx, req, res) {
      const { limitHours } = parseBody(categoryBody, req.body)
      const code = String(req.params.code)
      if (!(await setCategoryLimit(ctx.db, code, limitHours, userIdOf(req), new Date())))
        throw new NotFoundError(`No complaint category ${code}`)
      res.json({ categories: await listCategories(ctx.db) })
    },
  },
  {
    method: 'post',
    path: '/api/v1/complaints',
    hubScope: 'none',
    roles: HANDLERS,
    audit: UNMASK,
    async handler(ctx, req, res) {
      const b = parseBody(complaintBody, req.body)
      const now = new Date()
      const id = await openComplaint(ctx.db, {
        channel: b.channel,
        category: b.category,
        waybill: b.waybill ?? null,
        description: b.description,
        contactName: b.contact.name || null,
        contactPhone: b.contact.phone || null,
        contactEmail: b.contact.email || null,
        receivedAt: now,
        createdBy: personOf(req),
      })
      const complaint = await getComplaint(ctx.db, id, req.principal!.role, now)
      noteShown(res, [complaint])
      res.status(201).json({ complaint })
    },
  },
  {
    method: 'get',
    path: '/api/v1/complaints',
    hubScope: 'none',
    roles: READERS,
    audit: UNMASK,
    async handler(ctx, req, res) {
      const q = parseBody(listQuery, req.query)
      const now = new Date()
      // open: everything not closed yet; overdue: unanswered past the limit.
      const states =
        q.state === 'all'
          ? COMPLAINT_STATES
          : q.state === 'open'
            ? COMPLAINT_STATES.filter((s) => s !== 'closed')
            : q.state === 'overdue'
              ? UNANSWERED
              : [q.state]
      const complaints = await listComplaintsFor(
        ctx.db,
        { states, waybill: q.waybill, overdueAt: q.state === 'overdue' ? now : undefined, limit: q.limit },
        req.principal!.role,
        now,
      )
      noteShown(res, complaints)
      res.json({ complaints })
    },
  },
  {
    method: 'get',
    path: '/api/v1/complaints/:id',
    hubScope: 'none',
    roles: READERS,
    audit: UNMASK,
    async handler(ctx, req, res) {
      const complaint = await getComplaint(ctx.db, parseBody(idParam, req.params.id), req.principal!.role, new Date())
      noteShown(res, [complaint])
      res.json({ complaint })
    },
  },
  {
    method: 'post',
    path: '/api/v1/complaints/:id/transition',
    hubScope: 'none',
    roles: HANDLERS,
    audit: UNMASK,
    async handler(ctx, req, res) {
      const id = parseBody(idParam, req.params.id)
      const b = parseBody(moveBody, req.body)
      const now = new Date()
      const settings = await ctx.slaSettings.current()
      const changes = await moveComplaintOn(ctx.db, {
        id,
        to: b.to,
        note: b.note,
        satisfaction: b.satisfaction ?? null,
        userId: personOf(req),
        now,
        escalateAfterMs: settings.escalateAfterMs,
      })
      if (changes.length > 0) await ctx.publishAlerts({ at: now.toISOString(), changes, escalated: [] })
      const complaint = await getComplaint(ctx.db, id, req.principal!.role, now)
      noteShown(res, [complaint])
      res.json({ complaint })
    },
  },
  {
    method: 'post',
    path: '/api/v1/feedback',
    hubScope: 'none',
    roles: FEEDBACK_WRITERS,
    async handler(ctx, req, res) {
      const b = parseBody(feedbackBody, req.body)
      const id = await recordParcelFeedback(ctx.db, {
        waybill: b.waybill,
        score: b.score,
        comment: b.comment,
        userId: userIdOf(req),
        now: new Date(),
      })
      res.status(201).json({ feedback: { id, waybill: b.waybill, score: b.score } })
    },
  },
  {
    method: 'get',
    path: '/api/v1/satisfaction/trend',
    hubScope: 'none',
    roles: TREND_READERS,
    async handler(ctx, req, res) {
      const q = parseBody(trendQuery, req.query)
      res.json(await satisfactionTrend(ctx.db, q.from, q.to))
    },
  },
]
