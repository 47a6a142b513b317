// Hand-off shapes from `GET /api/v1/handoffs` and the create/done answers, with
// runtime validators. Pure module: no DOM, no Vue.

import { isRecord } from '../contract';
import { NO_TITLE, readAlertTitle, type AlertTitleFields } from '../alerts/messages';

export type HandoffState = 'open' | 'done';
export type HandoffStateFilter = HandoffState | 'all';

export interface Person {
  username: string;
  displayName: string;
}

export interface HandoffParcel {
  waybill: string;
  tier: string | null;
  status: string | null;
  lastScanAt: string | null;
  lastScanHub: string | null;
  deadline: string | null;
  recipient: { name: string | null; phone: string | null; city: string | null };
}

export interface Handoff {
  id: number;
  alert: { id: number; title: AlertTitleFields; rule: string; hubCode: string | null; severity: string; state: string };
  note: string;
  createdBy: Person;
  createdAt: string;
  state: HandoffState;
  doneBy: Person | null;
  doneAt: string | null;
  doneComment: string | null;
  parcelCount: number;
  masked: boolean;
  parcels: HandoffParcel[];
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

function parsePerson(value: unknown): Person | null {
  if (!isRecord(value) || typeof value.username !== 'string') return null;
  return { username: value.username, displayName: str(value.displayName) ?? value.username };
}

function parseParcel(value: unknown): HandoffParcel | null {
  if (!isRecord(value) || typeof value.waybill !== 'string') return null;
  const r = isRecord(value.recipient) ? value.recipient : {};
  return {
    waybill: value.waybill,
    tier: str(value.tier),
    status: str(value.status),
    lastScanAt: str(value.lastScanAt),
    lastScanHub: str(value.lastScanHub),
    deadline: str(value.deadline),
    recipient: { name: str(r.name), phone: str(r.phone), city: str(r.city) },
  };
}

export function parseHandoff(value: unknown): Handoff | null {
  if (!isRecord(value) || !isId(value.id) || !isRecord(value.alert) || !isId(value.alert.id)) return null;
  const createdBy = parsePerson(value.createdBy);
  if (!createdBy || typeof value.createdAt !== 'string') return null;
  if (value.state !== 'open' && value.state !== 'done') return null;
  const a = value.alert;
  const parcels = Array.isArray(value.parcels) ? value.parcels.map(parseParcel) : [];
  return {
    id: value.id,
    alert: {
      id: a.id as number,
      title: readAlertTitle(a) ?? NO_TITLE,
      rule: str(a.rule) ?? '',
      hubCode: str(a.hubCode),
      severity: str(a.severity) ?? '',
      state: str(a.state) ?? '',
    },
    note: str(value.note) ?? '',
    createdBy,
    createdAt: value.createdAt,
    state: value.state,
    doneBy: parsePerson(value.doneBy),
    doneAt: str(value.doneAt),
    doneComment: str(value.doneComment),
    parcelCount: typeof value.parcelCount === 'number' ? value.parcelCount : parcels.length,
    masked: value.masked !== false,
    parcels: parcels.filter((p): p is HandoffParcel => p !== null),
  };
}

/** `{ handoffs: [...] }`; malformed entries are dropped, a malformed envelope gives null. */
export function parseHandoffList(value: unknown): Handoff[] | null {
  if (!isRecord(value) || !Array.isArray(value.handoffs)) return null;
  return value.handoffs.map(parseHandoff).filter((h): h is Handoff => h !== null);
}

/** `{ handoff: {...} }` from create and done. */
export function parseHandoffEnvelope(value: unknown): Handoff | null {
  return isRecord(value) ? parseHandoff(value.handoff) : null;
}
