/** Human roles (manual 1: organisation) plus the machine roles of API tokens: the wire's enums (contract/enums.ts). */
import { USER_ROLES, type UserRole } from '../../contract/enums.ts'

export { DISPLAY_ROLE, TOKEN_ROLES, USER_ROLES } from '../../contract/enums.ts'
export type { DisplayRole, Role, TokenRole, UserRole } from '../../contract/enums.ts'

export const ALL_USER_ROLES: readonly UserRole[] = USER_ROLES
