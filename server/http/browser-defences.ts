/**
 * What keeps a browser from being turned against a signed-in person (issue 16):
 *
 * - Headers, through helmet (the Express project's own recommendation, and one
 *   package instead of ten hand-written headers): a Content-Security-Policy that fits
 *   the built Vue app (scripts and styles from this origin only; inline *styles*
 *   allowed, because ECharts and Vue's style bindings set style attributes; no
 *   inline scripts, no plugins, no <base> or form targets elsewhere), `frame-ancestors
 *   'none'` with `X-Frame-Options: DENY` (no framing of the dashboard),
 *   `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` (URLs carry
 *   waybill numbers). No HSTS and no upgrade-insecure-requests: whether the product
 *   is served over HTTPS is the deployment's (its proxy's) decision.
 * - `Cache-Control: no-store` on every /api answer: they carry personal data, or
 *   figures nobody should find in a shared cache or the back button.
 * - Same-origin writes: a state-changing request (anything but GET/HEAD/OPTIONS)
 *   that is not a bearer-token call (integrators; a browser can't add that header
 *   cross-origin without a CORS grant we never give) must come from our own origin:
 *   `Origin` equal to the Host (or listed in ALLOWED_ORIGINS), or, without an Origin,
 *   `Sec-Fetch-Site` same-origin or none. Neither header: not a browser, allowed.
 *   And its body, if it declares one, must be JSON: the content types a cross-site
 *   HTML form or a no-cors fetch can send (text/plain, urlencoded, multipart) are
 *   refused, so a body-less POST (logout, unlock) can't be forged as one.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import helmet from 'helmet'
import { AppError } from '../lib/errors.ts'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'worker-src': ["'self'", 'blob:'],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
}

export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
  })
}

export function noStoreApi(req: Request, res: Response, next: NextFunction): void {
  if (req.path.startsWith('/api/')) res.setHeader('Cache-Control', 'no-store')
  next()
}

export function sameOriginWrites(allowedOrigins: readonly string[] | undefined): RequestHandler {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method) || /^Bearer\s/i.test(req.headers.authorization ?? '')) return next()
    const origin = req.headers.origin
    const site = req.headers['sec-fetch-site']
    if (origin !== undefined) {
      if (!originAllowed(origin, req.headers.host, allowedOrigins)) {
        return next(
          new AppError(403, 'cross_origin', `Refused: a ${req.method} from another origin (${origin.slice(0, 100)})`),
        )
      }
    } else if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      return next(
        new AppError(
          403,
          'cross_origin',
          `Refused: a ${req.method} from another site (Sec-Fetch-Site: ${String(site).slice(0, 20)})`,
        ),
      )
    }
    const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase()
    // Only JSON is ever read; this refuses in particular what a cross-site form or no-cors fetch
    // can send without a preflight (text/plain, application/x-www-form-urlencoded, multipart/form-data).
    if (type !== undefined && type !== '' && type !== 'application/json') {
      return next(
        new AppError(
          415,
          'unsupported_media_type',
          `Send JSON (Content-Type: application/json), or no body; not ${type.slice(0, 60)}`,
        ),
      )
    }
    next()
  }
}

function originAllowed(origin: string, host: string | undefined, allowed: readonly string[] | undefined): boolean {
  if (allowed?.includes(origin)) return true
  try {
    return host !== undefined && new URL(origin).host === host && !allowed
  } catch {
    return false // "null" (sandboxed frames, file:) and anything unparsable
  }
}
