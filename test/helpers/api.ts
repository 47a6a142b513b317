import { RESPONSES, type ResponseOf, type RouteKey } from '../../contract/routes.ts'
import { apiErrorBody, type ApiErrorBody } from '../../contract/common.ts'
import type { System } from '../../server/system.ts'
import * as z from 'zod/mini'

/**
 * The API as the tests call it, typed by the wire contract (contract/routes.ts):
 *
 *   const as = api(sys, { cookie })
 *   const { alerts } = await as.get('/api/v1/alerts', { query: { rule: 'parcel_late', state: 'all' } })
 *   const r = await as.send('POST', '/api/v1/alerts/:id/resolve', { params: { id }, body: { comment: 'x' } })
 *   if (!r.ok) expect(r.body.error.code).toBe('invalid_transition')
 *
 * get/post/put/delete return the 2xx body (and throw, naming the status and the body,
 * on anything else, or on another status than `status` when given); send returns either
 * outcome. Each answer is checked against its schema here too, so a test fails at the
 * call that broke the contract. errorOf reads the error of a refused call (of api().send
 * or of system.ts's untyped call(), which sends what the contract cannot: raw bodies,
 * hand-written query strings, routes outside it).
 */
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'
type Path<M extends Method> = { [K in RouteKey]: K extends `${M} ${infer P}` ? P : never }[RouteKey]
type Key<M extends Method, P extends string> = `${M} ${P}` & RouteKey

export interface Auth {
  cookie?: string
  token?: string
}

export interface CallInput {
  /** Values of the path's `:name` parts. */
  params?: Record<string, string | number>
  query?: Record<string, string | number | boolean | undefined>
  body?: unknown
  /** Extra request headers. */
  headers?: Record<string, string>
}

export interface OkInput extends CallInput {
  /** The one 2xx status the test expects (any 2xx by default). */
  status?: number
}

export type Outcome<K extends RouteKey> =
  { ok: true; status: number; body: ResponseOf<K> } | { ok: false; status: number; body: ApiErrorBody }

export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what} answered ${status}: ${JSON.stringify(body).slice(0, 500)}`)
  }
}

/** The error of a refused call's answer, checked against the contract's error shape (throws if it is not one). */
export function errorOf(r: { status: number; body: unknown }): ApiErrorBody['error'] {
  const parsed = apiErrorBody.safeParse(r.body)
  if (!parsed.success) throw new ApiCallError(r.status, r.body, 'a call expected to be refused')
  return (r.body as ApiErrorBody).error
}

/** Whether a body is an error answer as the contract shapes them (`{ error: { code, message } }`). */
export const isErrorBody = (body: unknown): boolean => apiErrorBody.safeParse(body).success

/** The `details` of a refused call's error, checked against `schema` (throws, naming them, if they do not fit). */
export function detailsOf<T>(r: { status: number; body: unknown }, schema: z.ZodMiniType<T>): T {
  const details = errorOf(r).details
  const parsed = schema.safeParse(details)
  if (!parsed.success) throw new ApiCallError(r.status, r.body, 'error details of another shape')
  return details as T
}

/** Input refused field by field: `details` is `[{ field, message?, ... }]` (the routes' validation errors). */
const fieldErrors = z.array(z.looseObject({ field: z.string(), message: z.optional(z.string()) }))
export const fieldErrorsOf = (r: { status: number; body: unknown }) => detailsOf(r, fieldErrors)

function urlOf(path: string, o: CallInput): string {
  const filled = path.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    const v = o.params?.[name]
    if (v === undefined) throw new Error(`${path}: no value for :${name}`)
    return encodeURIComponent(String(v))
  })
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) q.set(k, String(v))
  const qs = q.toString()
  return qs ? `${filled}?${qs}` : filled
}

export function api(sys: Pick<System, 'url'>, auth: Auth = {}) {
  async function send<M extends Method, P extends Path<M>>(
    method: M,
    path: P,
    o: CallInput = {},
  ): Promise<Outcome<Key<M, P>>> {
    const key = `${method} ${path}` as Key<M, P>
    const headers: Record<string, string> = { ...o.headers }
    if (auth.cookie) headers.cookie = auth.cookie
    if (auth.token) headers.authorization = `Bearer ${auth.token}`
    if (o.body !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(`${sys.url}${urlOf(path, o)}`, {
      method,
      headers,
      body: o.body === undefined ? undefined : JSON.stringify(o.body),
    })
    const text = await res.text()
    let body: unknown = text
    try {
      body = text ? JSON.parse(text) : null
    } catch {
      // not JSON: the schema check below names it
    }
    const ok = res.status >= 200 && res.status < 300
    const r = (ok ? RESPONSES[key] : apiErrorBody).safeParse(body)
    if (!r.success) {
      const problems = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
      throw new ApiCallError(res.status, body, `${key} (outside its contract: ${problems.join('; ')})`)
    }
    // The body as received (not the parsed copy): a test still sees fields the schema does not name.
    return ok
      ? { ok, status: res.status, body: body as ResponseOf<Key<M, P>> }
      : { ok, status: res.status, body: body as ApiErrorBody }
  }

  async function expectOk<M extends Method, P extends Path<M>>(
    method: M,
    path: P,
    o: OkInput = {},
  ): Promise<ResponseOf<Key<M, P>>> {
    const r = await send(method, path, o)
    if (!r.ok || (o.status !== undefined && r.status !== o.status)) {
      throw new ApiCallError(
        r.status,
        r.body,
        `${method} ${path}${o.status === undefined ? '' : ` (expected ${o.status})`}`,
      )
    }
    return r.body
  }

  return {
    send,
    get: <P extends Path<'GET'>>(path: P, o?: Omit<OkInput, 'body'>) => expectOk('GET', path, o),
    post: <P extends Path<'POST'>>(path: P, o?: OkInput) => expectOk('POST', path, o),
    put: <P extends Path<'PUT'>>(path: P, o?: OkInput) => expectOk('PUT', path, o),
    delete: <P extends Path<'DELETE'>>(path: P, o?: OkInput) => expectOk('DELETE', path, o),
  }
}
