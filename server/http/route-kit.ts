import type { NextFunction, Request, Response } from 'express'
import { z } from 'zod'
import type { Logger } from '../lib/logger.ts'
import { apiErrorBody } from '../../contract/common.ts'
import { responseSchema } from '../../contract/routes.ts'
import type { Role } from '../domain/roles.ts'
import { BadRequestError, type FieldProblem } from '../lib/errors.ts'
import type { AppContext } from '../context.ts'

export interface RouteDef {
  method: 'get' | 'post' | 'put' | 'delete'
  path: string
  /** 'public' routes need no principal; every other route names the roles it admits. */
  roles: readonly Role[] | 'public'
  /**
   * What hub-scoped staff (accounts with a hub_code) get here, declared by every route
   * (security-matrix.test.ts exercises each): 'filtered', a list that carries alerts
   * (or what hangs off them: incidents, silences, hand-offs) shows their hub's only;
   * 'enforced', one such thing of another hub is 404/403; 'none', nothing here belongs
   * to a hub's alerts (look-ups, KPIs and the map are network-wide on purpose).
   */
  hubScope: 'filtered' | 'enforced' | 'none'
  /**
   * Written to the audit log by app.ts when the route succeeds: `admin_action` for
   * every admin-only or configuration-changing route (a test checks that every
   * admin-only route has one), `unmask` for answers that may show personal data in
   * clear (logged only when the handler notes what it showed, see noteAudit).
   */
  audit?: { kind: 'admin_action' | 'unmask'; action: string }
  /**
   * A batch route that validates every record on its own (events, shipments): a bad
   * record is rejected by index and the good ones are kept, so app.ts must not refuse
   * the whole body for one record's NUL character.
   */
  batch?: true
  handler: (ctx: AppContext, req: Request, res: Response) => Promise<void>
}

/** The fields at fault in a zod error, each with its rule and bound (see FieldProblem). */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((i) => {
    const field = i.path.join('.') || (i.code === 'unrecognized_keys' ? i.keys.join(', ') : '')
    const bound = i.code === 'too_big' ? i.maximum : i.code === 'too_small' ? i.minimum : undefined
    const origin = 'origin' in i && typeof i.origin === 'string' ? { origin: i.origin } : {}
    return {
      field,
      message: i.message,
      issue: i.code,
      ...origin,
      ...(typeof bound === 'number' && Number.isFinite(bound) ? { limit: bound } : {}),
    }
  })
}

/**
 * A numeric `:id` of a URL: plain decimal digits only. z.coerce.number() read `0x10`,
 * `1e1`, ` 16` and `16.0` as numbers (issue 16); those are a 400 now, not another row.
 */
export const idParam = z
  .string()
  .regex(/^[1-9][0-9]{0,14}$/, 'id must be a positive decimal number such as 42')
  .transform(Number)

/** Parses a request body; a 400 names every field at fault in its message and details. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body)
  if (!r.success) {
    const details = fieldProblems(r.error)
    throw new BadRequestError(
      `Invalid request: ${details.map((d) => (d.field ? `${d.field}: ${d.message}` : d.message)).join('; ')}`,
      details,
    )
  }
  return r.data
}

export function userIdOf(req: Request): number | null {
  const p = req.principal
  return p?.kind === 'user' ? p.userId : null
}

/** What the audit entry of this request names: its target and non-personal details (ids, counts). */
export function noteAudit(res: Response, note: { target?: string | null; details?: Record<string, unknown> }): void {
  res.locals.audit = note
}

/**
 * The hub a person's account is scoped to (users.hub_code), or null for staff who
 * see the whole network. Scoped people see and act on their hub's alerts only.
 */
export function hubScopeOf(req: Request): string | null {
  const p = req.principal
  return p?.kind === 'user' ? p.hubCode : null
}

/**
 * Outside production the server checks its own answers against the wire contract
 * (contract/routes.ts): a 2xx JSON body against the route's schema, an error body
 * against apiErrorBody. The body is checked as JSON carries it (Dates as ISO strings).
 * 'log' logs a mismatch; 'throw' (the tests') answers 500 contract_violation instead,
 * so every integration test that calls a route is also a test of its contract.
 */
export function responseCheck(route: Pick<RouteDef, 'method' | 'path'>, mode: 'log' | 'throw', log: Logger) {
  const key = `${route.method.toUpperCase()} ${route.path}`
  const schema = responseSchema(route.method, route.path)
  return (_req: Request, res: Response, next: NextFunction): void => {
    const json = res.json.bind(res)
    res.json = (body: unknown) => {
      const wire: unknown = body === undefined ? undefined : JSON.parse(JSON.stringify(body))
      const isError = res.statusCode >= 400 && typeof wire === 'object' && wire !== null && 'error' in wire
      const check = isError ? apiErrorBody : schema
      const r = check?.safeParse(wire)
      if (!r || r.success) return json(body)
      const problems = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
      log.error({ route: key, status: res.statusCode, problems }, 'answer breaks the wire contract')
      if (mode === 'log') return json(body)
      res.status(500)
      return json({
        error: { code: 'contract_violation', message: `${key} answered outside its contract: ${problems.join('; ')}` },
      })
    }
    next()
  }
}
