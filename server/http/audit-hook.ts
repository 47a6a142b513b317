import type { Request, Response } from 'express'
import type { AppContext } from '../context.ts'
import { insertAudit, type AuditEntry } from '../db/audit-repo.ts'
import type { Principal } from '../services/auth.ts'
import type { RouteDef } from './route-kit.ts'

type Handler = (req: Request, res: Response) => Promise<void>

export function actorOf(p: Principal | undefined): Pick<AuditEntry, 'userId' | 'username' | 'role'> {
  if (!p) return { userId: null, username: 'anonymous', role: 'none' }
  if (p.kind === 'user') return { userId: p.userId, username: p.username, role: p.role }
  if (p.kind === 'token') return { userId: null, username: `token:${p.name}`, role: p.role }
  return { userId: null, username: `display:${p.displayId}`, role: p.role }
}

/** The route's path parameters, "id=5" or "day=2026-10-01": the default audit target. */
function paramsTarget(req: Request): string | null {
  const parts = Object.entries(req.params ?? {}).map(([k, v]) => `${k}=${String(v)}`)
  return parts.length > 0 ? parts.join(',') : null
}

export type AuditSpec = NonNullable<RouteDef['audit']>

const isAdminOnly = (r: RouteDef) =>
  Array.isArray(r.roles) && r.roles.length > 0 && r.roles.every((role) => role === 'admin')
const changesAdminConfig = (r: RouteDef) => r.method !== 'get' && r.path.includes('/admin/')

/**
 * The audit a route gets: its own mark, or, for an admin-only route or a change
 * under /admin/ that carries none, an `admin_action` named after its path
 * ("PUT /api/v1/admin/foo-bars/:code" → "admin.foo_bars.put"). A new admin route
 * is audited even when its author forgets to say so.
 */
export function auditSpecOf(route: RouteDef): AuditSpec | undefined {
  if (route.audit) return route.audit
  if (!isAdminOnly(route) && !changesAdminConfig(route)) return undefined
  const words = route.path
    .replace(/^\/api\/v\d+\//, '')
    .split('/')
    .filter((s) => s && !s.startsWith(':'))
    .map((s) =>
      s
        .toLowerCase()
        .replace(/[^a-z]+/g, '_')
        .replace(/^_|_$/g, ''),
    )
  return { kind: 'admin_action', action: [...words.filter(Boolean), route.method].join('.') }
}

/**
 * Wraps an audited route. The response is held back (res.end deferred) until the
 * audit entry is written, so nothing is disclosed or confirmed without its entry:
 * if the write fails the caller gets a 500 instead. Failed requests (status ≥ 400,
 * or a thrown error) write nothing; `unmask` routes write only when the handler
 * noted what it showed in clear (noteAudit).
 */
export function withAudit(ctx: AppContext, route: RouteDef, handler: Handler): Handler {
  const spec = auditSpecOf(route)
  if (!spec) return handler
  return async (req, res) => {
    const realEnd = res.end
    let held: unknown[] | undefined
    res.end = ((...args: unknown[]) => {
      held = args
      return res
    }) as typeof res.end
    try {
      await handler(req, res)
    } finally {
      res.end = realEnd
    }
    if (held === undefined) return
    const note = res.locals.audit as { target?: string | null; details?: Record<string, unknown> } | undefined
    if (res.statusCode < 400 && (spec.kind === 'admin_action' || note)) {
      await insertAudit(ctx.db, {
        at: new Date(),
        ...actorOf(req.principal),
        kind: spec.kind,
        action: spec.action,
        target: note?.target ?? paramsTarget(req),
        route: `${route.method.toUpperCase()} ${route.path}`,
        requestId: String(res.getHeader('x-request-id') ?? '') || null,
        details: note?.details ?? {},
      })
    }
    ;(realEnd as (...a: unknown[]) => Response).apply(res, held)
  }
}
