import { RESPONSES, type ResponseOf, type RouteKey } from '../../contract/routes.ts'
import { apiErrorBody, type ApiErrorBody } from '../../contract/common.ts'
import type { System } from '../../server/system.ts'

/**
 * The API as the tests call it, typed by the wire contract (contract/routes.ts):
 *
 *   const as = api(sys, { cookie })
 *   const { alerts } = await as.get('/api/v1/alerts', { query: { rule: 'parcel_late', state: 'all' } })
 *   const r = await as.send('POST', '/api/v1/alerts/:id/resolve', { params: { id }, body: { comment: 'x' } })
 *   if (!r.ok) expect(r.body.error.code).toBe('invalid_transition')
 *
 * get/post/put/delete return the 2xx body (and throw, naming the status and the body,
 * on anything else); send returns either outcome. Each answer is checked against its
 * schema here too, so a test fails at the call that broke the contract.
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
    o?: CallInput,
  ): Promise<ResponseOf<Key<M, P>>> {
    const r = await send(method, path, o)
    if (!r.ok) throw new ApiCallError(r.status, r.body, `${method} ${path}`)
    return r.body
  }

  return {
    send,
    get: <P extends Path<'GET'>>(path: P, o?: Omit<CallInput, 'body'>) => expectOk('GET', path, o),
    post: <P extends Path<'POST'>>(path: P, o?: CallInput) => expectOk('POST', path, o),
    put: <P extends Path<'PUT'>>(path: P, o?: CallInput) => expectOk('PUT', path, o),
    delete: <P extends Path<'DELETE'>>(path: P, o?: CallInput) => expectOk('DELETE', path, o),
  }
}
