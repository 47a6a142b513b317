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
