import { createHmac, randomBytes } from 'node:crypto'
import { NotFoundError } from '../lib/errors.ts'
import { ALERT_LANGS, alertTitleIn, type AlertLang, type AlertTitleFields } from '../domain/alert-titles.ts'
import {
  alertsForNotification,
  claimDue,
  deactivateEndpoint,
  insertEndpoint,
  insertNotifications,
  listEndpoints,
  markDelivered,
  markFailed,
  type ClaimedDelivery,
  type EndpointRow,
  type EndpointSummary,
  type Queryable,
} from '../db/outbox-repo.ts'

/**
 * Outgoing webhooks for alerts. Notifications go to an outbox table (in the
 * transaction of the alert change when the caller passes its client), and a
 * scheduled job delivers them: at least once (receivers dedupe on
 * x-parcelwatch-delivery), in order per endpoint and alert, retried with
 * exponential backoff until the receiver takes them or the endpoint is
 * deactivated.
 */

/** Severities from lowest to highest: an endpoint gets its min_severity and above. */
export const SEVERITY_ORDER = ['info', 'warning', 'critical'] as const
export type Severity = (typeof SEVERITY_ORDER)[number]

/** The alert actions worth a notification; 'updated' (every sweep) is not. 'raised': severity rose from info to warning or critical. */
export const NOTIFY_ACTIONS = [
  'opened',
  'raised',
  'acknowledged',
  'resolved',
  'auto_resolved',
  'escalated',
  'reminded',
] as const
export type NotifyAction = (typeof NOTIFY_ACTIONS)[number]
const notifiable = (action: string): action is NotifyAction => (NOTIFY_ACTIONS as readonly string[]).includes(action)

/** An alert change as the sweep (AlertChange) or a route reports it; its title as stored (a key and parameters, or words). */
export interface AlertNotice extends AlertTitleFields {
  id: number
  rule: string
  hubCode: string | null
  severity: string
  itemCount: number
  action: string
}

/**
 * What a receiver gets, as JSON: the title rendered in the endpoint's `lang`
 * (zh unless set), with the key and parameters it came from (null for a
 * person's words, e.g. an incident's title).
 */
export interface WebhookPayload {
  event: `alert.${NotifyAction | 'updated'}`
  lang: AlertLang
  alert: {
    id: number
    rule: string
    severity: string
    hubCode: string | null
    title: string
    titleKey: string | null
    titleParams: Record<string, unknown> | null
    itemCount: number
    escalationLevel: number
  }
  at: string
}

export { ALERT_LANGS as WEBHOOK_LANGS }

/**
 * Queues one notification per (matching active endpoint, notable change), in one
 * statement. Pass the client of the transaction that made the changes to commit
 * both together. Returns the number of outbox rows written.
 */
export async function enqueueAlertNotifications(
  db: Queryable,
  changes: readonly AlertNotice[],
  now: Date,
): Promise<number> {
  const items = changes
    .filter((c) => notifiable(c.action))
    .map((c) => ({
      alertId: c.id,
      rule: c.rule,
      hubCode: c.hubCode,
      severity: c.severity,
      itemCount: c.itemCount,
      event: `alert.${c.action}`,
      titleZh: alertTitleIn('zh', c),
      titleEn: alertTitleIn('en', c),
      titleKey: c.titleKey,
      titleParams: c.titleParams,
    }))
  return insertNotifications(db, items, SEVERITY_ORDER, now)
}

/**
 * The same for actions known by alert id only (an acknowledgement or resolution
 * by a person, an escalation): the alert's current rule, hub, severity, title
 * and count are read from the alerts table.
 */
export async function enqueueAlertActions(
  db: Queryable,
  actions: ReadonlyArray<{ id: number; action: string }>,
  now: Date,
): Promise<number> {
  const wanted = actions.filter((a) => notifiable(a.action))
  if (wanted.length === 0) return 0
  const alerts = new Map((await alertsForNotification(db, [...new Set(wanted.map((a) => a.id))])).map((a) => [a.id, a]))
  const changes: AlertNotice[] = []
  for (const a of wanted) {
    const alert = alerts.get(a.id)
    if (alert) changes.push({ ...alert, action: a.action })
  }
  return enqueueAlertNotifications(db, changes, now)
}

/** `sha256=<hex HMAC-SHA256 of the body with the endpoint secret>`: what receivers recompute to trust a delivery. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

const FIRST_RETRY_MS = 5_000
const MAX_RETRY_MS = 10 * 60_000

/**
 * Delay before the next try after `failures` failed attempts (1, 2, …):
 * 5 s, 10 s, 20 s … doubling up to 10 min, each cut by a random 0–20 % so that
 * endpoints that failed together don't all come back at the same instant.
 */
export function retryDelayMs(failures: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(Math.max(failures - 1, 0), 20))
  return Math.round(base * (1 - 0.2 * random()))
}

export interface DeliverOptions {
  fetchImpl?: typeof fetch
  /** Rows claimed per round. */
  batch?: number
  /** Per request, connection to end of the answer. */
  timeoutMs?: number
  /** Requests in flight at once. */
  concurrency?: number
  /** Claim rounds per call: a delivered row can make the next row of its alert due in the next round. */
  maxRounds?: number
  random?: () => number
}

export interface DeliverResult {
  claimed: number
  delivered: number
  failed: number
  rounds: number
}

type Outcome =
  | { id: number; ok: true; status: number }
  | { id: number; ok: false; status: number | null; error: string; failures: number }

/**
 * Delivers what is due at `now`. Each round claims a batch in one short
 * statement (FOR UPDATE SKIP LOCKED, with a lease), makes the HTTP calls with no
 * database client held, then records the outcomes. A claimed batch holds at most
 * one row per endpoint and alert (the oldest undelivered one), so calls run in
 * parallel without breaking the order per alert; the next round picks up what a
 * success made due. Safe with several workers at once.
 */
export async function deliverDue(db: Queryable, now: Date, opts: DeliverOptions = {}): Promise<DeliverResult> {
  const {
    fetchImpl = fetch,
    batch = 50,
    timeoutMs = 5_000,
    concurrency = 8,
    maxRounds = 10,
    random = Math.random,
  } = opts
  // Long enough for every call of the batch to time out, plus a margin: a live worker keeps its rows.
  const leaseMs = timeoutMs * Math.ceil(batch / concurrency) + 30_000
  const result: DeliverResult = { claimed: 0, delivered: 0, failed: 0, rounds: 0 }
  while (result.rounds < maxRounds) {
    const claimed = await claimDue(db, now, batch, new Date(now.getTime() + leaseMs))
    if (claimed.length === 0) break
    result.rounds++
    result.claimed += claimed.length
    const outcomes = await mapLimit(claimed, concurrency, (d) => send(fetchImpl, d, timeoutMs))
    const ok = outcomes.flatMap((o) => (o.ok ? [{ id: o.id, status: o.status }] : []))
    const failed = outcomes.flatMap((o) =>
      o.ok
        ? []
        : [
            {
              id: o.id,
              status: o.status,
              error: o.error,
              nextAttemptAt: new Date(now.getTime() + retryDelayMs(o.failures, random)),
            },
          ],
    )
    await markDelivered(db, ok, now)
    await markFailed(db, failed)
    result.delivered += ok.length
    result.failed += failed.length
    // Go on while a success may have made an alert's next row due, or more rows wait than a batch holds.
    if (ok.length === 0 && claimed.length < batch) break
  }
  return result
}

async function send(fetchImpl: typeof fetch, d: ClaimedDelivery, timeoutMs: number): Promise<Outcome> {
  try {
    const res = await fetchImpl(d.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'ParcelWatch-Webhooks/1',
        'x-parcelwatch-delivery': String(d.id),
        'x-parcelwatch-signature': signBody(d.secret, d.body),
      },
      body: d.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    })
    if (res.status >= 200 && res.status < 300) {
      await res.body?.cancel().catch(() => undefined)
      return { id: d.id, ok: true, status: res.status }
    }
    const snippet = await readStart(res, 300)
    return {
      id: d.id,
      ok: false,
      status: res.status,
      error: `HTTP ${res.status}${snippet ? `: ${snippet}` : ''}`,
      failures: d.attempts + 1,
    }
  } catch (err) {
    return { id: d.id, ok: false, status: null, error: describeError(err, timeoutMs), failures: d.attempts + 1 }
  }
}

/** The first characters of an error answer, for last_error; never the whole of a large body. */
async function readStart(res: Response, maxChars: number): Promise<string> {
  const reader = res.body?.getReader()
  if (!reader) return ''
  const decoder = new TextDecoder()
  let text = ''
  try {
    while (text.length < maxChars) {
      const { done, value } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
    }
  } catch {
    // The answer broke off: what arrived is enough.
  } finally {
    await reader.cancel().catch(() => undefined)
  }
  return text.slice(0, maxChars).trim()
}

function describeError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${timeoutMs} ms`
    const cause = (err as { cause?: { code?: string; message?: string } }).cause
    const detail = cause?.code ?? cause?.message
    return (detail ? `${err.message}: ${detail}` : err.message).slice(0, 500)
  }
  return String(err).slice(0, 500)
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  const lane = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane))
  return out
}

// ── Endpoints (admin) ──────────────────────────────────────────────────────

export interface NewWebhook {
  name: string
  url: string
  rules?: string[] | null
  minSeverity?: Severity
  hubCodes?: string[] | null
  minEscalationLevel?: number
  /** The language of the titles it receives (zh unless said). */
  lang?: AlertLang
}

/** Creates an endpoint with a fresh secret; the secret is returned here once and never shown again. */
export async function createWebhook(db: Queryable, w: NewWebhook): Promise<{ webhook: EndpointRow; secret: string }> {
  const secret = `whsec_${randomBytes(32).toString('base64url')}`
  const distinct = (xs: string[] | null | undefined) => (xs && xs.length > 0 ? [...new Set(xs)] : null)
  const webhook = await insertEndpoint(db, {
    name: w.name,
    url: w.url,
    secret,
    rules: distinct(w.rules),
    minSeverity: w.minSeverity ?? 'info',
    hubCodes: distinct(w.hubCodes),
    minEscalationLevel: w.minEscalationLevel ?? 0,
    lang: w.lang ?? 'zh',
  })
  return { webhook, secret }
}

export function listWebhooks(db: Queryable): Promise<EndpointSummary[]> {
  return listEndpoints(db)
}

/** Stops deliveries to an endpoint; what it had not yet received stays in the outbox, undelivered. */
export async function deactivateWebhook(db: Queryable, id: number): Promise<void> {
  if (!(await deactivateEndpoint(db, id))) throw new NotFoundError(`No webhook ${id}`)
}
