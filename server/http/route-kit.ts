import type { Request, Response } from 'express'
import type { z } from 'zod'
import type { Role } from '../domain/roles.ts'
import { BadRequestError } from '../lib/errors.ts'
import type { AppContext } from '../context.ts'

export interface RouteDef {
  method: 'get' | 'post' | 'put' | 'delete'
  path: string
  /** 'public' routes need no principal; every other route names the roles it admits. */
  roles: readonly Role[] | 'public'
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

export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body)
  if (!r.success) throw new BadRequestError('Invalid request', r.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })))
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
