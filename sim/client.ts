/**
 * HTTP client for the public ingest API, over the global fetch. Every request
 * carries the bearer token. 408, 429, 5xx, timeouts and network errors are
 * retried with exponential backoff (honouring Retry-After) and the very same
 * body, which the API treats idempotently; other statuses fail at once.
 */
import type { z } from 'zod'
import type { CourierSeed, HubSeed } from '../server/data/network.ts'
import {
  couriersResponseSchema,
  eventsResponseSchema,
  hubsResponseSchema,
  shipmentsResponseSchema,
  type EventInput,
  type EventsResponse,
  type ShipmentInput,
  type ShipmentsResponse,
} from './contract.ts'

export interface SimLogger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
}

export interface RetryPolicy {
  initialDelayMs: number
  maxDelayMs: number
  /** Attempts in all, the first included. */
  maxAttempts: number
}

export const DEFAULT_RETRY: RetryPolicy = { initialDelayMs: 250, maxDelayMs: 15_000, maxAttempts: Infinity }

/** A response that retrying will not fix (400, 401, 403, 404, 413, a malformed body). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** The simulator was stopped while a request was waiting or in flight. */
export class StoppedError extends Error {
  constructor() {
    super('simulator stopped')
    this.name = 'StoppedError'
  }
}

export interface ClientOptions {
  baseUrl: string
  token: string
  /** Stop requested: no new attempt starts and backoff waits end at once. */
  signal: AbortSignal
  /** Aborts requests in flight (by default the same as `signal`). */
  inFlightSignal?: AbortSignal
  logger: SimLogger
  retry?: Partial<RetryPolicy>
  requestTimeoutMs?: number
  /** Called before each retry (for the stats). */
  onRetry?: (info: { path: string; attempt: number; delayMs: number; cause: string }) => void
}

export interface ApiClient {
  getHubs(): Promise<HubSeed[]>
  getCouriers(): Promise<CourierSeed[]>
  postShipments(shipments: readonly ShipmentInput[]): Promise<ShipmentsResponse>
  postEvents(events: readonly EventInput[]): Promise<EventsResponse>
}

const RETRYABLE = (status: number) => status === 408 || status === 429 || status >= 500

export function createApiClient(opts: ClientOptions): ApiClient {
  const base = opts.baseUrl.replace(/\/+$/, '')
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry }
  const timeoutMs = opts.requestTimeoutMs ?? 60_000
  const inFlight = opts.inFlightSignal ?? opts.signal

  async function request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    for (let attempt = 1; ; attempt++) {
      if (opts.signal.aborted) throw new StoppedError()
      let cause: string
      let retryAfterMs: number | undefined
      try {
        const res = await fetch(base + path, {
          method,
          headers: {
            authorization: `Bearer ${opts.token}`,
            accept: 'application/json',
            ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: payload,
          signal: AbortSignal.any([inFlight, AbortSignal.timeout(timeoutMs)]),
        })
        if (res.ok) return await res.json()
        const text = await res.text().catch(() => '')
        if (!RETRYABLE(res.status))
          throw new ApiError(res.status, `${method} ${path} → ${res.status}: ${text.slice(0, 300)}`)
        cause = `HTTP ${res.status}`
        retryAfterMs = parseRetryAfter(res.headers.get('retry-after'))
      } catch (err) {
        if (err instanceof ApiError) throw err
        if (opts.signal.aborted || inFlight.aborted) throw new StoppedError()
        cause = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
      }
      if (attempt >= retry.maxAttempts)
        throw new ApiError(0, `${method} ${path} failed after ${attempt} attempts (${cause})`)
      const backoff = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** (attempt - 1))
      const delayMs = Math.round(Math.min(retry.maxDelayMs, retryAfterMs ?? backoff * (0.5 + Math.random() / 2)))
      opts.onRetry?.({ path, attempt, delayMs, cause })
      // One retried request is not the operator's business (the server was busy); ten in a row are.
      if (attempt % 10 === 0) opts.logger.warn({ path, attempt, delayMs, cause }, 'request failed, retrying')
      else if (attempt === 1) opts.logger.info({ path, attempt, delayMs, cause }, 'request failed, retrying')
      await sleep(delayMs, opts.signal)
    }
  }

  function parsed<T>(schema: z.ZodType<T>, path: string, raw: unknown): T {
    const r = schema.safeParse(raw)
    if (!r.success) throw new ApiError(200, `unexpected response from ${path}: ${r.error.message.slice(0, 300)}`)
    return r.data
  }

  return {
    getHubs: async () => (await parsed(hubsResponseSchema, '/api/v1/hubs', await request('GET', '/api/v1/hubs'))).hubs,
    getCouriers: async () =>
      (await parsed(couriersResponseSchema, '/api/v1/couriers', await request('GET', '/api/v1/couriers'))).couriers,
    postShipments: async (shipments) =>
      parsed(shipmentsResponseSchema, '/api/v1/shipments', await request('POST', '/api/v1/shipments', { shipments })),
    postEvents: async (events) =>
      parsed(eventsResponseSchema, '/api/v1/events', await request('POST', '/api/v1/events', { events })),
  }
}

function parseRetryAfter(header: string | null): number | undefined {
  if (!header) return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now())
}

/** Resolves after `ms`, or rejects with StoppedError as soon as the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new StoppedError())
    const onAbort = () => {
      clearTimeout(timer)
      reject(new StoppedError())
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
