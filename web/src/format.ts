// Display formatting helpers (pure).

import { SHANGHAI_OFFSET_MS } from './shanghai';

const integerFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimalFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/**
 * Thousands separators for the big KPI numbers ("1,234,567"). Integers show no
 * decimals; fractional values keep one. Non-finite values show an em dash.
 */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return Number.isInteger(value) ? integerFormat.format(value) : decimalFormat.format(value);
}

/**
 * The network runs on Beijing time whatever the viewer's machine says; China has
 * kept UTC+8 all year since 1991, so a fixed offset is exact.
 */

/** Beijing wall-clock "HH:MM" for an epoch-ms or ISO time; "—" when invalid. */
export function formatClock(time: number | string | null | undefined): string {
  if (time === null || time === undefined) return '—';
  const ms = typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(ms)) return '—';
  const d = new Date(ms + SHANGHAI_OFFSET_MS);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}
