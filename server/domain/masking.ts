/**
 * Personal data masking as Chinese couriers print it ("privacy waybills"). Pure.
 * Roles that talk to customers see clear data; everyone else sees masks.
 */
import type { Role } from './roles.ts'

const UNMASKED_ROLES: readonly Role[] = ['admin', 'cs_operator']

export function canSeePersonalData(role: Role): boolean {
  return UNMASKED_ROLES.includes(role)
}

/** 13812341234 → 138****1234; short or odd numbers keep only their last 4 digits. */
export function maskPhone(phone: string | null): string | null {
  if (phone === null) return null
  const digits = phone.replace(/\D/g, '')
  if (digits.length >= 11) return `${digits.slice(0, 3)}****${digits.slice(-4)}`
  if (digits.length > 4) return `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`
  return '*'.repeat(digits.length)
}

/** 张三 → 张*, 欧阳娜娜 → 欧***, Li Wei → L*****: the family name or initial stays. */
export function maskName(name: string | null): string | null {
  if (name === null) return null
  const chars = Array.from(name.trim())
  if (chars.length <= 1) return '*'
  return chars[0] + '*'.repeat(chars.length - 1)
}

/** Keeps the district-level prefix (up to the first 6 characters) and hides the rest. */
export function maskAddress(address: string | null): string | null {
  if (address === null) return null
  const chars = Array.from(address)
  if (chars.length <= 6) return '*'.repeat(chars.length)
  return chars.slice(0, 6).join('') + '****'
}
