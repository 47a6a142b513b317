import type pg from 'pg'

/** A pool or a client inside the caller's transaction (enqueue with the alert change it reports: one commit). */
export interface Queryable {
  // pg's own default for the row type, so that a pool and a client both fit
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>
}

/** One notification to route: the alert as it was when the action happened. */
export interface NotificationInput {
  alertId: number
  rule: string
  hubCode: string | null
  severity: string
  /** The title rendered in each language an endpoint may ask for (webhook_endpoints.lang). */
  titleZh: string
  titleEn: string
  /** What it was rendered from (null for a person's words). */
  titleKey: string | null
  titleParams: Record<string, unknown> | null
  itemCount: number
  /** The event name sent to receivers, e.g. 'alert.opened'. */
  event: string
}

/**
 * One outbox row per (active endpoint whose filters match, notification), in one
 * statement. Matching: rules NULL or containing the rule; hub_codes NULL or
 * containing the hub (an alert without a hub only reaches endpoints without a hub
 * filter); severity at least min_severity in the given order. Rows are numbered
 * in the order of the input, so one alert's events keep their order.
 */
// $1..$7 the notifications as parallel arrays (alert id, rule, hub, severity, Chinese title, item count, event),
// $8 severities from lowest to highest, $9 now, $10 `at` of the payload (ISO text),
// $11 English titles, $12 title keys, $13 title parameters (JSON text), parallel to $1
export async function insertNotifications(
  db: Queryable,
  items: readonly NotificationInput[],
  severityOrder: readonly string[],
  now: Date,
): Promise<number> {
  if (items.length === 0) return 0
  const r = await db.query(
    `INSERT INTO webhook_outbox (endpoint_id, alert_id, payload, created_at, next_attempt_at)
     SELECT e.id, c.alert_id,
            jsonb_build_object(
              'event', c.event,
              'lang', e.lang,
              'alert', jsonb_build_object('id', c.alert_id, 'rule', c.rule, 'severity', c.severity, 'hubCode', c.hub_code,
                'title', CASE e.lang WHEN 'en' THEN c.title_en ELSE c.title_zh END, 'titleKey', c.title_key, 'titleParams', c.title_params::jsonb,
                'itemCount', c.item_count, 'escalationLevel', coalesce(a.escalation_level, 0)),
              'at', $10::text),
            $9, $9
     FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $11::text[], $12::text[], $13::text[])
            WITH ORDINALITY AS c(alert_id, rule, hub_code, severity, title_zh, item_count, event, title_en, title_key, title_params, ord)
     LEFT JOIN alerts a ON a.id = c.alert_id
     JOIN webhook_endpoints e ON e.active
       AND coalesce(a.escalation_level, 0) >= e.min_escalation_level
       AND (e.rules IS NULL OR c.rule = ANY (e.rules))
       AND (e.hub_codes IS NULL OR c.hub_code = ANY (e.hub_codes))
       AND array_position($8::text[], c.severity) >= array_position($8::text[], e.min_severity)
     ORDER BY c.ord, e.id`,
    [
      items.map((i) => i.alertId),
      items.map((i) => i.rule),
      items.map((i) => i.hubCode),
      items.map((i) => i.severity),
      items.map((i) => i.titleZh),
      items.map((i) => i.itemCount),
      items.map((i) => i.event),
      severityOrder,
      now,
      now.toISOString(),
      items.map((i) => i.titleEn),
      items.map((i) => i.titleKey),
      items.map((i) => (i.titleParams === null ? null : JSON.stringify(i.titleParams))),
    ],
  )
  return r.rowCount ?? 0
}

/** The alerts' current rule, hub, severity, title and count, for actions reported by id only (acknowledge, resolve, escalate). */
// $1 alert ids
export async function alertsForNotification(db: Queryable, ids: readonly number[]) {
  const r = await db.query<{
    id: number
    rule: string
    hubCode: string | null
    severity: string
    title: string | null
    titleKey: string | null
    titleParams: Record<string, unknown> | null
    itemCount: number
  }>(
    `SELECT id, rule, hub_code AS "hubCode", severity, title, title_key AS "titleKey", title_params AS "titleParams", item_count AS "itemCount"
     FROM alerts WHERE id = ANY ($1::bigint[])`,
    [ids],
  )
  return r.rows
}

export interface ClaimedDelivery {
  id: number
  endpointId: number
  alertId: number
  url: string
  secret: string
  /** The payload exactly as sent and signed. */
  body: string
  attempts: number
}

/**
 * Claims due deliveries for this worker, in one short statement: the undelivered
 * rows of active endpoints that are due, in id order, skipping a row while an
 * older undelivered row of the same endpoint and alert exists (receivers see an
 * alert's events in order), and rows another worker holds locked. Claiming pushes
 * next_attempt_at to the lease end, so no other worker takes them meanwhile; a
 * worker that dies leaves them to be claimed again when the lease runs out.
 */
// $1 now, $2 batch size, $3 lease end
export async function claimDue(db: Queryable, now: Date, batch: number, leaseUntil: Date): Promise<ClaimedDelivery[]> {
  const r = await db.query<ClaimedDelivery>(
    `WITH due AS (
       SELECT o.id FROM webhook_outbox o JOIN webhook_endpoints e ON e.id = o.endpoint_id AND e.active
       WHERE o.delivered_at IS NULL AND o.next_attempt_at <= $1
         AND NOT EXISTS (SELECT 1 FROM webhook_outbox p
                         WHERE p.endpoint_id = o.endpoint_id AND p.alert_id = o.alert_id AND p.id < o.id AND p.delivered_at IS NULL)
       ORDER BY o.id LIMIT $2
       FOR UPDATE OF o SKIP LOCKED
     )
     UPDATE webhook_outbox o SET next_attempt_at = $3
     FROM due, webhook_endpoints e
     WHERE o.id = due.id AND e.id = o.endpoint_id
     RETURNING o.id, o.endpoint_id AS "endpointId", o.alert_id AS "alertId", e.url, e.secret, o.payload::text AS body, o.attempts`,
    [now, batch, leaseUntil],
  )
  return r.rows.sort((a, b) => a.id - b.id)
}

/** Marks deliveries done (unless another worker already did, after a lease ran out). */
// $1 ids, $2 statuses, $3 now
export async function markDelivered(
  db: Queryable,
  outcomes: ReadonlyArray<{ id: number; status: number }>,
  now: Date,
): Promise<void> {
  if (outcomes.length === 0) return
  await db.query(
    `UPDATE webhook_outbox o SET delivered_at = $3, attempts = o.attempts + 1, last_status = x.status, last_error = NULL
     FROM unnest($1::bigint[], $2::int[]) AS x(id, status)
     WHERE o.id = x.id AND o.delivered_at IS NULL`,
    [outcomes.map((o) => o.id), outcomes.map((o) => o.status), now],
  )
}

/** Records failed attempts and when to try again. */
// $1 ids, $2 statuses (NULL: no answer), $3 errors, $4 next attempts
export async function markFailed(
  db: Queryable,
  outcomes: ReadonlyArray<{ id: number; status: number | null; error: string; nextAttemptAt: Date }>,
): Promise<void> {
  if (outcomes.length === 0) return
  await db.query(
    `UPDATE webhook_outbox o SET attempts = o.attempts + 1, last_status = x.status, last_error = x.error, next_attempt_at = x.next_at
     FROM unnest($1::bigint[], $2::int[], $3::text[], $4::timestamptz[]) AS x(id, status, error, next_at)
     WHERE o.id = x.id AND o.delivered_at IS NULL`,
    [
      outcomes.map((o) => o.id),
      outcomes.map((o) => o.status),
      outcomes.map((o) => o.error),
      outcomes.map((o) => o.nextAttemptAt),
    ],
  )
}

export interface EndpointRow {
  id: number
  name: string
  url: string
  rules: string[] | null
  minSeverity: string
  hubCodes: string[] | null
  minEscalationLevel: number
  /** The language of the alert titles it receives. */
  lang: 'zh' | 'en'
  active: boolean
  createdAt: Date
}

export interface EndpointSummary extends EndpointRow {
  /** Undelivered notifications. */
  pending: number
  /** Undelivered notifications that failed at least once (being retried). */
  failing: number
  delivered: number
  lastError: string | null
}

const ENDPOINT_COLUMNS = `e.id, e.name, e.url, e.rules, e.min_severity AS "minSeverity", e.hub_codes AS "hubCodes",
  e.min_escalation_level AS "minEscalationLevel", e.lang, e.active, e.created_at AS "createdAt"`

/** Every endpoint (never its secret) with its delivery counts. */
export async function listEndpoints(db: Queryable): Promise<EndpointSummary[]> {
  const r = await db.query<EndpointSummary>(
    `SELECT ${ENDPOINT_COLUMNS},
            count(o.id) FILTER (WHERE o.delivered_at IS NULL)::int AS pending,
            count(o.id) FILTER (WHERE o.delivered_at IS NULL AND o.attempts > 0)::int AS failing,
            count(o.id) FILTER (WHERE o.delivered_at IS NOT NULL)::int AS delivered,
            (SELECT f.last_error FROM webhook_outbox f WHERE f.endpoint_id = e.id AND f.delivered_at IS NULL AND f.last_error IS NOT NULL
             ORDER BY f.id DESC LIMIT 1) AS "lastError"
     FROM webhook_endpoints e LEFT JOIN webhook_outbox o ON o.endpoint_id = e.id
     GROUP BY e.id ORDER BY e.active DESC, e.id`,
  )
  return r.rows
}

// $1 name, $2 url, $3 secret, $4 rules, $5 min severity, $6 hub codes, $7 min escalation level, $8 lang
export async function insertEndpoint(
  db: Queryable,
  e: {
    name: string
    url: string
    secret: string
    rules: string[] | null
    minSeverity: string
    hubCodes: string[] | null
    minEscalationLevel: number
    lang: 'zh' | 'en'
  },
): Promise<EndpointRow> {
  const r = await db.query<EndpointRow>(
    `INSERT INTO webhook_endpoints AS e (name, url, secret, rules, min_severity, hub_codes, min_escalation_level, lang) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     RETURNING ${ENDPOINT_COLUMNS}`,
    [e.name, e.url, e.secret, e.rules, e.minSeverity, e.hubCodes, e.minEscalationLevel, e.lang],
  )
  return r.rows[0]!
}

/** False when there is no such endpoint; deactivating twice is fine. */
// $1 id
export async function deactivateEndpoint(db: Queryable, id: number): Promise<boolean> {
  const r = await db.query('UPDATE webhook_endpoints SET active = false WHERE id = $1', [id])
  return (r.rowCount ?? 0) > 0
}
