// Alert shapes from `GET /api/v1/alerts` and `GET /api/v1/alerts/:id`, with runtime
// validators. Pure module: no DOM, no Vue.

import { isRecord } from '../contract';
import { NO_TITLE, readAlertTitle, type AlertTitleFields } from './messages';

export type Severity = 'critical' | 'warning' | 'info';
export type AlertState = 'open' | 'acknowledged' | 'resolved';
/** The `state` filter of the list API (`active` = open or acknowledged). */
export type StateFilter = 'active' | AlertState;

export const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];
export const STATE_FILTERS: readonly StateFilter[] = ['active', 'open', 'acknowledged', 'resolved'];
export const KNOWN_RULES = [
  'parcel_late',
  'parcel_at_risk',
  'parcel_stalled',
  'parcel_suspected_lost',
  'hub_volume_low',
  'hub_volume_high',
  'hub_silent',
  'hub_exception_spike',
  'courier_late_start',
  'courier_early_stop',
  'incident',
] as const;

export interface Alert {
  id: number;
  rule: string;
  subject: string;
  hubCode: string | null;
  severity: string;
  state: string;
  /** A message key and parameters, or a person's words: render with alertTitleIn (./messages.ts). */
  title: AlertTitleFields;
  itemCount: number;
  openedAt: string;
  lastSeenAt: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  escalationLevel: number;
  muted: boolean;
}

export interface HistoryEntry {
  at: string;
  action: string;
  user: string | null;
  comment: string | null;
}

export interface AlertParcel {
  waybill: string;
  tier: string | null;
  status: string;
  lastScanAt: string | null;
  lastScanHub: string | null;
  deadline: string | null;
}

export interface AlertDetail {
  alert: Alert;
  history: HistoryEntry[];
  parcels: AlertParcel[];
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown, fallback = 0): number =>
  typeof v === 'number' && Number.isFinite(v) ? v : fallback;

export function parseAlert(value: unknown): Alert | null {
  if (!isRecord(value)) return null;
  const { id, rule, severity, state, openedAt } = value;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) return null;
  if (typeof rule !== 'string' || typeof severity !== 'string' || typeof state !== 'string') return null;
  if (typeof openedAt !== 'string') return null;
  return {
    id,
    rule,
    subject: str(value.subject) ?? '',
    hubCode: str(value.hubCode),
    severity,
    state,
    title: readAlertTitle(value) ?? NO_TITLE,
    itemCount: num(value.itemCount),
    openedAt,
    lastSeenAt: str(value.lastSeenAt),
    acknowledgedAt: str(value.acknowledgedAt),
    acknowledgedBy: str(value.acknowledgedBy),
    resolvedAt: str(value.resolvedAt),
    resolvedBy: str(value.resolvedBy),
    escalationLevel: num(value.escalationLevel),
    muted: value.muted === true,
  };
}

/** `{ alerts: [...] }`; malformed entries are dropped, a malformed envelope gives null. */
export function parseAlertList(value: unknown): Alert[] | null {
  if (!isRecord(value) || !Array.isArray(value.alerts)) return null;
  return value.alerts.map(parseAlert).filter((a): a is Alert => a !== null);
}

function parseHistory(value: unknown): HistoryEntry | null {
  if (!isRecord(value) || typeof value.at !== 'string' || typeof value.action !== 'string') return null;
  return { at: value.at, action: value.action, user: str(value.user), comment: str(value.comment) };
}

function parseParcel(value: unknown): AlertParcel | null {
  if (!isRecord(value) || typeof value.waybill !== 'string') return null;
  return {
    waybill: value.waybill,
    tier: str(value.tier),
    status: str(value.status) ?? '',
    lastScanAt: str(value.lastScanAt),
    lastScanHub: str(value.lastScanHub),
    deadline: str(value.deadline),
  };
}

export function parseAlertDetail(value: unknown): AlertDetail | null {
  if (!isRecord(value)) return null;
  const alert = parseAlert(value.alert);
  if (!alert) return null;
  const history = Array.isArray(value.history) ? value.history.map(parseHistory) : [];
  const parcels = Array.isArray(value.parcels) ? value.parcels.map(parseParcel) : [];
  return {
    alert,
    history: history.filter((h): h is HistoryEntry => h !== null),
    parcels: parcels.filter((p): p is AlertParcel => p !== null),
  };
}

/** `{ alert: {...} }` from acknowledge/resolve. */
export function parseAlertEnvelope(value: unknown): Alert | null {
  return isRecord(value) ? parseAlert(value.alert) : null;
}
