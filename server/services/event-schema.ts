import { z } from 'zod'
import { EVENT_TYPES, EXCEPTION_REASONS } from '../domain/status.ts'
import { BadRequestError } from '../lib/errors.ts'

export const WAYBILL_PATTERN = /^[A-Z0-9]{8,20}$/

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
/** Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they reorder what others read ("Trojan source"). */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/

/**
 * What makes a string unfit to store, or undefined: a NUL character (PostgreSQL text can't
 * hold it), a lone surrogate (it would be stored as U+FFFD, silently) or a bidi control.
 */
export function badCharacter(v: string): string | undefined {
  if (v.includes('\u0000')) return "contains a NUL character (\\u0000), which can't be stored"
  if (LONE_SURROGATE.test(v))
    return 'contains a lone UTF-16 surrogate (\\uD800–\\uDFFF without its pair), which is not text'
  if (BIDI_CONTROL.test(v))
    return 'contains a bidirectional control character (U+202A–U+202E, U+2066–U+2069), which is refused'
  return undefined
}

/** Free text PostgreSQL can store, as it was sent: see badCharacter. */
export const storableText = () =>
  z.string().superRefine((v, ctx) => {
    const bad = badCharacter(v)
    if (bad) ctx.addIssue({ code: 'custom', message: bad })
  })

/** One scan event as integrators send it. Unknown fields are refused, not ignored. */
export const eventInputSchema = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
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

/** What the sender put at this path (zod 4 leaves `input` out of its issues, so it is looked up). */
export function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw
  for (const k of path) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, k)) return undefined
    v = (v as Record<PropertyKey, unknown>)[k]
  }
  return v
}

/** A field is missing when absent or undefined; `null` or a wrong type is an invalid field. */
export const isAbsent = (raw: unknown, path: readonly PropertyKey[]): boolean => valueAt(raw, path) === undefined

export const typeName = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`

/** Turns zod's first issue into a reason an integrator can act on. */
export function rejectionFromIssues(index: number, raw: unknown, issues: readonly z.core.$ZodIssue[]): Rejection {
  const id =
    typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string'
      ? (raw as { id: string }).id
      : null
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { index, id, code: 'invalid_event', field: null, message: 'each event must be a JSON object' }
  }
  const issue = issues[0]!
  const field = issue.path.length > 0 ? issue.path.join('.') : null
  if (issue.code === 'unrecognized_keys') {
    return {
      index,
      id,
      code: 'unknown_field',
      field: issue.keys.join(','),
      message: `unknown field(s): ${issue.keys.join(', ')}`,
    }
  }
  if (issue.code === 'invalid_type' && isAbsent(raw, issue.path)) {
    return { index, id, code: 'missing_field', field, message: `${field ?? 'event'} is required` }
  }
  if (issue.code === 'invalid_type') {
    return {
      index,
      id,
      code: 'invalid_field',
      field,
      message: `${field ?? 'event'} must be a ${issue.expected}, not ${typeName(valueAt(raw, issue.path))}`,
    }
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
    throw new BadRequestError(
      `Unknown member(s) of the batch: ${unknown.join(', ')}; send { "${listKey}": [...] } or a bare array`,
      unknown.map((field) => ({ field, message: 'unknown field' })),
    )
  }
}
