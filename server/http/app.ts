import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import express, { type NextFunction, type Request, type Response } from 'express'
import { randomUUID, timingSafeEqual } from 'node:crypto'
import type { AppContext } from '../context.ts'
import { AppError } from '../lib/errors.ts'
import { badCharacter } from '../services/event-schema.ts'
import { requireRoles } from './auth-middleware.ts'
import { withAudit } from './audit-hook.ts'
import { ROUTES } from './routes.ts'
import { responseCheck } from './route-kit.ts'
import { noStoreApi, sameOriginWrites, securityHeaders } from './browser-defences.ts'

const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/web')

export interface Health {
  ready(): Promise<{ ok: boolean; checks: Record<string, boolean>; details?: Record<string, unknown> }>
  /** Prometheus exposition text, with the scrape-time figures filled in. */
  metrics(): Promise<{ contentType: string; text: string }>
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

export function createApp(ctx: AppContext, health: Health): express.Express {
  const app = express()
  app.disable('x-powered-by')
  // Whose X-Forwarded-* to believe (req.ip, req.secure): TRUST_PROXY, nobody's by default.
  app.set('trust proxy', ctx.config.trustProxy ?? false)
  app.use((req, res, next) => {
    const id =
      (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].slice(0, 64)) || randomUUID()
    res.setHeader('x-request-id', id)
    const started = Date.now()
    res.on('finish', () => {
      if (!req.path.startsWith('/api/')) return
      const route: string = req.route?.path ?? 'unmatched'
      const ms = Date.now() - started
      ctx.metrics.httpDuration.observe(
        { method: req.method, route, status: `${Math.floor(res.statusCode / 100)}xx` },
        ms / 1000,
      )
      ctx.log.debug({ reqId: id, method: req.method, path: route, status: res.statusCode, ms }, 'request')
    })
    next()
  })
  // CSP, anti-framing, nosniff, Referrer-Policy; no-store on /api; same-origin writes (browser-defences.ts).
  app.use(securityHeaders(), noStoreApi, sameOriginWrites(ctx.config.allowedOrigins))

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true })
  })
  app.get('/readyz', async (_req, res) => {
    const r = await health.ready()
    res.status(r.ok ? 200 : 503).json(r)
  })

  // Prometheus: with METRICS_TOKEN set, a bearer token; without, only from this machine, and only
  // when no proxy is trusted (behind a proxy on this machine every caller arrives from loopback).
  app.get('/metrics', async (req, res) => {
    const token = ctx.config.metricsToken
    const proxied = Boolean(ctx.config.trustProxy)
    const allowed = token
      ? safeEqual(req.headers.authorization ?? '', `Bearer ${token}`)
      : !proxied && LOOPBACK.has(req.socket.remoteAddress ?? '')
    if (!allowed) {
      throw new AppError(
        403,
        'forbidden',
        token
          ? 'Present the metrics token as a bearer token'
          : proxied
            ? 'Behind a trusted proxy every caller looks local: set METRICS_TOKEN to scrape /metrics'
            : 'Metrics are served to this machine only; set METRICS_TOKEN to scrape from elsewhere',
      )
    }
    const m = await health.metrics()
    res.type(m.contentType).send(m.text)
  })

  // Bodies are parsed only after the caller is known: strangers can't make us parse 16 MB.
  const bigJson = express.json({ limit: '16mb' })
  const smallJson = express.json({ limit: '8kb' })
  for (const route of ROUTES) {
    const handler = withAudit(ctx, route, (req: Request, res: Response) => route.handler(ctx, req, res))
    const nul = route.batch ? refuseNulOutsideBody : refuseNul
    const mode = ctx.config.responseCheck ?? 'off'
    const check = mode === 'off' ? [] : [responseCheck(route, mode, ctx.log)]
    if (route.roles === 'public') app[route.method](route.path, ...check, smallJson, nul, handler)
    else
      app[route.method](
        route.path,
        ...check,
        requireRoles(ctx.db, route.roles, ctx.config.sessionIdleMs),
        bigJson,
        nul,
        handler,
      )
  }
  app.use('/api', (req, _res, next) =>
    next(new AppError(404, 'not_found', `No route ${req.method} ${req.originalUrl.split('?')[0]}`)),
  )

  if (existsSync(WEB_DIST)) {
    app.use(express.static(WEB_DIST, { index: false, maxAge: '1h' }))
    app.get(/^\/(?!api\/|ws$).*/, (_req, res) => res.sendFile(path.join(WEB_DIST, 'index.html')))
  }

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = toAppError(err)
    if (e.status >= 500) ctx.log.error({ err, reqId: res.getHeader('x-request-id'), path: req.path }, 'request failed')
    // A streamed answer (a large CSV) that failed half-way: cut it, so the client sees it incomplete.
    if (res.headersSent) {
      res.destroy()
      return
    }
    res
      .status(e.status)
      .json({ error: { code: e.code, message: e.message, ...(e.details === undefined ? {} : { details: e.details }) } })
  })
  return app
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Where a character that can't be stored sits in a parsed request part ("body.0.signer"), and what it is. */
function badCharAt(value: unknown, at: string, depth = 0): { at: string; what: string } | undefined {
  if (typeof value === 'string') {
    const what = badCharacter(value)
    return what === undefined ? undefined : { at, what }
  }
  if (value === null || typeof value !== 'object' || depth > 32) return undefined
  for (const [key, v] of Object.entries(value)) {
    const here = `${at}.${key}`
    const inKey = badCharacter(key)
    if (inKey !== undefined) return { at: here, what: `name ${inKey}` }
    const found = badCharAt(v, here, depth + 1)
    if (found !== undefined) return found
  }
  return undefined
}

const badCharError = (bad: { at: string; what: string } | undefined) =>
  bad === undefined
    ? undefined
    : new AppError(400, 'bad_request', `${bad.at} ${bad.what}`, [{ field: bad.at, message: bad.what }])

/**
 * NUL (PostgreSQL text can't hold it), lone surrogates (stored as U+FFFD, silently) and
 * bidi controls are refused here, naming the field, instead of a 500 or a changed text.
 */
function refuseNul(req: Request, _res: Response, next: NextFunction): void {
  next(badCharError(badCharAt(req.params, 'path') ?? badCharAt(req.query, 'query') ?? badCharAt(req.body, 'body')))
}

/** For batch routes: the path and query are checked here, each record's fields by its own schema. */
function refuseNulOutsideBody(req: Request, _res: Response, next: NextFunction): void {
  next(badCharError(badCharAt(req.params, 'path') ?? badCharAt(req.query, 'query')))
}

// Connection-level failures and PostgreSQL's "try again" classes: the client may retry.
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  '57P01',
  '57P03',
  '53300',
  '40001',
  '40P01',
])
function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code
  const message = (err as { message?: unknown })?.message
  return (
    (typeof code === 'string' && TRANSIENT_CODES.has(code)) ||
    (typeof message === 'string' && /Connection terminated|timeout exceeded when trying to connect/.test(message))
  )
}

/** Known errors keep their message; anything else becomes a 500 that reveals nothing. */
function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err
  const e = err as { type?: string; status?: number; message?: string; limit?: number }
  if (e?.type === 'entity.parse.failed')
    return new AppError(400, 'malformed_json', `The body is not valid JSON: ${e.message ?? ''}`.trim())
  if (e?.type === 'entity.too.large')
    return new AppError(413, 'body_too_large', `The body exceeds ${e.limit} bytes; send smaller batches`)
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported')
    return new AppError(415, 'unsupported_encoding', e.message ?? 'Unsupported encoding')
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500)
    return new AppError(e.status, 'bad_request', e.message ?? 'Bad request')
  if (isTransient(err))
    return new AppError(
      503,
      'unavailable',
      'A backing service is unavailable; retry the same request (ingest is idempotent)',
    )
  return new AppError(500, 'internal', 'Something went wrong on our side; it has been logged')
}
