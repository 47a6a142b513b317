import { Redis } from 'ioredis'
import type { LoginThrottleConfig } from '../config.ts'
import type { Logger } from '../lib/logger.ts'
import { AppError } from '../lib/errors.ts'
import { producerConnectionOptions } from '../../jobs/queues.ts'
import { sha256 } from './auth.ts'

export class TooManyAttemptsError extends AppError {
  constructor(message: string, readonly retryAfterSeconds: number) { super(429, 'too_many_attempts', message) }
}

export interface Block { reason: 'user' | 'ip'; retryAfterMs: number }

/**
 * Login throttling in Redis, so that every server instance counts the same
 * attempts: failures per user name (the name locks for lockMs after maxFailures
 * within windowMs) and per client IP (throttled for the rest of its window after
 * ipMaxFailures). A name is keyed by its hash, so typed names (someone's phone
 * number by mistake) are not stored, and unknown names count exactly like real
 * ones: the answer never tells whether an account exists.
 */
export class LoginThrottle {
  private readonly redis: Redis

  constructor(redisUrl: string, private readonly prefix: string, private readonly cfg: LoginThrottleConfig, private readonly log: Logger) {
    this.redis = new Redis(redisUrl, producerConnectionOptions())
    this.redis.on('error', (err) => log.warn({ err: err.message }, 'login throttle connection error'))
  }

  private key(kind: 'fail' | 'lock', username: string): string {
    return `${this.prefix}:login:${kind}:${sha256(normalise(username))}`
  }

  private ipKey(ip: string): string {
    return `${this.prefix}:login:ip:${ip}`
  }

  /**
   * Whether this attempt must be refused before the password is even checked.
   * Redis unavailable: sign-in stays possible (the control centre must be able
   * to sign in during a Redis incident; scrypt still makes guessing slow), logged.
   */
  async check(username: string, ip: string): Promise<Block | undefined> {
    try {
      const r = await this.redis.multi().pttl(this.key('lock', username)).get(this.ipKey(ip)).pttl(this.ipKey(ip)).exec()
      const lockTtl = Number(r?.[0]?.[1] ?? -2)
      if (lockTtl > 0) return { reason: 'user', retryAfterMs: lockTtl }
      const ipFailures = Number(r?.[1]?.[1] ?? 0)
      const ipTtl = Number(r?.[2]?.[1] ?? -2)
      if (ipFailures >= this.cfg.ipMaxFailures && ipTtl > 0) return { reason: 'ip', retryAfterMs: ipTtl }
      return undefined
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'login throttle unavailable; attempt not limited')
      return undefined
    }
  }

  /** Counts a failed attempt; the failure that reaches the limit locks the name. */
  async failed(username: string, ip: string): Promise<void> {
    const failKey = this.key('fail', username)
    try {
      const r = await this.redis.multi()
        .set(failKey, 0, 'PX', this.cfg.windowMs, 'NX').incr(failKey)
        .set(this.ipKey(ip), 0, 'PX', this.cfg.windowMs, 'NX').incr(this.ipKey(ip))
        .exec()
      const failures = Number(r?.[1]?.[1] ?? 0)
      if (failures >= this.cfg.maxFailures) {
        await this.redis.multi().set(this.key('lock', username), 1, 'PX', this.cfg.lockMs).del(failKey).exec()
        this.log.warn({ failures, lockMinutes: this.cfg.lockMs / 60_000 }, 'a user name was locked after failed sign-ins')
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'failed sign-in not counted')
    }
  }

  /** A successful sign-in clears the name's failures (not the IP's: one good password doesn't excuse a spray). */
  async succeeded(username: string): Promise<void> {
    await this.redis.del(this.key('fail', username)).catch(() => undefined)
  }

  /** An admin's unlock: the lock and the failures so far. */
  async unlock(username: string): Promise<boolean> {
    const removed = await this.redis.del(this.key('lock', username), this.key('fail', username))
    return removed > 0
  }

  close(): void {
    this.redis.disconnect()
  }
}

export function normalise(username: string): string {
  return username.trim().toLowerCase()
}

export function blockError(b: Block): TooManyAttemptsError {
  const seconds = Math.max(1, Math.ceil(b.retryAfterMs / 1000))
  const minutes = Math.ceil(seconds / 60)
  return b.reason === 'user'
    ? new TooManyAttemptsError(`Too many failed sign-ins for this user name; try again in ${minutes} minute(s) or ask an administrator to unlock it`, seconds)
    : new TooManyAttemptsError(`Too many failed sign-ins from this address; try again in ${minutes} minute(s)`, seconds)
}
