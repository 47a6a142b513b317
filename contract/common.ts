// Building blocks of the response schemas. zod/mini: the web bundles these, and the
// mini build tree-shakes to the checks it uses (the server's input schemas use full zod;
// both are zod 4 and compose).
import * as z from 'zod/mini'
import { ROLES, SEVERITIES, TIERS } from './enums.ts'

/** An instant as JSON.stringify writes a Date (ISO 8601). */
export const isoTime = z.string().check(z.refine((s) => Number.isFinite(Date.parse(s)), 'an ISO 8601 instant'))
/** A Beijing calendar day, YYYY-MM-DD. */
export const isoDay = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/))
/** A count: a finite number ≥ 0. */
export const count = z.number().check(z.minimum(0))
export const id = z.int().check(z.positive())
export const nullableString = z.nullable(z.string())

export const tier = z.enum(TIERS)
export const severity = z.enum(SEVERITIES)
export const role = z.enum(ROLES)

export const severityCounts = z.object({ critical: count, warning: count, info: count })

/** `{ error: { code, message, details? } }`: every non-2xx answer (server/http/app.ts). */
export const apiErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.optional(z.unknown()) }),
})
export type ApiErrorBody = z.output<typeof apiErrorBody>
