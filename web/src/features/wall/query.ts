// Reading the wall's URL options (`/wall?rotate=30&lang=en`) and its retry timing.
// Pure: no DOM, no Vue.

import type { Lang } from '../../i18n';

type QueryValue = string | null | undefined | ReadonlyArray<string | null>;

function first(value: QueryValue): string | null {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/** Shortest and longest rotation period accepted, in seconds. */
export const ROTATE_BOUNDS = { min: 10, max: 3600 } as const;

/**
 * Seconds between the map and the trends view, from `?rotate=N`; null (no rotation)
 * when absent, zero or not a number. Other values are clamped to ROTATE_BOUNDS.
 */
export function rotateSeconds(query: Record<string, QueryValue>): number | null {
  const raw = first(query.rotate);
  if (raw === null || !/^\d{1,6}$/.test(raw)) return null;
  const n = Number(raw);
  if (n === 0) return null;
  return Math.min(ROTATE_BOUNDS.max, Math.max(ROTATE_BOUNDS.min, n));
}

/** The wall speaks Chinese unless the URL asks for `?lang=en`. */
export function wallLang(query: Record<string, QueryValue>): Lang {
  return first(query.lang) === 'en' ? 'en' : 'zh';
}

export type WallView = 'map' | 'trends';

export function nextView(view: WallView): WallView {
  return view === 'map' ? 'trends' : 'map';
}

/** An enrolment check is retried after 30–60 s (spread so a room of walls does not pulse). */
export const ENROL_RETRY_MS = { min: 30_000, max: 60_000 } as const;

export function enrolRetryDelay(random: () => number = Math.random): number {
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(ENROL_RETRY_MS.min + (ENROL_RETRY_MS.max - ENROL_RETRY_MS.min) * r);
}
