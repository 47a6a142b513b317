// Shapes exchanged with the ParcelWatch server and their runtime validators.
// Pure module: no DOM, no Vue, so it can be unit-tested in node.

export interface User {
  username: string;
  displayName: string;
  role: string;
  /** An admin reset the password: the person must choose a new one before anything else. */
  mustChangePassword?: boolean;
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
  /**
   * False while scans already received are still on their way into the server's
   * aggregates (a backlog, a restart's catch-up): today's counts are short then.
   * Absent from older servers (taken as complete).
   */
  complete?: boolean;
  inFlight: number;
  collectedToday: number;
  deliveredToday: number;
  exceptionsToday: number;
  eventsPerMinute: number;
  /** Last 60 minutes, oldest first, may have gaps. */
  perMinute: PerMinutePoint[];
  /** Parcels delivered today (Beijing day) per tier, and how many of them on time. */
  onTimeToday?: Record<Tier, OnTimeCount>;
  /** Unresolved, unmuted alerts by severity. */
  openAlerts?: Record<Severity, number>;
  /**
   * The same figures earlier, for trends: today's counters at the same time of day
   * yesterday; `inFlight` and `openAlerts` one hour ago.
   */
  previous?: KpiPrevious;
}

export const TIERS = ['express', 'standard', 'economy'] as const;
export type Tier = (typeof TIERS)[number];
export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface OnTimeCount {
  delivered: number;
  onTime: number;
}

export interface KpiPrevious {
  inFlight: number;
  collectedToday: number;
  deliveredToday: number;
  exceptionsToday: number;
  onTimeToday: Record<Tier, OnTimeCount>;
  openAlerts: Record<Severity, number>;
}

/** One hub on the wall map. */
export interface MapHub {
  code: string;
  name: string;
  city: string;
  kind: string;
  lat: number;
  lon: number;
  /** Scans at this hub in the last 60 minutes. */
  volume: number;
  /** Parcels delivered today whose destination is this hub, and how many on time. */
  delivered: number;
  onTime: number;
  /** Unresolved, unmuted alerts about this hub (or its parcels), by severity. */
  openAlerts: Record<Severity, number>;
}

/** Parcels in transit from the hub of their last scan towards their destination hub. */
export interface MapFlow {
  from: string;
  to: string;
  parcels: number;
}

export interface MapSnapshot {
  at: string;
  hubs: MapHub[];
  flows: MapFlow[];
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
  error: { code: string; message: string; details?: unknown };
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
  const { username, displayName, role, mustChangePassword } = value;
  if (!isNonEmptyString(username) || !isNonEmptyString(role)) return null;
  return {
    username,
    // Fall back to the user name rather than rejecting an otherwise valid session.
    displayName: isNonEmptyString(displayName) ? displayName : username,
    role,
    ...(mustChangePassword === true ? { mustChangePassword: true } : {}),
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
  const snapshot: KpiSnapshot = {
    at,
    inFlight: counts.inFlight ?? 0,
    collectedToday: counts.collectedToday ?? 0,
    deliveredToday: counts.deliveredToday ?? 0,
    exceptionsToday: counts.exceptionsToday ?? 0,
    eventsPerMinute: counts.eventsPerMinute ?? 0,
    perMinute: points,
  };
  if (value.complete === false) snapshot.complete = false;
  else if (value.complete === true) snapshot.complete = true;
  // The richer fields are optional: a malformed one is dropped, not the whole snapshot.
  const onTime = parseOnTimeByTier(value.onTimeToday);
  if (onTime) snapshot.onTimeToday = onTime;
  const open = parseSeverityCounts(value.openAlerts);
  if (open) snapshot.openAlerts = open;
  const previous = parseKpiPrevious(value.previous);
  if (previous) snapshot.previous = previous;
  return snapshot;
}

function parseOnTimeCount(value: unknown): OnTimeCount | null {
  if (!isRecord(value)) return null;
  const { delivered, onTime } = value;
  if (!isCount(delivered) || !isCount(onTime) || onTime > delivered) return null;
  return { delivered, onTime };
}

function parseOnTimeByTier(value: unknown): Record<Tier, OnTimeCount> | null {
  if (!isRecord(value)) return null;
  const out: Partial<Record<Tier, OnTimeCount>> = {};
  for (const tier of TIERS) {
    const c = parseOnTimeCount(value[tier]);
    if (!c) return null;
    out[tier] = c;
  }
  return out as Record<Tier, OnTimeCount>;
}

export function parseSeverityCounts(value: unknown): Record<Severity, number> | null {
  if (!isRecord(value)) return null;
  const out: Partial<Record<Severity, number>> = {};
  for (const s of SEVERITIES) {
    const n = value[s];
    if (!isCount(n)) return null;
    out[s] = n;
  }
  return out as Record<Severity, number>;
}

function parseKpiPrevious(value: unknown): KpiPrevious | null {
  if (!isRecord(value)) return null;
  const { inFlight, collectedToday, deliveredToday, exceptionsToday } = value;
  if (!isCount(inFlight) || !isCount(collectedToday) || !isCount(deliveredToday) || !isCount(exceptionsToday)) {
    return null;
  }
  const onTimeToday = parseOnTimeByTier(value.onTimeToday);
  const openAlerts = parseSeverityCounts(value.openAlerts);
  if (!onTimeToday || !openAlerts) return null;
  return { inFlight, collectedToday, deliveredToday, exceptionsToday, onTimeToday, openAlerts };
}

/** Largest number of hubs / flows accepted in one map snapshot (defensive bound). */
const MAX_MAP_HUBS = 2_000;
const MAX_MAP_FLOWS = 5_000;

function parseMapHub(value: unknown): MapHub | null {
  if (!isRecord(value)) return null;
  const { code, name, city, kind, lat, lon, volume, delivered, onTime } = value;
  if (!isNonEmptyString(code) || typeof name !== 'string' || typeof city !== 'string') return null;
  if (typeof kind !== 'string') return null;
  if (typeof lat !== 'number' || !Number.isFinite(lat) || lat < -90 || lat > 90) return null;
  if (typeof lon !== 'number' || !Number.isFinite(lon) || lon < -180 || lon > 180) return null;
  if (!isCount(volume) || !isCount(delivered) || !isCount(onTime) || onTime > delivered) return null;
  const openAlerts = parseSeverityCounts(value.openAlerts);
  if (!openAlerts) return null;
  return { code, name, city, kind, lat, lon, volume, delivered, onTime, openAlerts };
}

function parseMapFlow(value: unknown): MapFlow | null {
  if (!isRecord(value)) return null;
  const { from, to, parcels } = value;
  if (!isNonEmptyString(from) || !isNonEmptyString(to) || !isCount(parcels)) return null;
  return { from, to, parcels };
}

/** Validates a MapSnapshot. Any malformed hub or flow rejects the whole snapshot. */
export function parseMapSnapshot(value: unknown): MapSnapshot | null {
  if (!isRecord(value) || !isIsoTime(value.at)) return null;
  const { hubs, flows } = value;
  if (!Array.isArray(hubs) || hubs.length > MAX_MAP_HUBS) return null;
  if (!Array.isArray(flows) || flows.length > MAX_MAP_FLOWS) return null;
  const outHubs: MapHub[] = [];
  for (const raw of hubs) {
    const hub = parseMapHub(raw);
    if (!hub) return null;
    outHubs.push(hub);
  }
  const outFlows: MapFlow[] = [];
  for (const raw of flows) {
    const flow = parseMapFlow(raw);
    if (!flow) return null;
    outFlows.push(flow);
  }
  return { at: value.at, hubs: outHubs, flows: outFlows };
}

/** Extracts `{ error: { code, message } }` from an error response body, if present. */
export function parseApiError(value: unknown): ApiErrorBody['error'] | null {
  if (!isRecord(value) || !isRecord(value.error)) return null;
  const { code, message, details } = value.error;
  if (typeof code !== 'string' || typeof message !== 'string') return null;
  return details === undefined ? { code, message } : { code, message, details };
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
