/** Human roles (manual 1: organisation) plus the machine roles of API tokens. */
export const USER_ROLES = ['admin', 'manager', 'control_room', 'on_call', 'cs_operator', 'finance'] as const
export type UserRole = (typeof USER_ROLES)[number]
/** integrator: scanners, sorting lines and other systems that post events. */
export const TOKEN_ROLES = ['integrator'] as const
export type TokenRole = (typeof TOKEN_ROLES)[number]
/** display: an enrolled control-room wall screen; reads the live figures, nothing else. */
export const DISPLAY_ROLE = 'display' as const
export type DisplayRole = typeof DISPLAY_ROLE
export type Role = UserRole | TokenRole | DisplayRole

export const ALL_USER_ROLES: readonly UserRole[] = USER_ROLES
