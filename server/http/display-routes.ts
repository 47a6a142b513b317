import { z } from 'zod'
import type { Role } from '../domain/roles.ts'
import { NotFoundError } from '../lib/errors.ts'
import { listDisplays, revokeDisplay } from '../db/displays-repo.ts'
import { createDisplayToken, principalFromDisplayToken } from '../services/auth.ts'
import { mapSnapshot } from '../services/live-map.ts'
import { DISPLAY_COOKIE } from './auth-middleware.ts'
import { noteAudit, parseBody, userIdOf, type RouteDef, idParam } from './route-kit.ts'

/** Browsers cap cookie lifetimes at 400 days; a display is re-enrolled after that. */
const DISPLAY_COOKIE_MAX_AGE_MS = 400 * 24 * 3600 * 1000
const MAP_READERS: readonly Role[] = [
  'admin',
  'manager',
  'control_room',
  'on_call',
  'cs_operator',
  'finance',
  'display',
]

const displayBody = z.strictObject({ name: z.string().trim().min(1, 'name the screen, e.g. "Hall A left"').max(80) })
const enrollQuery = z.object({ token: z.string().min(1).max(200) })

function page(title: string, body: string): string {
  return `<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>${title}</title>
<style>body{background:#0b1220;color:#e6edf7;font:24px/1.5 system-ui,sans-serif;display:grid;place-items:center;height:100vh;margin:0}main{max-width:40em;padding:2em}</style>
</head><body><main>${body}</main></body></html>`
}

export const DISPLAY_ROUTES: RouteDef[] = [
  {
    method: 'post',
    path: '/api/v1/displays',
    hubScope: 'none',
    roles: ['admin'],
    audit: { kind: 'admin_action', action: 'display.enrol' },
    async handler(ctx, req, res) {
      const { name } = parseBody(displayBody, req.body)
      const { id, token } = await createDisplayToken(ctx.db, name, userIdOf(req))
      noteAudit(res, { target: `id=${id}`, details: { name } })
      // The token is shown once; open the link on the screen's browser to enrol it.
      res.status(201).json({ id, name, token, enrollPath: `/display/enroll?token=${encodeURIComponent(token)}` })
    },
  },
  {
    method: 'get',
    path: '/api/v1/displays',
    hubScope: 'none',
    roles: ['admin'],
    audit: { kind: 'admin_action', action: 'display.list' },
    async handler(ctx, _req, res) {
      res.json({ displays: await listDisplays(ctx.db) })
    },
  },
  {
    method: 'delete',
    path: '/api/v1/displays/:id',
    hubScope: 'none',
    roles: ['admin'],
    audit: { kind: 'admin_action', action: 'display.revoke' },
    async handler(ctx, req, res) {
      const id = parseBody(idParam, req.params.id)
      if (!(await revokeDisplay(ctx.db, id, userIdOf(req)))) throw new NotFoundError(`No enrolled display ${id}`)
      ctx.onDisplayRevoked(id)
      res.status(204).end()
    },
  },
  {
    // Opened once on the wall screen's browser: stores the token in a long-lived
    // HttpOnly cookie and goes to the wall. Never a login prompt.
    method: 'get',
    path: '/display/enroll',
    hubScope: 'none',
    roles: 'public',
    async handler(ctx, req, res) {
      const q = enrollQuery.safeParse(req.query)
      const principal = q.success ? await principalFromDisplayToken(ctx.db, q.data.token) : undefined
      if (!q.success || !principal) {
        res
          .status(400)
          .type('html')
          .send(
            page(
              'Display not enrolled',
              '<h1>此登记链接无效或已被撤销</h1><p>This enrolment link is not valid or was revoked. Ask an administrator for a new one.</p>',
            ),
          )
        return
      }
      const secure = ctx.config.cookieSecure === 'auto' ? req.secure : ctx.config.cookieSecure
      res.cookie(DISPLAY_COOKIE, q.data.token, {
        httpOnly: true,
        sameSite: 'lax',
        secure,
        path: '/',
        maxAge: DISPLAY_COOKIE_MAX_AGE_MS,
      })
      res.redirect(303, '/wall')
    },
  },
  {
    method: 'get',
    path: '/api/v1/map',
    hubScope: 'none',
    roles: MAP_READERS,
    async handler(ctx, _req, res) {
      res.json(await mapSnapshot(ctx.db, new Date()))
    },
  },
]
