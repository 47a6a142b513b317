// Shapes exchanged with the ParcelWatch server and their runtime validators.
// Pure module: no DOM, no Vue, so it can be unit-tested in node.

export interface User {
  username: string;
  displayName: string;
  role: string;
}

export interface PerMinutePoint {
  /** ISO timestamp of the start of the minute. */
  t: string;
  total: number;
  delivered: number;
  exceptions: number;
}

export interface KpiSnapshot {
  /** ISO timestamp of when the snapshot was computed. */
  at: string;
  inFlight: number;
  collectedToday: number;
  deliveredToday: number;
  exceptionsToday: number;
  eventsPerMinute: number;
  /** Last 60 minutes, oldest first, may have gaps. */
  perMinute: PerMinutePoint[];
}

export const KPI_KEYS = [
  'inFlight',
  'collectedToday',
  'deliveredToday',
  'exceptionsToday',
  'eventsPerMinute',
] as const;
export type KpiKey = (typeof KPI_KEYS)[number];

export interface ApiErrorBody {
  error: { code: string; message: string };
}

/** Largest number of per-minute points we accept in one snapshot (defensive bound). */
const MAX_PER_MINUTE_POINTS = 24 * 60;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isIsoTime(value: unknown): value is string {
  return isNonEmptyString(value) && Number.isFinite(Date.parse(value));
}

export function parseUser(value: unknown): User | null {
  if (!isRecord(value)) return null;
  const { username, displayName, role } = value;
  if (!isNonEmptyString(username) || !isNonEmptyString(role)) return null;
  return {
    username,
    // Fall back to the user name rather than rejecting an otherwise valid session.
    displayName: isNonEmptyString(displayName) ? displayName : username,
    role,
  };
}

/** Accepts `{ user: {...} }` (auth endpoints) and returns the user, or null. */
export function parseUserEnvelope(value: unknown): User | null {
  return isRecord(value) ? parseUser(value.user) : null;
}

function parsePerMinutePoint(value: unknown): PerMinutePoint | null {
  if (!isRecord(value)) return null;
  const { t, total, delivered, exceptions } = value;
  if (!isIsoTime(t) || !isCount(total) || !isCount(delivered) || !isCount(exceptions)) {
    return null;
  }
  return { t, total, delivered, exceptions };
}

/** Validates a KpiSnapshot. Any malformed field rejects the whole snapshot. */
export function parseKpiSnapshot(value: unknown): KpiSnapshot | null {
  if (!isRecord(value)) return null;
  const { at, perMinute } = value;
  if (!isIsoTime(at)) return null;
  if (!Array.isArray(perMinute) || perMinute.length > MAX_PER_MINUTE_POINTS) return null;
  const counts: Partial<Record<KpiKey, number>> = {};
  for (const key of KPI_KEYS) {
    const v = value[key];
    if (!isCount(v)) return null;
    counts[key] = v;
  }
  const points: PerMinutePoint[] = [];
  for (const raw of perMinute) {
    const point = parsePerMinutePoint(raw);
    if (!point) return null;
    points.push(point);
  }
  return {
    at,
    inFlight: counts.inFlight ?? 0,
    collectedToday: counts.collectedToday ?? 0,
    deliveredToday: counts.deliveredToday ?? 0,
    exceptionsToday: counts.exceptionsToday ?? 0,
    eventsPerMinute: counts.eventsPerMinute ?? 0,
    perMinute: points,
  };
}

/** Extracts `{ error: { code, message } }` from an error response body, if present. */
export function parseApiError(value: unknown): ApiErrorBody['error'] | null {
  if (!isRecord(value) || !isRecord(value.error)) return null;
  const { code, message } = value.error;
  if (typeof code !== 'string' || typeof message !== 'string') return null;
  return { code, message };
}

/**
 * Of two snapshots, returns the more recent one by `at` (ties keep `current`).
 * Used so a slow REST response never overwrites a fresher websocket snapshot.
 */
export function newerSnapshot(
  current: KpiSnapshot | null,
  candidate: KpiSnapshot,
): KpiSnapshot {
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
