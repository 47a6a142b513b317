import { z } from 'zod'
import { NotFoundError } from '../lib/errors.ts'
import { findUserByName } from '../db/users-repo.ts'
import { listAudit } from '../db/audit-repo.ts'
import { normalise } from '../services/login-throttle.ts'
import { noteAudit, parseBody, type RouteDef } from './route-kit.ts'

const usernameParam = z.string().trim().min(1).max(40)
const isoTime = z.iso.datetime({ offset: true, message: 'an ISO 8601 time with its offset' })
const auditQuery = z.strictObject({
  from: isoTime.optional(),
  to: isoTime.optional(),
  /** An exact action ("user.unlock") or a family ending in a dot ("webhook."). */
  action: z.string().regex(/^[a-z_]+(\.[a-z_]+)*\.?$/, 'an action such as user.unlock, or a prefix such as webhook.').max(60).optional(),
  user: z.string().trim().min(1).max(60).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
})

export const ACCOUNT_ROUTES: RouteDef[] = [
  {
    // Lifts a sign-in lock (and the failures counted so far) on a user name.
    method: 'post', path: '/api/v1/admin/users/:username/unlock', hubScope: 'none', roles: ['admin'],
    audit: { kind: 'admin_action', action: 'user.unlock' },
    async handler(ctx, req, res) {
      const username = normalise(parseBody(usernameParam, req.params.username))
      if (!(await findUserByName(ctx.db, username))) throw new NotFoundError(`No user ${username}`)
      const wasLocked = await ctx.loginThrottle.unlock(username)
      noteAudit(res, { target: username, details: { hadFailuresOrLock: wasLocked } })
      res.json({ username, unlocked: true, wasLocked })
    },
  },
  {
    // GET /api/v1/admin/audit?from&to&action&user&limit: newest first. Reading it is audited too.
    method: 'get', path: '/api/v1/admin/audit', hubScope: 'none', roles: ['admin'],
    audit: { kind: 'admin_action', action: 'audit.read' },
    async handler(ctx, req, res) {
      const q = parseBody(auditQuery, req.query)
      const entries = await listAudit(ctx.db, {
        from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined, action: q.action, username: q.user, limit: q.limit,
      })
      noteAudit(res, { details: { returned: entries.length } })
      res.json({ entries })
    },
  },
]
