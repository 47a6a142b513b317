// Hand-offs from on-call to customer service: GET /api/v1/handoffs and the create/done answers.
import * as z from 'zod/mini'
import { HANDOFF_STATES } from './enums.ts'
import { count, id, isoTime, nullableString } from './common.ts'
import { alertTitleFields } from './alerts.ts'

export const person = z.object({ username: z.string(), displayName: z.string() })
export type Person = z.output<typeof person>

export const handoffParcel = z.object({
  waybill: z.string(),
  tier: nullableString,
  status: nullableString,
  lastScanAt: z.nullable(isoTime),
  lastScanHub: nullableString,
  deadline: z.nullable(isoTime),
  /** Masked unless the reader's role talks to customers (`masked` on the hand-off). */
  recipient: z.object({ name: nullableString, phone: nullableString, city: nullableString }),
})
export type HandoffParcel = z.output<typeof handoffParcel>

export const handoff = z.object({
  id,
  alert: z.object({
    id,
    ...alertTitleFields,
    rule: z.string(),
    hubCode: nullableString,
    severity: z.string(),
    state: z.string(),
  }),
  note: z.string(),
  createdBy: person,
  createdAt: isoTime,
  state: z.enum(HANDOFF_STATES),
  doneBy: z.nullable(person),
  doneAt: z.nullable(isoTime),
  doneComment: nullableString,
  parcelCount: count,
  masked: z.boolean(),
  parcels: z.array(handoffParcel),
})
export type Handoff = z.output<typeof handoff>

export const handoffList = z.object({ handoffs: z.array(handoff) })
export const handoffEnvelope = z.object({ handoff })
