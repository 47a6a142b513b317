import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import { Algorithm, hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2'

/**
 * New hashes are argon2id (@node-rs/argon2: native, runs on libuv's thread pool so
 * the event loop stays free). 'default' is OWASP's recommendation (19 MiB, t = 2,
 * p = 1): about 0.1 s here, where the scrypt it replaces (N = 2^17, 128 MiB) took
 * 1–3 s on a busy 2-core machine. 'low' is a cheap cost for tests only
 * (PASSWORD_HASH_COST=low), never for people's passwords.
 *
 * Hashes made before (scrypt$N$r$p$salt$key) still verify; `needsRehash` tells the
 * sign-in to replace them with an argon2id hash once the password is known good.
 */
export type PasswordHashCost = 'default' | 'low'

interface Argon2Params {
  memoryCost: number
  timeCost: number
  parallelism: number
}

const COSTS: Record<PasswordHashCost, Argon2Params> = {
  default: { memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 },
  low: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
}
const KEY_LEN = 32

const prepare = (password: string): string => password.normalize('NFKC')

export async function hashPassword(password: string, cost: PasswordHashCost = 'default'): Promise<string> {
  return argon2Hash(prepare(password), { algorithm: Algorithm.Argon2id, outputLen: KEY_LEN, ...COSTS[cost] })
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (stored.startsWith('$argon2id$')) return argon2Verify(stored, prepare(password)).catch(() => false)
  if (stored.startsWith('scrypt$')) return verifyScrypt(password, stored)
  return false
}

/** The parameters of an argon2id hash ($argon2id$v=19$m=…,t=…,p=…$salt$hash), or undefined for anything else. */
function argon2Params(stored: string): Argon2Params | undefined {
  const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(stored)
  return m ? { memoryCost: Number(m[1]), timeCost: Number(m[2]), parallelism: Number(m[3]) } : undefined
}

/** Whether a hash that just verified should be replaced: not argon2id, or weaker than this cost. */
export function needsRehash(stored: string, cost: PasswordHashCost = 'default'): boolean {
  const have = argon2Params(stored)
  const want = COSTS[cost]
  return !have || have.memoryCost < want.memoryCost || have.timeCost < want.timeCost
}

const dummies = new Map<PasswordHashCost, string>()

/**
 * A well-formed argon2id hash at this cost that no password matches (random key), to
 * spend the same time on unknown user names as on known ones.
 */
export function dummyHash(cost: PasswordHashCost = 'default'): string {
  let h = dummies.get(cost)
  if (!h) {
    const { memoryCost, timeCost, parallelism } = COSTS[cost]
    const b64 = (n: number) => randomBytes(n).toString('base64').replace(/=+$/, '')
    h = `$argon2id$v=19$m=${memoryCost},t=${timeCost},p=${parallelism}$${b64(16)}$${b64(KEY_LEN)}`
    dummies.set(cost, h)
  }
  return h
}

// Hashes made before argon2id: scrypt$N$r$p$salt$key (N = 2^17, r = 8, p = 1 in production).
function verifyScrypt(password: string, stored: string): Promise<boolean> {
  const [, n, r, p, salt, key] = stored.split('$')
  if (!n || !r || !p || !salt || !key) return Promise.resolve(false)
  const N = Number(n),
    R = Number(r),
    P = Number(p)
  const options: ScryptOptions = { N, r: R, p: P, maxmem: 256 * N * R + 1024 * 1024 }
  const expected = Buffer.from(key, 'base64')
  return new Promise((resolve) => {
    scrypt(prepare(password), Buffer.from(salt, 'base64'), expected.length, options, (err, actual) => {
      resolve(!err && actual.length === expected.length && timingSafeEqual(actual, expected))
    })
  })
}

/** A scrypt hash as ParcelWatch made them before argon2id (for tests of the upgrade; N as given). */
export function legacyScryptHash(password: string, n = 2 ** 17): Promise<string> {
  const salt = randomBytes(16)
  return new Promise((resolve, reject) => {
    scrypt(prepare(password), salt, KEY_LEN, { N: n, r: 8, p: 1, maxmem: 256 * n * 8 + 1024 * 1024 }, (err, key) => {
      if (err) reject(err)
      else resolve(`scrypt$${n}$8$1$${salt.toString('base64')}$${key.toString('base64')}`)
    })
  })
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}
