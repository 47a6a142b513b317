// Pure parts of the live websocket channel: message parsing/validation, sequence
// ordering, reconnect backoff and staleness. No DOM, no Vue.

import { isRecord, parseKpiSnapshot, parseMapSnapshot, type KpiSnapshot, type MapSnapshot } from '../contract';
import { readAlertTitle, type AlertTitleFields } from '../alerts/messages';

export type ConnState = 'connecting' | 'open' | 'closed';

/** Close code the server uses when the session behind the socket is gone. */
export const CLOSE_SESSION_ENDED = 4401;
/** Close code the client uses when it drops a socket that went silent. */
export const CLOSE_CLIENT_IDLE = 4000;

export interface HelloMessage {
  type: 'hello';
  epoch: string;
  seq: number;
  user: { username: string; role: string };
  /** True when the server replays what this client missed; false means "start afresh". */
  resumed: boolean;
}

export interface KpiMessage {
  type: 'kpi';
  seq: number;
  data: KpiSnapshot;
  /** A fresh picture for a (re)connecting client rather than a pushed change. */
  snapshot?: boolean;
}

export interface MapMessage {
  type: 'map';
  seq: number;
  data: MapSnapshot;
  snapshot?: boolean;
}

/** The live state of one followed parcel (no personal data). */
export interface ParcelLive {
  waybill: string;
  status: string;
  statusAt: string;
  lastScanAt: string | null;
  lastScanHub: string | null;
  lastEventType: string | null;
}

/** Today's money (Asia/Shanghai), in fen: fees of the parcels collected today, claims paid today, net. */
export interface FinanceLive {
  at: string;
  day: string;
  feesFen: number;
  parcels: number;
  compensationFen: number;
  claimsPaid: number;
  netFen: number;
}

export interface FinanceMessage {
  type: 'finance';
  seq: number;
  data: FinanceLive;
  snapshot?: boolean;
}

export interface ParcelMessage {
  type: 'parcel';
  seq: number;
  data: ParcelLive;
  snapshot?: boolean;
}

/** Control frames: not part of the data stream, never sequenced. */
export interface ControlMessage {
  type: 'heartbeat' | 'subscribed' | 'pong' | 'error';
  seq: number;
  code?: string;
  message?: string;
}

/** One alert change as published on the `alerts` channel (extra fields kept loosely). */
export interface AlertChangeMessage {
  id: number;
  action: string;
  severity?: string;
  muted?: boolean;
  rule?: string;
  hubCode?: string | null;
  /** The alert's title as stored (message key and parameters, or words); render with alertTitleIn. */
  title?: AlertTitleFields;
  /** Parcels (or events) affected. */
  itemCount?: number;
}

export interface AlertsMessage {
  type: 'alerts';
  seq: number;
  data: { at: string | null; changes: AlertChangeMessage[] };
}

export type DataMessage = KpiMessage | MapMessage | AlertsMessage | ParcelMessage | FinanceMessage;
export type ServerMessage = HelloMessage | DataMessage | ControlMessage;

export const isDataMessage = (m: ServerMessage): m is DataMessage =>
  m.type === 'kpi' || m.type === 'map' || m.type === 'alerts' || m.type === 'parcel' || m.type === 'finance';

export function parseFinanceLive(value: unknown): FinanceLive | null {
  if (!isRecord(value)) return null;
  const { at, day, feesFen, parcels, compensationFen, claimsPaid, netFen } = value;
  const nums = [feesFen, parcels, compensationFen, claimsPaid, netFen];
  if (typeof at !== 'string' || typeof day !== 'string' || !nums.every((n) => typeof n === 'number' && Number.isFinite(n))) return null;
  return { at, day, feesFen: feesFen as number, parcels: parcels as number, compensationFen: compensationFen as number, claimsPaid: claimsPaid as number, netFen: netFen as number };
}

function parseParcelLive(value: unknown): ParcelLive | null {
  if (!isRecord(value)) return null;
  const { waybill, status, statusAt, lastScanAt, lastScanHub, lastEventType } = value;
  if (typeof waybill !== 'string' || waybill.length === 0 || typeof status !== 'string') return null;
  if (typeof statusAt !== 'string' || !Number.isFinite(Date.parse(statusAt))) return null;
  const optText = (v: unknown) => (typeof v === 'string' ? v : null);
  return { waybill, status, statusAt, lastScanAt: optText(lastScanAt), lastScanHub: optText(lastScanHub), lastEventType: optText(lastEventType) };
}

/** Largest number of alert changes accepted in one message (defensive bound). */
const MAX_ALERT_CHANGES = 10_000;

function parseAlertChange(value: unknown): AlertChangeMessage | null {
  if (!isRecord(value)) return null;
  const { id, action } = value;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) return null;
  if (typeof action !== 'string' || action.length === 0) return null;
  const change: AlertChangeMessage = { id, action };
  if (typeof value.severity === 'string') change.severity = value.severity;
  if (typeof value.muted === 'boolean') change.muted = value.muted;
  if (typeof value.rule === 'string') change.rule = value.rule;
  if (typeof value.hubCode === 'string' || value.hubCode === null) change.hubCode = value.hubCode;
  const title = readAlertTitle(value);
  if (title) change.title = title;
  if (typeof value.itemCount === 'number' && Number.isSafeInteger(value.itemCount) && value.itemCount >= 0) change.itemCount = value.itemCount;
  return change;
}

function parseAlertsData(value: unknown): AlertsMessage['data'] | null {
  if (!isRecord(value) || !Array.isArray(value.changes)) return null;
  if (value.changes.length > MAX_ALERT_CHANGES) return null;
  const changes: AlertChangeMessage[] = [];
  for (const raw of value.changes) {
    const change = parseAlertChange(raw);
    if (!change) return null;
    changes.push(change);
  }
  return { at: typeof value.at === 'string' ? value.at : null, changes };
}

/** Refuse absurdly large frames before JSON.parse (a snapshot is a few KB). */
export const MAX_MESSAGE_CHARS = 1_000_000;

function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Validates an already-decoded JSON value. Returns null for anything malformed or unknown. */
export function validateServerMessage(value: unknown): ServerMessage | null {
  if (!isRecord(value) || !isSeq(value.seq)) return null;
  if (value.type === 'hello') {
    const { epoch, user } = value;
    if (typeof epoch !== 'string' || epoch.length === 0 || !isRecord(user)) return null;
    if (typeof user.username !== 'string' || typeof user.role !== 'string') return null;
    return {
      type: 'hello',
      epoch,
      seq: value.seq,
      user: { username: user.username, role: user.role },
      resumed: value.resumed === true,
    };
  }
  const snapshot = value.snapshot === true ? { snapshot: true } : {};
  if (value.type === 'kpi') {
    const data = parseKpiSnapshot(value.data);
    return data ? { type: 'kpi', seq: value.seq, data, ...snapshot } : null;
  }
  if (value.type === 'map') {
    const data = parseMapSnapshot(value.data);
    return data ? { type: 'map', seq: value.seq, data, ...snapshot } : null;
  }
  if (value.type === 'alerts') {
    const data = parseAlertsData(value.data);
    return data ? { type: 'alerts', seq: value.seq, data } : null;
  }
  if (value.type === 'finance') {
    const data = parseFinanceLive(value.data);
    return data ? { type: 'finance', seq: value.seq, data, ...snapshot } : null;
  }
  if (value.type === 'parcel') {
    const data = parseParcelLive(value.data);
    return data ? { type: 'parcel', seq: value.seq, data, ...snapshot } : null;
  }
  if (value.type === 'heartbeat' || value.type === 'subscribed' || value.type === 'pong' || value.type === 'error') {
    const control: ControlMessage = { type: value.type, seq: value.seq };
    if (typeof value.code === 'string') control.code = value.code;
    if (typeof value.message === 'string') control.message = value.message;
    return control;
  }
  return null;
}

/** Parses a raw websocket frame (`MessageEvent.data`). Binary frames and bad JSON give null. */
export function parseServerMessage(raw: unknown): ServerMessage | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_MESSAGE_CHARS) return null;
  let decoded: unknown;
  try {
    decoded = JSON.parse(raw);
  } catch {
    return null;
  }
  return validateServerMessage(decoded);
}

/** Ordering state of one websocket connection. */
export interface StreamState {
  epoch: string | null;
  /** Highest sequence number applied so far; -1 before anything. */
  lastSeq: number;
}

export const initialStreamState = (): StreamState => ({ epoch: null, lastSeq: -1 });

export interface StreamStep {
  state: StreamState;
  /** False when the message is stale (seq not greater than the last applied one). */
  accepted: boolean;
}

/**
 * Applies a message to the ordering state. A `hello` (re)starts the stream at its seq
 * (the client's own last seq when the server resumes it), so it is always accepted.
 * A data message is accepted only when its seq is strictly greater than the last
 * applied one — duplicates and out-of-order messages are ignored — except a fresh
 * snapshot, which carries the current seq and is accepted when not older than it.
 * Control frames (heartbeat, pong, subscribed, error) pass without moving the seq.
 */
export function applySequence(state: StreamState, msg: ServerMessage): StreamStep {
  if (msg.type === 'hello') {
    return { state: { epoch: msg.epoch, lastSeq: msg.seq }, accepted: true };
  }
  if (!isDataMessage(msg)) return { state, accepted: true };
  const fresh = 'snapshot' in msg && msg.snapshot === true;
  if (fresh ? msg.seq < state.lastSeq : msg.seq <= state.lastSeq) return { state, accepted: false };
  return { state: { epoch: state.epoch, lastSeq: msg.seq }, accepted: true };
}

/** Query string that asks the server for channels, and to resume a stream where it stopped. */
export function liveQuery(channels: readonly LiveChannelName[], stream: StreamState): string {
  const params = new URLSearchParams({ channels: channels.join(',') });
  if (stream.epoch !== null && stream.lastSeq >= 0) {
    params.set('epoch', stream.epoch);
    params.set('seq', String(stream.lastSeq));
  }
  return `?${params.toString()}`;
}

export interface BackoffOptions {
  /** Delay envelope for the first retry. */
  baseMs: number;
  /** Upper bound of the delay envelope. */
  maxMs: number;
  /** Fraction (0..1) of the envelope that is randomised away. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 15_000, jitter: 0.5 };

/**
 * Exponential backoff with jitter. The envelope is `min(maxMs, baseMs * 2^attempt)`
 * (0.5 s, 1 s, 2 s, … capped at 15 s); the returned delay lies in
 * `[envelope * (1 - jitter), envelope]`, so it never exceeds `maxMs` and spreads out
 * reconnect storms after a server restart. `random` must return values in [0, 1).
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const n = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : 0;
  // 2^n overflows to Infinity for large n; Math.min takes care of it.
  const envelope = Math.min(options.maxMs, options.baseMs * 2 ** n);
  const jitter = Math.min(1, Math.max(0, options.jitter));
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(envelope * (1 - jitter * r));
}

export interface Staleness {
  stale: boolean;
  /** Epoch ms the data has been stale since (last message, or channel start), or null. */
  since: number | null;
}

/**
 * Data is stale when the socket is closed, while it reconnects after having had data
 * (otherwise the notice would flicker off at every reconnect attempt), or when nothing
 * arrived for longer than `thresholdMs` (measured from the last message, or from when
 * the channel started).
 */
export function computeStaleness(input: {
  state: ConnState;
  lastMessageAt: number | null;
  startedAt: number;
  now: number;
  thresholdMs: number;
}): Staleness {
  const reference = input.lastMessageAt ?? input.startedAt;
  const reconnecting = input.state === 'connecting' && input.lastMessageAt !== null;
  const stale = input.state === 'closed' || reconnecting || input.now - reference > input.thresholdMs;
  return { stale, since: stale ? reference : null };
}

/** Builds the same-origin websocket URL (`ws:` for http pages, `wss:` for https). */
export function liveSocketUrl(loc: { protocol: string; host: string }, path = '/ws'): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}${path}`;
}

export type LiveChannelName = 'kpi' | 'map' | 'alerts' | 'finance' | `parcel:${string}`;

/** The subscribe frame for the given channels (the live page only needs `kpi`). */
export function subscribeMessage(channels: readonly LiveChannelName[]): string {
  return JSON.stringify({ type: 'subscribe', channels: [...channels] });
}

export const SUBSCRIBE_MESSAGE = subscribeMessage(['kpi']);

/** The later of two timestamped figures (`at`, ISO 8601); the incoming one on a tie or without times. */
export function newer<T extends { at?: string | null }>(current: T | null, incoming: T): T {
  if (!current?.at || !incoming.at) return incoming;
  return Date.parse(incoming.at) >= Date.parse(current.at) ? incoming : current;
}
