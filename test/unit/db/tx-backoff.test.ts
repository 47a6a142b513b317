import { describe, expect, it } from 'vitest'
import { backoffMs, isRetryable } from '../../../server/db/tx.ts'

describe('transaction retry policy', () => {
  it('retries deadlocks and serialization failures only', () => {
    expect(isRetryable({ code: '40P01' })).toBe(true)
    expect(isRetryable({ code: '40001' })).toBe(true)
    for (const code of ['23505', '57014', '40002', 'ECONNRESET']) expect(isRetryable({ code })).toBe(false)
    expect(isRetryable(new Error('no code'))).toBe(false)
    expect(isRetryable(null)).toBe(false)
  })

  it('pauses a jittered, growing, capped time: between a quarter and all of 10 ms · 2^attempt, at most 1 s', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = Math.min(1000, 10 * 2 ** attempt)
      expect(backoffMs(attempt, () => 0)).toBe(Math.round(ceiling / 4))
      expect(backoffMs(attempt, () => 0.999999)).toBe(Math.round(ceiling))
    }
    // Two clients that deadlocked draw different pauses (jitter), so they seldom meet again.
    const draws = new Set(Array.from({ length: 50 }, () => backoffMs(4)))
    expect(draws.size).toBeGreaterThan(10)
  })
})
