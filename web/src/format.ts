// Display formatting helpers: numbers and Beijing clock times in the reader's locale,
// through vue-i18n's n() and d() (formats in locales/formats.ts).

import { d, n } from './i18n';

/**
 * Thousands separators for the big KPI numbers ("1,234,567"). Integers show no
 * decimals; fractional values keep one. Non-finite values show an em dash.
 */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return n(value, Number.isInteger(value) ? 'integer' : 'decimal');
}

/** Beijing wall-clock "HH:MM" for an epoch-ms or ISO time; "—" when invalid. */
export function formatClock(time: number | string | null | undefined): string {
  if (time === null || time === undefined) return '—';
  const ms = typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(ms)) return '—';
  return d(ms, 'clock');
}
