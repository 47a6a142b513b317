// The shift handover report: GET /api/v1/handover?from&to (server/services/handover.ts).
import * as z from 'zod/mini'
import { alertTitleFields, silence } from './alerts.ts'
import { count, id, isoTime, nullableString, severityCounts } from './common.ts'

export const tierOnTime = z
  .object({
    delivered: count,
    onTime: count,
    /** Late because of the consignee: counted on neither side of the rate. */
    excused: count,
  })
  .check(z.refine((t) => t.onTime + t.excused <= t.delivered, 'on time + excused ≤ delivered'))
export type TierOnTime = z.output<typeof tierOnTime>

/** Open alerts by severity at an instant, muted ones apart. */
export const alertCounts = z.extend(severityCounts, { muted: count })
export type AlertCounts = z.output<typeof alertCounts>
const instant = z.object({ inFlight: count, openAlerts: alertCounts })

export const handoverKpis = z.object({
  start: instant,
  end: instant,
  during: z.object({
    collected: count,
    delivered: count,
    returned: count,
    exceptions: count,
    onTime: z.object({ express: tierOnTime, standard: tierOnTime, economy: tierOnTime }),
  }),
})
export type HandoverKpis = z.output<typeof handoverKpis>

export const activityAction = z.enum(['opened', 'acknowledged', 'resolved', 'auto_resolved', 'escalated'])
export type ActivityAction = z.output<typeof activityAction>
export const activityItem = z.object({
  alertId: id,
  action: activityAction,
  at: isoTime,
  by: nullableString,
  comment: z.string(),
  level: z.nullable(count),
  rule: z.string(),
  hubCode: nullableString,
  severity: z.string(),
  ...alertTitleFields,
})
/** All of them in the shift (`total`); `items` may stop earlier. */
export const activityList = z
  .object({ total: count, items: z.array(activityItem) })
  .check(z.refine((l) => l.items.length <= l.total, 'no more items than the total'))

/** Who holds an alert still unresolved: who acknowledged it, else its escalation level. */
export const holder = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('acknowledged'), by: nullableString, at: isoTime }),
  z.object({ kind: z.literal('escalated'), level: id }),
  z.object({ kind: z.literal('unowned') }),
])
export type Holder = z.output<typeof holder>

export const openAlertAtEnd = z.object({
  id,
  rule: z.string(),
  hubCode: nullableString,
  severity: z.string(),
  ...alertTitleFields,
  itemCount: count,
  openedAt: isoTime,
  acknowledgedAt: z.nullable(isoTime),
  acknowledgedBy: nullableString,
  escalationLevel: count,
  muted: z.boolean(),
  holder,
})

export const incidentInShift = z.object({
  id,
  hubCode: nullableString,
  kind: nullableString,
  title: z.string(),
  comment: nullableString,
  openedAt: isoTime,
  openedBy: nullableString,
  acknowledgedAt: z.nullable(isoTime),
  acknowledgedBy: nullableString,
  resolvedAt: z.nullable(isoTime),
  resolvedBy: nullableString,
})
export type IncidentInShift = z.output<typeof incidentInShift>

export const silenceInShift = z.extend(silence, { createdBy: nullableString })
export type SilenceInShift = z.output<typeof silenceInShift>

export const handoverReport = z.object({
  from: isoTime,
  to: isoTime,
  /** Where the figures stop: `to`, or now for the shift still running. */
  end: isoTime,
  complete: z.boolean(),
  kpis: handoverKpis,
  alerts: z.object({
    opened: activityList,
    acknowledged: activityList,
    resolved: activityList,
    escalated: activityList,
  }),
  stillOpen: z.object({ truncated: z.boolean(), items: z.array(openAlertAtEnd) }),
  incidents: z.array(incidentInShift),
  silences: z.array(silenceInShift),
})
export type HandoverReport = z.output<typeof handoverReport>
