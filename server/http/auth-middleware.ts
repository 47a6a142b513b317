import type { NextFunction, Request, Response } from 'express'
import { parse as parseCookie } from 'cookie'
import type pg from 'pg'
import {
  principalFromApiToken,
  principalFromDisplayToken,
  principalFromSession,
  type Principal,
} from '../services/auth.ts'
import { AppError, ForbiddenError, UnauthenticatedError } from '../lib/errors.ts'
import type { Role } from '../domain/roles.ts'

export const SESSION_COOKIE = 'pw_session'
/** Set once on an enrolled wall screen; holds its display token. */
export const DISPLAY_COOKIE = 'pw_display'

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal
  }
}

/**
 * Who is calling: a bearer API token (machines), a session cookie (people), or
 * else an enrolled wall screen's display cookie.
 */
export async function resolvePrincipal(
  db: pg.Pool,
  req: Pick<Request, 'headers'>,
  now: Date,
  sessionIdleMs: number,
): Promise<Principal | undefined> {
  const auth = req.headers.authorization
  if (auth?.startsWith('Bearer ')) return principalFromApiToken(db, auth.slice(7).trim())
  const cookies = req.headers.cookie ? parseCookie(req.headers.cookie) : {}
  const session = cookies[SESSION_COOKIE]
  const person = session ? await principalFromSession(db, session, now, sessionIdleMs) : undefined
  if (person) return person
  const display = cookies[DISPLAY_COOKIE]
  return display ? principalFromDisplayToken(db, display) : undefined
}

/** All a person whose password was reset may do until they choose a new one. */
const WHILE_PASSWORD_CHANGE_PENDING = new Set([
  'GET /api/v1/auth/me',
  'POST /api/v1/auth/password',
  'POST /api/v1/auth/logout',
])

export function requireRoles(db: pg.Pool, roles: readonly Role[], sessionIdleMs: number) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const principal = await resolvePrincipal(db, req, new Date(), sessionIdleMs)
    if (!principal) throw new UnauthenticatedError()
    if (!roles.includes(principal.role)) throw new ForbiddenError()
    if (
      principal.kind === 'user' &&
      principal.mustChangePassword &&
      !WHILE_PASSWORD_CHANGE_PENDING.has(`${req.method} ${req.baseUrl}${req.path}`)
    ) {
      throw new AppError(403, 'password_change_required', 'Choose a new password first (POST /api/v1/auth/password)')
    }
    req.principal = principal
    next()
  }
}
