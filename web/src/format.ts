// Display formatting helpers (pure).

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

/** Local wall-clock "HH:MM" for an epoch-ms or ISO time; "—" when invalid. */
export function formatClock(time: number | string | null | undefined): string {
  if (time === null || time === undefined) return '—';
  const ms = typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}
