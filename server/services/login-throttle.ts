import { Redis } from 'ioredis'
import type { LoginThrottleConfig } from '../config.ts'
import type { Logger } from '../lib/logger.ts'
import { AppError } from '../lib/errors.ts'
import { GateBusy, KeyedGate } from '../lib/gate.ts'
import { producerConnectionOptions } from '../../jobs/queues.ts'
import { sha256 } from './auth.ts'

export class TooManyAttemptsError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, 'too_many_attempts', message)
  }
}

export interface Block {
  reason: 'user' | 'ip' | 'busy'
  retryAfterMs: number
}

/** An attempt let through: whether Redis counted it (and must be told how it ended). */
export interface Attempt {
  counted: boolean
}

/**
 * Counts an attempt before its password is checked, atomically: refuses while the
 * name is locked or the address is throttled, else adds one to the name's and the
 * address's counts; an attempt past the name's limit (others still in flight) locks
 * the name and is refused. KEYS: lock, name count, address count. ARGV: window ms,
 * max per name, max per address, lock ms. Returns {0, 0} to go ahead, {1, ttl} for
 * a locked name, {2, ttl} for a throttled address.
 */
const BEGIN = `
local lockTtl = redis.call('PTTL', KEYS[1])
if lockTtl > 0 then return {1, lockTtl} end
local ipCount = tonumber(redis.call('GET', KEYS[3]) or '0')
if ipCount >= tonumber(ARGV[3]) then
  local ttl = redis.call('PTTL', KEYS[3])
  if ttl > 0 then return {2, ttl} end
end
local n = redis.call('INCR', KEYS[2])
if n == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
if n > tonumber(ARGV[2]) then
  redis.call('DECR', KEYS[2])
  redis.call('SET', KEYS[1], 1, 'PX', ARGV[4])
  return {1, tonumber(ARGV[4])}
end
local i = redis.call('INCR', KEYS[3])
if i == 1 then redis.call('PEXPIRE', KEYS[3], ARGV[1]) end
return {0, 0}`

/** Takes back an attempt that must not count (a success for the address, or one never checked). KEYS: counts to lower. */
const UNCOUNT = `
for _, k in ipairs(KEYS) do
  if tonumber(redis.call('GET', k) or '0') > 0 then redis.call('DECR', k) end
end
return 0`

/**
 * Sign-in throttling in Redis, so that every server instance counts the same
 * attempts, per user name (locked for lockMs once maxFailures attempts within
 * windowMs did not succeed) and per client IP (throttled for the rest of its window
 * after ipMaxFailures). Each attempt is counted atomically *before* its password is
 * checked, so a burst sent at once is refused past the limit whatever is in flight.
 * A success clears the name's count and takes itself back from the address's.
 *
 * The password checks themselves run through a gate: at most checksPerIp at once
 * per client address and checksOverall in all, with short waiting lines, so one
 * client's flood waits behind its own slots (or is refused) while other people's
 * sign-ins start at once.
 *
 * A name is keyed by its hash, so typed names (someone's phone number by mistake)
 * are not stored, and unknown names count exactly like real ones: the answer never
 * tells whether an account exists.
 */
export class LoginThrottle {
  private readonly redis: Redis
  private readonly gate: KeyedGate

  constructor(
    redisUrl: string,
    private readonly prefix: string,
    private readonly cfg: LoginThrottleConfig,
    private readonly log: Logger,
  ) {
    this.redis = new Redis(redisUrl, producerConnectionOptions())
    this.redis.on('error', (err) => log.warn({ err }, 'login throttle connection error'))
    this.redis.defineCommand('pwLoginBegin', { numberOfKeys: 3, lua: BEGIN })
    this.redis.defineCommand('pwLoginUncount', { lua: UNCOUNT })
    this.gate = new KeyedGate({ perKey: cfg.checksPerIp, overall: cfg.checksOverall })
  }

  private key(kind: 'fail' | 'lock', username: string): string {
    return `${this.prefix}:login:${kind}:${sha256(normalise(username))}`
  }

  private ipKey(ip: string): string {
    return `${this.prefix}:login:ip:${ip}`
  }

  /**
   * Counts this attempt, or says why it is refused before any password check.
   * Redis unavailable: sign-in stays possible (the control centre must be able to
   * sign in during a Redis incident; the gate still bounds the checks), logged.
   */
  async begin(username: string, ip: string): Promise<{ block: Block } | Attempt> {
    try {
      const [verdict, ttl] = await (
        this.redis as Redis & { pwLoginBegin: (...a: (string | number)[]) => Promise<[number, number]> }
      ).pwLoginBegin(
        this.key('lock', username),
        this.key('fail', username),
        this.ipKey(ip),
        this.cfg.windowMs,
        this.cfg.maxFailures,
        this.cfg.ipMaxFailures,
        this.cfg.lockMs,
      )
      if (verdict === 1) return { block: { reason: 'user', retryAfterMs: ttl } }
      if (verdict === 2) return { block: { reason: 'ip', retryAfterMs: ttl } }
      return { counted: true }
    } catch (err) {
      this.log.warn({ err }, 'login throttle unavailable; attempt not limited')
      return { counted: false }
    }
  }

  /** Runs a password check within the per-address and overall bounds; refused with a busy block when the lines are full. */
  async check<T>(ip: string, task: () => Promise<T>): Promise<T> {
    try {
      return await this.gate.run(ip, task)
    } catch (err) {
      if (err instanceof GateBusy)
        throw Object.assign(blockError({ reason: 'busy', retryAfterMs: 2000 }), { busy: err.scope })
      throw err
    }
  }

  /** A wrong password (or unknown name): already counted; the failure that reaches the limit locks the name. */
  async failed(username: string, attempt: Attempt): Promise<void> {
    if (!attempt.counted) return
    const failKey = this.key('fail', username)
    try {
      const failures = Number((await this.redis.get(failKey)) ?? 0)
      if (failures >= this.cfg.maxFailures) {
        await this.redis.multi().set(this.key('lock', username), 1, 'PX', this.cfg.lockMs).del(failKey).exec()
        this.log.warn(
          { failures, lockMinutes: this.cfg.lockMs / 60_000 },
          'a user name was locked after failed sign-ins',
        )
      }
    } catch (err) {
      this.log.warn({ err }, 'failed sign-in not counted')
    }
  }

  /** A successful sign-in clears the name's count and takes itself back from the address's (failures there stay). */
  async succeeded(username: string, ip: string, attempt: Attempt): Promise<void> {
    if (!attempt.counted) return
    await this.redis
      .multi()
      .del(this.key('fail', username))
      .exec()
      .catch(() => undefined)
    await this.uncount([this.ipKey(ip)])
  }

  /** An attempt whose password was never checked (busy, or an error): it counts against nobody. */
  async abandoned(username: string, ip: string, attempt: Attempt): Promise<void> {
    if (attempt.counted) await this.uncount([this.key('fail', username), this.ipKey(ip)])
  }

  private async uncount(keys: string[]): Promise<void> {
    await (this.redis as Redis & { pwLoginUncount: (n: number, ...k: string[]) => Promise<number> })
      .pwLoginUncount(keys.length, ...keys)
      .catch(() => undefined)
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
  if (b.reason === 'busy')
    return new TooManyAttemptsError('Too many sign-ins in progress; try again in a few seconds', seconds)
  return b.reason === 'user'
    ? new TooManyAttemptsError(
        `Too many failed sign-ins for this user name; try again in ${minutes} minute(s) or ask an administrator to unlock it`,
        seconds,
      )
    : new TooManyAttemptsError(`Too many failed sign-ins from this address; try again in ${minutes} minute(s)`, seconds)
}
