import { z } from 'zod'
import type { Role } from '../domain/roles.ts'
import { BadRequestError } from '../lib/errors.ts'
import { dayRange, RangeProblem, type DayRange } from '../domain/sla-range.ts'
import { BREAKDOWNS, BREAKDOWN_SORTS, OUTCOMES } from '../db/sla-repo.ts'
import { TRANSIT_EDGES } from '../domain/sla-transit.ts'
import {
  slaBreakdown,
  slaCauses,
  slaParcels,
  slaSummary,
  slaTransit,
  TIERS,
  TRANSIT_SORTS,
} from '../services/sla-report.ts'
import { fieldProblems, type RouteDef } from './route-kit.ts'
import { slaTimeLost } from '../services/time-lost.ts'
import { PATH_KINDS } from '../domain/segments.ts'

/** Managers review the SLA; admins may too. */
const SLA_ROLES: readonly Role[] = ['admin', 'manager']

const day = z.string({ message: 'required: a day as YYYY-MM-DD (Beijing time)' })
const tier = z.enum(TIERS).optional()
const code = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,24}$/, 'a hub or courier code')
  .optional()
const rangeFields = { from: day, to: day }

const summaryQuery = z.strictObject(rangeFields)
const breakdownQuery = z.strictObject({
  ...rangeFields,
  by: z.enum(BREAKDOWNS, { message: `one of ${BREAKDOWNS.join(', ')}` }),
  sort: z.enum(BREAKDOWN_SORTS, { message: `sortable columns: ${BREAKDOWN_SORTS.join(', ')}` }).default('closed'),
  dir: z.enum(['asc', 'desc']).default('desc'),
  tier,
})
const causesQuery = z.strictObject({ ...rangeFields, tier })
const timeLostQuery = z
  .strictObject({
    ...rangeFields,
    tier,
    /** The drill-down: a Pareto bar (kind and responsible: hub code, lane "A→B" or courier code)… */
    kind: z.enum(PATH_KINDS, { message: `one of ${PATH_KINDS.join(', ')}` }).optional(),
    responsible: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,24}(→[A-Za-z0-9-]{1,24})?$/, 'a hub, courier or lane code (A→B)')
      .optional(),
    /** …its parcels that lost time there (segment) or whose breach cause it is (cause). */
    match: z.enum(['segment', 'cause']).default('segment'),
    limit: z.coerce.number().int().min(0).max(5000).default(500),
    offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  })
  .refine((q) => (q.kind === undefined) === (q.responsible === undefined), {
    message: 'kind and responsible go together',
    path: ['responsible'],
  })
const transitQuery = z.strictObject({
  ...rangeFields,
  tier,
  sort: z.enum(TRANSIT_SORTS, { message: `sortable columns: ${TRANSIT_SORTS.join(', ')}` }).default('parcels'),
  limit: z.coerce.number().int().min(1).max(2000).default(100),
})
const parcelsQuery = z.strictObject({
  ...rangeFields,
  tier,
  hub: code,
  origin: code,
  region: z.string().min(1).max(40).optional(),
  courier: code,
  outcome: z.enum(OUTCOMES).optional(),
  cause: z
    .string()
    .regex(/^[a-z_]{1,24}$/)
    .optional(),
  delivered: z.enum(['true', 'false']).optional(),
  bucket: z.coerce.number().int().min(0).max(TRANSIT_EDGES.length).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
  /** Rows to skip (the drawer's "load more"): the order is stable (closing time, waybill). */
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
})

/** Parses a query; the message names the parameters at fault. A bad day range is a 400 too. */
function parseQuery<T extends { from: string; to: string }>(
  schema: z.ZodType<T>,
  query: unknown,
): T & { range: DayRange } {
  const r = schema.safeParse(query)
  if (!r.success) {
    const details = fieldProblems(r.error)
    throw new BadRequestError(`Invalid query: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, details)
  }
  try {
    return { ...r.data, range: dayRange(r.data.from, r.data.to) }
  } catch (err) {
    if (err instanceof RangeProblem)
      throw new BadRequestError(`Invalid range: ${err.message}`, [{ field: 'from, to', message: err.message }])
    throw err
  }
}

export const SLA_ROUTES: RouteDef[] = [
  {
    // GET /api/v1/sla/summary?from&to: on-time rate by tier, day by day, and the change against the period before.
    method: 'get',
    path: '/api/v1/sla/summary',
    hubScope: 'none',
    roles: SLA_ROLES,
    async handler(ctx, req, res) {
      const q = parseQuery(summaryQuery, req.query)
      res.json(await slaSummary(ctx.db, q.range))
    },
  },
  {
    // GET /api/v1/sla/breakdown?from&to&by=hub|region|courier&sort&dir&tier
    method: 'get',
    path: '/api/v1/sla/breakdown',
    hubScope: 'none',
    roles: SLA_ROLES,
    async handler(ctx, req, res) {
      const q = parseQuery(breakdownQuery, req.query)
      res.json(await slaBreakdown(ctx.db, q.range, q.by, q.sort, q.dir, q.tier ?? null))
    },
  },
  {
    // GET /api/v1/sla/causes?from&to&tier: late parcels by cause (Pareto), excused by consignee cause.
    method: 'get',
    path: '/api/v1/sla/causes',
    hubScope: 'none',
    roles: SLA_ROLES,
    async handler(ctx, req, res) {
      const q = parseQuery(causesQuery, req.query)
      res.json(await slaCauses(ctx.db, q.range, q.tier ?? null))
    },
  },
  {
    // GET /api/v1/sla/transit?from&to&tier&sort&limit: p50/p90/p99 transit hours by tier and by lane.
    method: 'get',
    path: '/api/v1/sla/transit',
    hubScope: 'none',
    roles: SLA_ROLES,
    async handler(ctx, req, res) {
      const q = parseQuery(transitQuery, req.query)
      res.json(await slaTransit(ctx.db, q.range, q.tier ?? null, q.sort, q.limit))
    },
  },
  {
    // GET /api/v1/sla/parcels?from&to&tier&hub&origin&region&courier&outcome&cause&delivered&bucket&limit&offset: the parcels behind a figure, a page at a time.
    method: 'get',
    path: '/api/v1/sla/parcels',
    hubScope: 'none',
    roles: SLA_ROLES,
    async handler(ctx, req, res) {
      const { range, limit, offset, delivered, from: _f, to: _t, ...filter } = parseQuery(parcelsQuery, req.query)
      res.json(await slaParcels(ctx.db, range, { ...filter, delivered: delivered === 'true' }, limit, offset))
    },
  },
  {
    // GET /api/v1/sla/time-lost?from&to&tier&kind&responsible&match&limit&offset: late parcels' excess over each
    // segment's p50 by hub, lane or courier (Pareto), breach causes by largest excess, hub-dwell p90 by hour of
    // the week, and the late parcels (all, or those of one bar or cause), a page at a time.
    method: 'get',
    path: '/api/v1/sla/time-lost',
    hubScope: 'none',
    roles: SLA_ROLES,
    async handler(ctx, req, res) {
      const { range, tier: t, kind, responsible, match, limit, offset } = parseQuery(timeLostQuery, req.query)
      res.json(
        await slaTimeLost(ctx.db, range, t ?? null, {
          ...(kind && responsible ? { kind, responsible } : {}),
          match,
          limit,
          offset,
        }),
      )
    },
  },
]
