import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

/**
 * 'default': scrypt with OWASP's parameters (N = 2^17, r = 8, p = 1: 128 MiB).
 * 'low': a cheap cost for tests only (PASSWORD_HASH_COST=low), never for people's passwords.
 */
export type PasswordHashCost = 'default' | 'low'

const COSTS: Record<PasswordHashCost, { n: number; r: number; p: number }> = {
  default: { n: 2 ** 17, r: 8, p: 1 },
  low: { n: 2 ** 10, r: 8, p: 1 },
}
const KEY_LEN = 32

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  const options: ScryptOptions = { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 }
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LEN, options, (err, key) => (err ? reject(err) : resolve(key)))
  })
}

export async function hashPassword(password: string, cost: PasswordHashCost = 'default'): Promise<string> {
  const { n, r, p } = COSTS[cost]
  const salt = randomBytes(16)
  const key = await derive(password, salt, n, r, p)
  return `scrypt$${n}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$')
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !key) return false
  const expected = Buffer.from(key, 'base64')
  const actual = await derive(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p))
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/** A hash that never matches, to spend the same time on unknown user names as on known ones hashed at this cost. */
export function dummyHash(cost: PasswordHashCost = 'default'): string {
  const { n, r, p } = COSTS[cost]
  return `scrypt$${n}$${r}$${p}$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}
