/**
 * Period statements (manual 7.2: "approved by the head of finance, then the
 * general manager"). Pure rules: a draft is reviewed by finance, a reviewed
 * statement is approved by a manager (or admin) who did not review it; an
 * approved statement never changes.
 */
import type { Role } from './roles.ts'

import type { StatementState } from '../../contract/enums.ts'
export type { StatementState } from '../../contract/enums.ts'
export const REVIEWER_ROLES: readonly Role[] = ['finance', 'admin']
export const APPROVER_ROLES: readonly Role[] = ['manager', 'admin']

export interface StatementActors {
  state: StatementState
  reviewedBy: number | null
}

/** Why the step is refused, or null when it may go ahead. */
export function reviewRefusal(s: StatementActors, role: Role): string | null {
  if (!REVIEWER_ROLES.includes(role)) return 'Only finance reviews a statement'
  if (s.state !== 'draft') return `The statement is ${s.state}, not a draft`
  return null
}

export function approvalRefusal(s: StatementActors, role: Role, userId: number): string | null {
  if (!APPROVER_ROLES.includes(role)) return 'Only the general manager approves a statement'
  if (s.state === 'approved') return 'The statement is already approved and cannot change'
  if (s.state !== 'reviewed') return 'Finance reviews the statement before it is approved'
  if (s.reviewedBy === userId) return 'The person who reviewed the statement cannot also approve it'
  return null
}
