/**
 * Complaint handling (manual 6.2): receive → analyse the cause → coordinate with
 * departments → report the result to the customer → close with the customer's
 * satisfaction. Pure: states move forward only, one step or several at once
 * (a complaint answered on the phone goes straight to replied), never back.
 */
import { COMPLAINT_STATES, type ComplaintState } from '../../contract/enums.ts'

export { COMPLAINT_CHANNELS, COMPLAINT_STATES } from '../../contract/enums.ts'
export type { ComplaintChannel, ComplaintState } from '../../contract/enums.ts'

/** States in which the handling clock runs: the customer has no answer yet. */
export const UNANSWERED: readonly ComplaintState[] = ['received', 'analysing', 'coordinating']

export function canMove(from: ComplaintState, to: ComplaintState): boolean {
  return COMPLAINT_STATES.indexOf(to) > COMPLAINT_STATES.indexOf(from)
}

/** Due time: the category's limit after the complaint was received. */
export function dueAt(receivedAt: Date, limitHours: number): Date {
  return new Date(receivedAt.getTime() + limitHours * 3_600_000)
}

/** Past its limit and not yet answered. */
export function isOverdue(state: ComplaintState, due: Date, now: Date): boolean {
  return UNANSWERED.includes(state) && due.getTime() < now.getTime()
}

/**
 * Severity of the overdue alert: warning once past the limit, critical once it has
 * waited twice its limit (a 24 h complaint still unanswered after 48 h).
 */
export function overdueSeverity(receivedAt: Date, limitHours: number, now: Date): 'warning' | 'critical' {
  return now.getTime() - receivedAt.getTime() >= 2 * limitHours * 3_600_000 ? 'critical' : 'warning'
}
