// The SLA page's period: whole Beijing days, presets and the URL form. Pure: `now` is a parameter.

import { DAY_MS, beijingDay } from '../../shanghai';

export const PRESETS = ['today', '7d', '30d', 'month', 'custom'] as const;
export type Preset = (typeof PRESETS)[number];

export interface Period {
  preset: Preset;
  /** YYYY-MM-DD, Beijing days, inclusive. */
  from: string;
  to: string;
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

export { beijingDay };

export function isDay(s: unknown): s is string {
  return typeof s === 'string' && DAY_RE.test(s) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;
}

export function shiftDay(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}

/** A preset's days as of `now`: N days end today (Beijing), this month starts on the 1st. */
export function presetPeriod(preset: Exclude<Preset, 'custom'>, now: number): Period {
  const today = beijingDay(now);
  switch (preset) {
    case 'today':
      return { preset, from: today, to: today };
    case '7d':
      return { preset, from: shiftDay(today, -6), to: today };
    case '30d':
      return { preset, from: shiftDay(today, -29), to: today };
    case 'month':
      return { preset, from: `${today.slice(0, 8)}01`, to: today };
  }
}

export const DEFAULT_PRESET = '7d' as const;
export const MAX_DAYS = 366;

type QueryValue = string | null | undefined | Array<string | null>;
const one = (v: QueryValue): string | undefined => (Array.isArray(v) ? (v[0] ?? undefined) : (v ?? undefined));

/**
 * The period in a URL query (?range=7d, or ?from=…&to=… for custom days). A
 * preset is recomputed from `now`, so a bookmarked "7 days" moves with time;
 * anything unreadable falls back to the default preset.
 */
export function periodFromQuery(query: Record<string, QueryValue>, now: number): Period {
  const range = one(query.range);
  if (range && range !== 'custom' && (PRESETS as readonly string[]).includes(range))
    return presetPeriod(range as Exclude<Preset, 'custom'>, now);
  const from = one(query.from);
  const to = one(query.to);
  if (isDay(from) && isDay(to) && from <= to && daysBetween(from, to) <= MAX_DAYS)
    return { preset: 'custom', from, to };
  return presetPeriod(DEFAULT_PRESET, now);
}

export function periodToQuery(p: Period): Record<string, string> {
  return p.preset === 'custom' ? { range: 'custom', from: p.from, to: p.to } : { range: p.preset };
}

/** Every day of the period, in order (the x axis of the trend, with gaps kept). */
export function daysOf(p: Pick<Period, 'from' | 'to'>): string[] {
  const out: string[] = [];
  for (let d = p.from; d <= p.to && out.length <= MAX_DAYS; d = shiftDay(d, 1)) out.push(d);
  return out;
}
