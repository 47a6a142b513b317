import type { Request } from 'express'
import { z } from 'zod'
import { NotFoundError } from '../lib/errors.ts'
import { findUserByName } from '../db/users-repo.ts'
import { listAudit } from '../db/audit-repo.ts'
import { blockError, normalise, TooManyAttemptsError } from '../services/login-throttle.ts'
import {
  AccountError,
  accountOf,
  changeOwnPassword,
  createAccount,
  listAccounts,
  resetPassword,
  setDisabled,
  updateAccount,
} from '../services/accounts.ts'
import { USER_ROLES } from '../domain/roles.ts'
import type { AppContext } from '../context.ts'
import { noteAudit, parseBody, type RouteDef } from './route-kit.ts'

const usernameParam = z.string().trim().min(1).max(40)
const isoTime = z.iso.datetime({ offset: true, message: 'an ISO 8601 time with its offset' })
const auditQuery = z.strictObject({
  from: isoTime.optional(),
  to: isoTime.optional(),
  /** An exact action ("user.unlock") or a family ending in a dot ("webhook."). */
  action: z
    .string()
    .regex(/^[a-z_]+(\.[a-z_]+)*\.?$/, 'an action such as user.unlock, or a prefix such as webhook.')
    .max(60)
    .optional(),
  user: z.string().trim().min(1).max(60).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
})

const newUsername = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9._-]{2,40}$/, '2 to 40 of a-z, 0-9, dot, dash, underscore')
const displayName = z.string().trim().min(1).max(80)
const role = z.enum(USER_ROLES)
const hubCode = z.string().trim().min(1).max(20).nullable()
const createBody = z.strictObject({ username: newUsername, displayName, role, hubCode: hubCode.optional() })
const updateBody = z
  .strictObject({ displayName: displayName.optional(), role: role.optional(), hubCode: hubCode.optional() })
  .refine((b) => b.displayName !== undefined || b.role !== undefined || b.hubCode !== undefined, {
    message: 'name at least one of displayName, role, hubCode',
  })
const passwordBody = z.strictObject({
  currentPassword: z.string().min(1).max(200),
  newPassword: z.string().min(1).max(200),
})

/** A hub code the network knows (else 400 naming the field, rather than the database's foreign-key error). */
function knownHub(ctx: AppContext, code: string | null | undefined): string | null | undefined {
  if (code === undefined || code === null) return code
  if (!ctx.reference.allHubs().some((h) => h.code === code))
    throw new AccountError(400, 'unknown_hub', `No hub ${code}`, 'hubCode')
  return code
}

/** Closes the websockets of sessions that just ended, on every instance. */
function endSessions(ctx: AppContext, hashes: string[]): void {
  for (const h of hashes) ctx.onLogout(h)
}

function actorName(req: Request): string | null {
  const p = req.principal
  return p?.kind === 'user' ? p.username : null
}

export const ACCOUNT_ROUTES: RouteDef[] = [
  {
    // GET /api/v1/admin/users: everyone with their role, hub, state and last sign-in.
    method: 'get',
    path: '/api/v1/admin/users',
    hubScope: 'none',
    roles: ['admin'],
    audit: { kind: 'admin_action', action: 'user.list' },
    async handler(ctx, _req, res) {
      const users = await listAccounts(ctx.db)
      noteAudit(res, { details: { returned: users.length } })
      res.json({ users })
    },
  },
  {
    // POST /api/v1/admin/users {username, displayName, role, hubCode?}: answers a one-time password, shown once.
    method: 'post',
    path: '/api/v1/admin/users',
    hubScope: 'none',
    roles: ['admin'],
    audit: { kind: 'admin_action', action: 'user.create' },
    async handler(ctx, req, res) {
      const b = parseBody(createBody, req.body)
      const hub = knownHub(ctx, b.hubCode) ?? null
      const { oneTimePassword } = await createAccount(
        ctx.db,
        { username: b.username, displayName: b.displayName, role: b.role, hubCode: hub },
        ctx.config.passwordHashCost,
      )
      noteAudit(res, { target: b.username, details: { role: b.role, hubCode: hub } })
      res.status(201).json({ user: await accountOf(ctx.db, b.username), oneTimePassword })
    },
  },
  {
    // PUT /api/v1/admin/users/:username {displayName?, role?, hubCode?}: a new role or hub ends their sessions.
    method: 'put',
    path: '/api/v1/admin/users/:username',
    hubScope: 'none',
    roles: ['admin'],
    audit: { kind: 'admin_action', action: 'user.update' },
    async handler(ctx, req, res) {
      const username = normalise(parseBody(usernameParam, req.params.username))
      const b = parseBody(updateBody, req.body)
      if (b.role !== undefined && b.role !== 'admin' && username === actorName(req))
        throw new AccountError(409, 'own_account', 'You cannot take the admin role from yourself', 'role')
      const ended = await updateAccount(ctx.db, username, { ...b, hubCode: knownHub(ctx, b.hubCode) }, new Date())
      endSessions(ctx, ended)
      noteAudit(res, { target: username, details: { ...b, sessionsEnded: ended.length } })
      res.json({ user: await accountOf(ctx.db, username), sessionsEnded: ended.length })
    },
  },
  {
    // A new one-time password (shown once); the person must replace it at the next sign-in. Ends their sessions and lifts a lock.
    method: 'post',
    path: '/api/v1/admin/users/:username/reset-password',
    hubScope: 'none',
    roles: ['admin'],
    audit: { kind: 'admin_action', action: 'user.reset_password' },
    async handler(ctx, req, res) {
      const username = normalise(parseBody(usernameParam, req.params.username))
      const { oneTimePassword, ended } = await resetPassword(ctx.db, username, ctx.config.passwordHashCost, new Date())
      endSessions(ctx, ended)
      await ctx.loginThrottle.unlock(username).catch(() => false)
      noteAudit(res, { target: username, details: { sessionsEnded: ended.length } })
      res.json({ user: await accountOf(ctx.db, username), oneTimePassword, sessionsEnded: ended.length })
    },
  },
  {
    method: 'post',
    path: '/api/v1/admin/users/:username/disable',
    hubScope: 'none',
    roles: ['admin'],
    audit: { kind: 'admin_action', action: 'user.disable' },
    async handler(ctx, req, res) {
      const username = normalise(parseBody(usernameParam, req.params.username))
      if (username === actorName(req)) throw new AccountError(409, 'own_account', 'You cannot disable your own account')
      const ended = await setDisabled(ctx.db, username, true, new Date())
      endSessions(ctx, ended)
      noteAudit(res, { target: username, details: { sessionsEnded: ended.length } })
      res.json({ user: await accountOf(ctx.db, username), sessionsEnded: ended.length })
    },
  },
  {
    method: 'post',
    path: '/api/v1/admin/users/:username/enable',
    hubScope: 'none',
    roles: ['admin'],
    audit: { kind: 'admin_action', action: 'user.enable' },
    async handler(ctx, req, res) {
      const username = normalise(parseBody(usernameParam, req.params.username))
      await setDisabled(ctx.db, username, false, new Date())
      await ctx.loginThrottle.unlock(username).catch(() => false)
      noteAudit(res, { target: username })
      res.json({ user: await accountOf(ctx.db, username) })
    },
  },
  {
    // POST /api/v1/auth/password {currentPassword, newPassword}: a person's own password. Wrong current
    // passwords count towards the sign-in lock, as at sign-in. Their other sessions end.
    method: 'post',
    path: '/api/v1/auth/password',
    hubScope: 'none',
    roles: USER_ROLES,
    audit: { kind: 'admin_action', action: 'user.change_password' },
    async handler(ctx, req, res) {
      const p = req.principal!
      if (p.kind !== 'user') throw new NotFoundError('Only people have passwords')
      const { currentPassword, newPassword } = parseBody(passwordBody, req.body)
      const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown'
      const attempt = await ctx.loginThrottle.begin(p.username, ip)
      if ('block' in attempt) {
        const err = blockError(attempt.block)
        res.setHeader('Retry-After', String(err.retryAfterSeconds))
        throw err
      }
      const r = await ctx.loginThrottle
        .check(ip, () =>
          changeOwnPassword(
            ctx.db,
            p.userId,
            p.username,
            currentPassword,
            newPassword,
            p.sessionHash,
            ctx.config.passwordHashCost,
            new Date(),
          ),
        )
        .catch(async (err: unknown) => {
          await ctx.loginThrottle.abandoned(p.username, ip, attempt)
          if (err instanceof TooManyAttemptsError) res.setHeader('Retry-After', String(err.retryAfterSeconds))
          throw err
        })
      if (r === 'wrong_password') {
        await ctx.loginThrottle.failed(p.username, attempt)
        throw new AccountError(400, 'wrong_password', 'The current password is wrong', 'currentPassword')
      }
      await ctx.loginThrottle.succeeded(p.username, ip, attempt)
      endSessions(ctx, r.ended)
      noteAudit(res, { target: p.username, details: { otherSessionsEnded: r.ended.length } })
      res.json({ ok: true, otherSessionsEnded: r.ended.length })
    },
  },
  {
    // Lifts a sign-in lock (and the failures counted so far) on a user name.
    method: 'post',
    path: '/api/v1/admin/users/:username/unlock',
    hubScope: 'none',
    roles: ['admin'],
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
    method: 'get',
    path: '/api/v1/admin/audit',
    hubScope: 'none',
    roles: ['admin'],
    audit: { kind: 'admin_action', action: 'audit.read' },
    async handler(ctx, req, res) {
      const q = parseBody(auditQuery, req.query)
      const entries = await listAudit(ctx.db, {
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        action: q.action,
        username: q.user,
        limit: q.limit,
      })
      noteAudit(res, { details: { returned: entries.length } })
      res.json({ entries })
    },
  },
]
