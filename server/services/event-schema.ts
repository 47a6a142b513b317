import { z } from 'zod'
import { EVENT_TYPES, EXCEPTION_REASONS } from '../domain/status.ts'
import { BadRequestError } from '../lib/errors.ts'

export const WAYBILL_PATTERN = /^[A-Z0-9]{8,20}$/

/** Free text PostgreSQL can store: no NUL character (U+0000). */
export const storableText = () => z.string().refine((v) => !v.includes('\u0000'), "contains a NUL character (\\u0000), which can't be stored")

/** One scan event as integrators send it. Unknown fields are refused, not ignored. */
export const eventInputSchema = z.strictObject({
  id: z.string().min(1).max(64).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
  time: z.iso.datetime({ offset: true }),
  waybill: z.string().regex(WAYBILL_PATTERN, '8–20 upper-case letters or digits'),
  type: z.enum(EVENT_TYPES),
  hub: storableText().min(2).max(16),
  courier: storableText().min(2).max(24).optional(),
  latitude: z.number().min(-90).max(90).optional(),
  longitude: z.number().min(-180).max(180).optional(),
  signer: storableText().trim().min(1).max(50).optional(),
  reason: z.enum(EXCEPTION_REASONS).optional(),
  detail: storableText().max(500).optional(),
})
export type EventInput = z.infer<typeof eventInputSchema>

export interface Rejection {
  index: number
  id: string | null
  code: string
  field: string | null
  message: string
}

/** Turns zod's first issue into a reason an integrator can act on. */
export function rejectionFromIssues(index: number, raw: unknown, issues: readonly z.core.$ZodIssue[]): Rejection {
  const id = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : null
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { index, id, code: 'invalid_event', field: null, message: 'each event must be a JSON object' }
  }
  const issue = issues[0]!
  const field = issue.path.length > 0 ? issue.path.join('.') : null
  if (issue.code === 'unrecognized_keys') {
    return { index, id, code: 'unknown_field', field: issue.keys.join(','), message: `unknown field(s): ${issue.keys.join(', ')}` }
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return { index, id, code: 'missing_field', field, message: `${field ?? 'event'} is required` }
  }
  if (field === 'type') {
    return { index, id, code: 'bad_type', field, message: `type must be one of ${EVENT_TYPES.join(', ')}` }
  }
  return { index, id, code: 'invalid_field', field, message: `${field ?? 'event'}: ${issue.message}` }
}

/** A batch envelope (`{ events: [...] }`, `{ shipments: [...] }`) holds nothing else: unknown members are refused, not ignored. */
export function refuseUnknownMembers(body: unknown, listKey: string): void {
  if (Array.isArray(body) || typeof body !== 'object' || body === null) return
  const unknown = Object.keys(body).filter((k) => k !== listKey)
  if (unknown.length > 0) {
    throw new BadRequestError(`Unknown member(s) of the batch: ${unknown.join(', ')}; send { "${listKey}": [...] } or a bare array`, unknown.map((field) => ({ field, message: 'unknown field' })))
  }
}
