import { z } from 'zod'
import { BadRequestError } from '../lib/errors.ts'
import { createWebhook, deactivateWebhook, listWebhooks, SEVERITY_ORDER, WEBHOOK_LANGS } from '../services/webhooks.ts'
import { noteAudit, parseBody, type RouteDef, idParam } from './route-kit.ts'

const createBody = z.strictObject({
  name: z.string().trim().min(1).max(80),
  url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).max(2000),
  rules: z
    .array(z.string().regex(/^[a-z_]{1,40}$/))
    .min(1)
    .max(20)
    .optional(),
  minSeverity: z.enum(SEVERITY_ORDER).default('info'),
  hubCodes: z
    .array(z.string().regex(/^[A-Z0-9-]{2,16}$/))
    .min(1)
    .max(100)
    .optional(),
  /** 1: only alerts nobody acknowledged in time (a manager's pager). */
  minEscalationLevel: z.number().int().min(0).max(10).default(0),
  /** The language of the alert titles it receives. */
  lang: z.enum(WEBHOOK_LANGS).default('zh'),
})

export const WEBHOOK_ROUTES: RouteDef[] = [
  {
    method: 'get',
    path: '/api/v1/admin/webhooks',
    hubScope: 'none',
    roles: ['admin'],
    audit: { kind: 'admin_action', action: 'webhook.list' },
    async handler(ctx, _req, res) {
      res.json({ webhooks: await listWebhooks(ctx.db) })
    },
  },
  {
    method: 'post',
    path: '/api/v1/admin/webhooks',
    hubScope: 'none',
    roles: ['admin'],
    audit: { kind: 'admin_action', action: 'webhook.create' },
    async handler(ctx, req, res) {
      const body = parseBody(createBody, req.body)
      if (body.hubCodes) {
        await ctx.reference.ensure(body.hubCodes, [])
        const unknown = body.hubCodes.filter((c) => !ctx.reference.hub(c))
        if (unknown.length > 0)
          throw new BadRequestError('Invalid request', [
            { field: 'hubCodes', message: `unknown hub(s): ${unknown.join(', ')}` },
          ])
      }
      const { webhook, secret } = await createWebhook(ctx.db, body)
      // Not the URL: it may carry the receiver's credentials.
      noteAudit(res, {
        target: `id=${webhook.id}`,
        details: {
          name: body.name,
          rules: body.rules ?? null,
          minSeverity: body.minSeverity,
          hubCodes: body.hubCodes ?? null,
          minEscalationLevel: body.minEscalationLevel,
          lang: body.lang,
        },
      })
      // The only time the secret is shown: the receiver needs it to check signatures.
      res.status(201).json({ webhook, secret })
    },
  },
  {
    method: 'delete',
    path: '/api/v1/admin/webhooks/:id',
    hubScope: 'none',
    roles: ['admin'],
    audit: { kind: 'admin_action', action: 'webhook.deactivate' },
    async handler(ctx, req, res) {
      await deactivateWebhook(ctx.db, parseBody(idParam, req.params.id))
      res.status(204).end()
    },
  },
]
