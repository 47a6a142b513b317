// The wire as the web sees it. The shapes and their validators are the zod schemas of
// contract/ (one place, compiled by the server too, which checks its own answers
// against them outside production); this module re-exports the types the pages use and
// decodes answers with `decode(schema, value)`. Pure module: no DOM, no Vue.

import type * as z from 'zod/mini';
import { apiErrorBody } from '../../contract/common.ts';

export { SEVERITIES, TIERS, type Severity, type Tier } from '../../contract/enums.ts';
export type { User } from '../../contract/auth.ts';
export { KPI_KEYS } from '../../contract/kpi.ts';
export type {
  KpiKey,
  KpiPrevious,
  KpiSnapshot,
  MapFlow,
  MapHub,
  MapSnapshot,
  OnTimeCount,
  PerMinutePoint,
} from '../../contract/kpi.ts';
export type { ApiErrorBody } from '../../contract/common.ts';

import type { KpiSnapshot } from '../../contract/kpi.ts';

/** The value as the schema describes it, or null when it does not fit (a newer or broken server). */
export function decode<S extends z.ZodMiniType>(schema: S, value: unknown): z.output<S> | null {
  const r = schema.safeParse(value);
  return r.success ? r.data : null;
}

/** Extracts `{ error: { code, message } }` from an error response body, if present. */
export function parseApiError(value: unknown): z.output<typeof apiErrorBody>['error'] | null {
  return decode(apiErrorBody, value)?.error ?? null;
}

/**
 * Of two snapshots, returns the more recent one by `at` (ties keep `current`).
 * Used so a slow REST response never overwrites a fresher websocket snapshot.
 */
export function newerSnapshot(current: KpiSnapshot | null, candidate: KpiSnapshot): KpiSnapshot {
  if (!current) return candidate;
  return Date.parse(candidate.at) > Date.parse(current.at) ? candidate : current;
}

/**
 * Sanitises a `next` redirect target: only same-origin absolute paths are allowed
 * (no protocol-relative `//host`, no backslash tricks, not the login page itself).
 */
export function safeNextPath(next: unknown, fallback = '/live'): string {
  const value = Array.isArray(next) ? next[0] : next;
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return fallback;
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return fallback;
  if (/[\u0000-\u001f]/.test(value)) return fallback;
  if (value === '/login' || value.startsWith('/login?') || value.startsWith('/login#')) {
    return fallback;
  }
  return value;
}
