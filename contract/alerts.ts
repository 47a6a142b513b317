// Alerts: GET /api/v1/alerts, GET /api/v1/alerts/:id, the acknowledge/resolve answers,
// and the changes on the live channel's `alerts` frames.
import * as z from 'zod/mini'
import { ALERT_STATES } from './enums.ts'
import { count, id, isoTime, nullableString, severity } from './common.ts'

/**
 * An alert's title: a message key and parameters (web/src/features/alerts/messages.ts), or a
 * person's words in `title`; render with alertTitleIn.
 */
export const alertTitleFields = {
  title: nullableString,
  titleKey: nullableString,
  titleParams: z.nullable(z.record(z.string(), z.unknown())),
}

export const alertState = z.enum(ALERT_STATES)

export const alert = z.object({
  id,
  rule: z.string(),
  subject: z.string(),
  hubCode: nullableString,
  severity,
  state: alertState,
  ...alertTitleFields,
  itemCount: count,
  openedAt: isoTime,
  lastSeenAt: z.nullable(isoTime),
  acknowledgedAt: z.nullable(isoTime),
  acknowledgedBy: nullableString,
  resolvedAt: z.nullable(isoTime),
  resolvedBy: nullableString,
  escalationLevel: count,
  nextEscalationAt: z.optional(z.nullable(isoTime)),
  /** Silenced, in a maintenance window, or explained by an open incident at its hub: nobody is paged. */
  muted: z.boolean(),
  /** Muted as flapping (back within a shift after resolving by itself): it pages nobody until then. */
  flappingUntil: z.optional(z.nullable(isoTime)),
  details: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
})
export type Alert = z.output<typeof alert>

export const alertList = z.object({ alerts: z.array(alert) })
export const alertEnvelope = z.object({ alert })

export const alertHistoryEntry = z.object({
  at: isoTime,
  action: z.string(),
  user: nullableString,
  comment: nullableString,
  details: z.optional(z.unknown()),
})
export type AlertHistoryEntry = z.output<typeof alertHistoryEntry>

export const alertParcel = z.object({
  waybill: z.string(),
  tier: nullableString,
  status: z.string(),
  lastScanAt: z.nullable(isoTime),
  lastScanHub: nullableString,
  deadline: z.nullable(isoTime),
})
export type AlertParcel = z.output<typeof alertParcel>

export const alertDetail = z.object({
  alert,
  history: z.array(alertHistoryEntry),
  parcels: z.array(alertParcel),
})
export type AlertDetail = z.output<typeof alertDetail>

/** One alert change as published on the `alerts` channel. */
export const alertChange = z.object({
  id,
  action: z.string().check(z.minLength(1)),
  rule: z.optional(z.string()),
  subject: z.optional(z.string()),
  hubCode: z.optional(nullableString),
  severity: z.optional(z.string()),
  state: z.optional(z.string()),
  muted: z.optional(z.boolean()),
  title: z.optional(nullableString),
  titleKey: z.optional(nullableString),
  titleParams: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
  /** Parcels (or events) affected. */
  itemCount: z.optional(z.int().check(z.minimum(0))),
})
export type AlertChange = z.output<typeof alertChange>

/** POST /api/v1/incidents: the incident as the alert change it opened (a critical alert in a person's words). */
export const incidentAnswer = z.object({ alert: alertChange })

export const silence = z.object({
  id,
  rule: nullableString,
  hubCode: nullableString,
  startsAt: isoTime,
  endsAt: isoTime,
  kind: z.enum(['silence', 'maintenance']),
  comment: z.string(),
  /** Who set it (absent from the answer to POST /api/v1/silences). */
  createdBy: z.optional(nullableString),
})
export type Silence = z.output<typeof silence>
export const silenceList = z.object({ silences: z.array(silence) })

/**
 * A recurring maintenance window (GET/POST /api/v1/maintenance-windows): the alerts of
 * its hub and rule (null = any) page nobody on its weekdays from `start` to `end`,
 * Shanghai time, crossing midnight when `end` is earlier (the night after a listed day).
 */
export const maintenanceWindow = z.object({
  id,
  hubCode: nullableString,
  rule: nullableString,
  /** ISO weekdays (1 = Monday … 7 = Sunday) on which it starts; empty: every day. */
  days: z.array(z.int().check(z.minimum(1), z.maximum(7))),
  /** 'HH:MM', Shanghai time. */
  start: z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/)),
  end: z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/)),
  comment: z.string(),
  createdAt: isoTime,
  /** Whether it is running now (its alerts are muted now). */
  active: z.boolean(),
})
export type MaintenanceWindow = z.output<typeof maintenanceWindow>
export const maintenanceWindowList = z.object({ windows: z.array(maintenanceWindow) })
