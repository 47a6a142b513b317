/**
 * Exception-rate spike of a hub: recent window against a baseline window (rules
 * in anomaly.ts). Pure arithmetic on four counts.
 *
 * Test: one-sided Fisher exact test on the 2×2 table (exceptions / other events ×
 * recent / baseline). Given the total number of exceptions in both windows, the
 * recent window's share of them follows a hypergeometric law if both windows
 * have the same rate; the p-value is its upper tail P(X ≥ recent exceptions).
 * Exact for any counts, and it accounts for the uncertainty of the baseline rate
 * too (a baseline of 1 exception in 20 events says little), where a plain
 * binomial test against the baseline rate would take it as known.
 *
 * Numerics: log-factorials (table below 256, Stirling series above, error below
 * 1e-15), one log-pmf, then the tail summed by the pmf's term ratio, always
 * outwards from the mode so the terms only shrink (when the asked tail contains
 * the mode, 1 − the other tail is summed instead).
 */

export interface WindowCounts {
  /** Exception events in the window. */
  exceptions: number
  /** All events in the window, exceptions included. */
  events: number
}

export interface ExceptionSpikeInput {
  recent: WindowCounts
  /** A window before the recent one, not overlapping it (e.g. the previous 7 days). */
  baseline: WindowCounts
}

export interface ExceptionSpikeOptions {
  /** Spike only if the one-sided p-value is at most this. Default 0.01. */
  alpha?: number
  /** Spike only with at least this many recent exceptions. Default 5. */
  minExceptions?: number
  /** Spike only if the recent rate is at least this multiple of the baseline rate. Default 2. */
  minRatio?: number
}

export interface ExceptionSpikeResult {
  spike: boolean
  /** exceptions / events of the recent window; null without recent events. */
  recentRate: number | null
  /** exceptions / events of the baseline window; null without baseline events. */
  baselineRate: number | null
  /** recentRate / baselineRate; null when either is null or the baseline rate is 0. */
  ratio: number | null
  /** One-sided Fisher exact p-value (1 when there is nothing to compare). */
  pValue: number
}

export const EXCEPTION_SPIKE_DEFAULTS: Readonly<Required<ExceptionSpikeOptions>> = Object.freeze({
  alpha: 0.01,
  minExceptions: 5,
  minRatio: 2,
})

function checkCounts(name: string, c: WindowCounts): void {
  const ok =
    Number.isSafeInteger(c.exceptions) &&
    Number.isSafeInteger(c.events) &&
    c.exceptions >= 0 &&
    c.exceptions <= c.events
  if (!ok) throw new RangeError(`${name}: need integers 0 ≤ exceptions ≤ events, got ${c.exceptions}/${c.events}`)
}

export function exceptionSpike(input: ExceptionSpikeInput, options: ExceptionSpikeOptions = {}): ExceptionSpikeResult {
  const o: Required<ExceptionSpikeOptions> = {
    alpha: options.alpha ?? EXCEPTION_SPIKE_DEFAULTS.alpha,
    minExceptions: options.minExceptions ?? EXCEPTION_SPIKE_DEFAULTS.minExceptions,
    minRatio: options.minRatio ?? EXCEPTION_SPIKE_DEFAULTS.minRatio,
  }
  if (!(o.alpha >= 0 && o.alpha <= 1)) throw new RangeError(`alpha must be within 0–1: ${o.alpha}`)
  if (!(Number.isFinite(o.minExceptions) && o.minExceptions >= 0))
    throw new RangeError(`bad minExceptions: ${o.minExceptions}`)
  if (!(Number.isFinite(o.minRatio) && o.minRatio >= 0)) throw new RangeError(`bad minRatio: ${o.minRatio}`)
  const { recent, baseline } = input
  checkCounts('recent', recent)
  checkCounts('baseline', baseline)

  const recentRate = recent.events > 0 ? recent.exceptions / recent.events : null
  const baselineRate = baseline.events > 0 ? baseline.exceptions / baseline.events : null
  const ratio = recentRate !== null && baselineRate !== null && baselineRate > 0 ? recentRate / baselineRate : null
  const pValue = hypergeometricUpperTail(
    recent.events + baseline.events,
    recent.exceptions + baseline.exceptions,
    recent.events,
    recent.exceptions,
  )
  // A baseline with events but no exceptions: any recent exception is an unbounded ratio.
  const ratioOk = ratio !== null ? ratio >= o.minRatio : baselineRate === 0 && recent.exceptions > 0
  const spike = recent.exceptions >= o.minExceptions && ratioOk && pValue <= o.alpha
  return { spike, recentRate, baselineRate, ratio, pValue }
}

// ---------------------------------------------------------------------------
// Hypergeometric tail

const LOG_FACTORIAL_TABLE: Float64Array = (() => {
  const t = new Float64Array(256)
  for (let i = 2; i < 256; i++) t[i] = t[i - 1]! + Math.log(i)
  return t
})()

function logFactorial(n: number): number {
  if (n < 256) return LOG_FACTORIAL_TABLE[n]!
  const inv = 1 / n
  const inv2 = inv * inv
  return n * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI * n) + inv * (1 / 12 - inv2 * (1 / 360 - inv2 / 1260))
}

function logChoose(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k)
}

/**
 * P(X ≥ k) for X ~ Hypergeometric(population N, K successes in it, n draws).
 * Exported for tests.
 */
export function hypergeometricUpperTail(N: number, K: number, n: number, k: number): number {
  const other = N - K
  const lo = Math.max(0, n - other)
  const hi = Math.min(n, K)
  if (k <= lo) return 1
  if (k > hi) return 0
  const logPmf = (x: number): number => logChoose(K, x) + logChoose(other, n - x) - logChoose(N, n)
  const mode = Math.floor(((n + 1) * (K + 1)) / (N + 2))
  if (k > mode) {
    // Terms decrease from k upwards.
    let term = 1
    let sum = 1
    for (let x = k; x < hi; x++) {
      term *= ((K - x) * (n - x)) / ((x + 1) * (other - n + x + 1))
      sum += term
      if (term < sum * 1e-17) break
    }
    return Math.min(1, Math.exp(logPmf(k) + Math.log(sum)))
  }
  // 1 − P(X ≤ k − 1); terms decrease from k − 1 downwards.
  let term = 1
  let sum = 1
  for (let x = k - 1; x > lo; x--) {
    term *= (x * (other - n + x)) / ((K - x + 1) * (n - x + 1))
    sum += term
    if (term < sum * 1e-17) break
  }
  return Math.min(1, Math.max(0, 1 - Math.exp(logPmf(k - 1) + Math.log(sum))))
}
