// Who is signed in: GET /api/v1/auth/me, POST /api/v1/auth/login.
import * as z from 'zod/mini'
import { isoTime, role } from './common.ts'

export const user = z.object({
  username: z.string().check(z.minLength(1)),
  displayName: z.string(),
  role,
  /** The hub a person's account is scoped to; null for network-wide staff. */
  hubCode: z.optional(z.nullable(z.string())),
  /** An admin reset the password: the person must choose a new one before anything else. */
  mustChangePassword: z.optional(z.boolean()),
})
export type User = z.output<typeof user>

export const userEnvelope = z.object({ user })
export const loginAnswer = z.object({ user, expiresAt: isoTime })
