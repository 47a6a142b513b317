// Trend and percentage arithmetic for the wall tiles. Pure: no DOM, no Vue.

import type { OnTimeCount } from '../../contract';
import { n } from '../../i18n';

export type TrendDirection = 'up' | 'down' | 'flat';

/** Whether a rise is good news (delivered), bad news (exceptions, alerts) or neither. */
export type Polarity = 'higher-better' | 'lower-better' | 'neutral';

export type TrendTone = 'good' | 'bad' | 'neutral';

export interface Trend {
  direction: TrendDirection;
  /** current − previous (percentage points for rates). */
  delta: number;
  tone: TrendTone;
}

/**
 * Change of `current` against `previous`; null when there is nothing to compare with.
 * Changes smaller than `epsilon` in size count as flat (rates use 0.05 pp, so a
 * rounding wobble does not flip the arrow).
 */
export function trendOf(
  current: number | null,
  previous: number | null | undefined,
  polarity: Polarity = 'neutral',
  epsilon = 0,
): Trend | null {
  if (current === null || previous === null || previous === undefined) return null;
  if (!Number.isFinite(current) || !Number.isFinite(previous)) return null;
  const delta = current - previous;
  const direction: TrendDirection = Math.abs(delta) <= epsilon ? 'flat' : delta > 0 ? 'up' : 'down';
  let tone: TrendTone = 'neutral';
  if (direction !== 'flat' && polarity !== 'neutral') {
    const better = polarity === 'higher-better' ? direction === 'up' : direction === 'down';
    tone = better ? 'good' : 'bad';
  }
  return { direction, delta, tone };
}

/** Share in percent (0–100), or null when the denominator is 0 (no deliveries yet). */
export function percent(part: number, whole: number): number | null {
  if (!Number.isFinite(part) || !Number.isFinite(whole) || whole <= 0) return null;
  return (Math.min(part, whole) / whole) * 100;
}

export function onTimePercent(count: OnTimeCount | null | undefined): number | null {
  return count ? percent(count.onTime, count.delivered) : null;
}

/** "96.4 %" with one decimal, but "100 %" rather than "100.0 %"; "—" for null. */
export function formatPercent(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  const rounded = Math.round(value * 10) / 10;
  return `${rounded === 100 || rounded === 0 ? rounded.toFixed(0) : rounded.toFixed(1)} %`;
}

const ARROWS: Record<TrendDirection, string> = { up: '▲', down: '▼', flat: '▬' };

export function trendArrow(direction: TrendDirection): string {
  return ARROWS[direction];
}

/**
 * Signed delta for display: "+1,204", "−37", "±0" for counts; rates in percentage
 * points with one decimal ("+1.5 pp"). Uses the real minus sign, readable from afar.
 */
export function formatDelta(delta: number, unit: 'count' | 'pp' = 'count'): string {
  if (!Number.isFinite(delta)) return '—';
  const size = Math.abs(delta);
  const body = unit === 'pp' ? `${(Math.round(size * 10) / 10).toFixed(1)} pp` : n(Math.round(size), 'integer');
  if (body === '0' || body === '0.0 pp') return `±${body}`;
  return `${delta > 0 ? '+' : '−'}${body}`;
}
