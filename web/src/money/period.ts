// Period presets and money formatting for the finance pages. No DOM; money through
// vue-i18n's n() in the reader's locale.

import { n } from '../i18n';
import { DAY_MS, beijingDay } from '../shanghai';

export { beijingDay };

export type Preset = 'today' | '7d' | '30d' | 'month';
export const PRESETS: readonly Preset[] = ['today', '7d', '30d', 'month'];

/** Inclusive [from, to] of a preset, ending today (Beijing). */
export function presetPeriod(preset: Preset, now: number): { from: string; to: string } {
  const to = beijingDay(now);
  if (preset === 'today') return { from: to, to };
  if (preset === 'month') return { from: `${to.slice(0, 8)}01`, to };
  const days = preset === '7d' ? 7 : 30;
  return { from: beijingDay(now - (days - 1) * DAY_MS), to };
}

export function isDay(value: unknown): value is string {
  return (
    typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && Number.isFinite(Date.parse(`${value}T00:00:00Z`))
  );
}

/**
 * Fen as "¥1,234.56" in the reader's locale. Fen are integers and Intl rounds the yuan
 * to two decimals, so amounts far beyond any ledger's (up to 2^53 / 100 yuan) stay exact.
 */
export function formatFen(fen: number | null | undefined): string {
  if (fen === null || fen === undefined || !Number.isFinite(fen)) return '—';
  return n(Math.round(fen) / 100, 'currency');
}

/** Query string of a finance API call (skips empty values). */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  return q.toString();
}
