// The enumerations of the wire, defined once. The server's input schemas (z.enum(TIERS)),
// its domain modules and the web import them from here; contract/*.ts builds the
// response schemas on them. Pure module with no imports (compiled by server and web).

/** Service tiers (manual 3.1). */
export const TIERS = ['express', 'standard', 'economy'] as const
export type Tier = (typeof TIERS)[number]

/** Alert severities, most urgent first (the order of every count by severity). */
export const SEVERITIES = ['critical', 'warning', 'info'] as const
export type Severity = (typeof SEVERITIES)[number]

export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const
export type AlertState = (typeof ALERT_STATES)[number]
/** The `state` filter of GET /api/v1/alerts: `active` = open or acknowledged. */
export const ALERT_STATE_FILTERS = ['active', ...ALERT_STATES, 'all'] as const
export type AlertStateFilter = (typeof ALERT_STATE_FILTERS)[number]

export const HANDOFF_STATES = ['open', 'done'] as const
export type HandoffState = (typeof HANDOFF_STATES)[number]

/** Complaint handling (manual 6.2): states move forward only. */
export const COMPLAINT_STATES = ['received', 'analysing', 'coordinating', 'replied', 'closed'] as const
export type ComplaintState = (typeof COMPLAINT_STATES)[number]
export const COMPLAINT_CHANNELS = ['phone', 'email', 'online'] as const
export type ComplaintChannel = (typeof COMPLAINT_CHANNELS)[number]

export const CLAIM_STATES = ['open', 'approved', 'rejected', 'paid'] as const
export type ClaimState = (typeof CLAIM_STATES)[number]
export const CLAIM_REASONS = ['lost', 'damaged'] as const
export type ClaimReason = (typeof CLAIM_REASONS)[number]

/** Period statements (manual 7.2): draft → reviewed (finance) → approved (a manager). */
export const STATEMENT_STATES = ['draft', 'reviewed', 'approved'] as const
export type StatementState = (typeof STATEMENT_STATES)[number]

export const PAYMENT_STATES = ['unpaid', 'paid', 'invoiced'] as const
export type PaymentState = (typeof PAYMENT_STATES)[number]

/** A parcel's verdict against its promise (server/domain/verdict.ts). */
export const VERDICTS = ['on_time', 'late', 'excused', 'at_risk', 'on_track'] as const
export type Verdict = (typeof VERDICTS)[number]

/** How a closed parcel is judged in the SLA figures (server/db/sla-repo.ts). */
export const SLA_OUTCOMES = ['on_time', 'late', 'excused'] as const
export type SlaOutcome = (typeof SLA_OUTCOMES)[number]

/** Human roles (manual 1: organisation). */
export const USER_ROLES = ['admin', 'manager', 'control_room', 'on_call', 'cs_operator', 'finance'] as const
export type UserRole = (typeof USER_ROLES)[number]
/** integrator: scanners, sorting lines and other systems that post events. */
export const TOKEN_ROLES = ['integrator'] as const
export type TokenRole = (typeof TOKEN_ROLES)[number]
/** display: an enrolled control-room wall screen; reads the live figures, nothing else. */
export const DISPLAY_ROLE = 'display' as const
export type DisplayRole = typeof DISPLAY_ROLE
export const ROLES = [...USER_ROLES, ...TOKEN_ROLES, DISPLAY_ROLE] as const
export type Role = (typeof ROLES)[number]
