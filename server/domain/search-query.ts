/**
 * What a customer-service operator types into the search box, read as they mean it
 * (manual 5.1.2). Pure.
 *
 *   PW12345600000042     a waybill number (exact), or its first 6+ characters (prefix)
 *   13812341234          a full phone number
 *   1234                 the phone's last 4 digits
 *   司马琳 / 李娜 / 司马   a full or partial name of 2+ characters (recipient or sender)
 *   李娜 1234 / 李1234   a name (1+ characters) plus the phone's last 4 digits
 *
 * Anything shorter is refused with the stable code `query_too_short`, naming the rule.
 */
import { AppError } from '../lib/errors.ts'

export interface ParcelQuery {
  /** Upper-cased: exact waybill. */
  waybill?: string
  /** Upper-cased: the first 6+ characters of a waybill. */
  waybillPrefix?: string
  /** Digits only: a full phone number. */
  phone?: string
  last4?: string
  /** Lower-cased, spaces removed (as the database's search_name()). */
  name?: string
}

export const NAME_MIN = 2
export const WAYBILL_PREFIX_MIN = 6
const PHONE_MIN = 7

export type SearchRule = 'name_min_2' | 'waybill_prefix_min_6' | 'phone_full_or_last_4'

const RULES: Record<SearchRule, string> = {
  name_min_2: 'a name needs at least 2 characters (or 1 with the phone\'s last 4 digits, as in "李 1234")',
  waybill_prefix_min_6: 'a waybill needs at least its first 6 characters',
  phone_full_or_last_4: 'a phone number needs all its digits or exactly its last 4',
}

export class SearchQueryError extends AppError {
  constructor(public readonly rule: SearchRule) {
    super(400, 'query_too_short', `Search too short: ${RULES[rule]}`, [{ field: 'q', rule, message: RULES[rule] }])
  }
}

/** A name as the database compares it: lower-cased, without spaces. */
export function searchName(name: string): string {
  return name.toLowerCase().replace(/\s+/g, '')
}

/** Every two-character piece of a (search) name, as the database's name_bigrams() makes them. */
export function bigrams(name: string): string[] {
  const chars = Array.from(name)
  const out = new Set<string>()
  for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i]! + chars[i + 1]!)
  return [...out]
}

export function parseSearch(raw: string): ParcelQuery {
  const q = raw.trim().replace(/\s+/g, ' ')
  const compact = q.replace(/ /g, '')
  if (/^\+?[\d -]+$/.test(q)) {
    const digits = q.replace(/\D/g, '')
    if (digits.length === 4) return { last4: digits }
    if (digits.length >= PHONE_MIN) return { phone: digits }
    throw new SearchQueryError('phone_full_or_last_4')
  }
  // A name followed by the phone's last 4 digits: "李娜 1234", "李娜1234", "Li Na 1234"
  // (Latin letters glued to digits, "PW1234", are the start of a waybill instead).
  const withLast4 = /^(\D+?)( ?)(\d{4})$/u.exec(q)
  if (withLast4 && !(withLast4[2] === '' && /^[A-Za-z]+$/.test(withLast4[1]!))) {
    const name = searchName(withLast4[1]!)
    if (name.length >= 1) return { name, last4: withLast4[3]! }
  }
  // Letters and digits together: a waybill (names hold no digits).
  if (/^[A-Za-z0-9]+$/.test(compact) && /\d/.test(compact)) {
    if (compact.length < WAYBILL_PREFIX_MIN) throw new SearchQueryError('waybill_prefix_min_6')
    const w = compact.toUpperCase()
    return { waybill: w, waybillPrefix: w }
  }
  const name = searchName(q)
  if (Array.from(name).length < NAME_MIN) throw new SearchQueryError('name_min_2')
  // Latin letters only, long enough: could be a name (Li Na) or the start of a waybill (PWABCD).
  if (/^[A-Za-z]+$/.test(compact) && compact.length >= WAYBILL_PREFIX_MIN) {
    const w = compact.toUpperCase()
    return { name, waybill: w, waybillPrefix: w }
  }
  return { name }
}
