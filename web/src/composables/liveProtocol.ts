// Pure parts of the live websocket channel: message parsing/validation, sequence
// ordering, reconnect backoff and staleness. No DOM, no Vue.

import * as live from '../../../contract/live.ts';
import type { AlertChange } from '../../../contract/alerts.ts';
import { decode } from '../contract';
import { readAlertTitle, type AlertTitleFields } from '../features/alerts/messages';

export type ConnState = 'connecting' | 'open' | 'closed';

/** Close code the server uses when the session behind the socket is gone. */
export const CLOSE_SESSION_ENDED = 4401;
/** Close code the client uses when it drops a socket that went silent. */
export const CLOSE_CLIENT_IDLE = 4000;

// The frames are contract/live.ts's; only the alert changes' titles are gathered into one field.
type Frame<T extends live.ServerFrame['type']> = Extract<live.ServerFrame, { type: T }>;
export type HelloMessage = live.HelloFrame;
export type KpiMessage = Frame<'kpi'>;
export type MapMessage = Frame<'map'>;
export type FinanceMessage = Frame<'finance'>;
export type ParcelMessage = Frame<'parcel'>;
/** Control frames: not part of the data stream, never sequenced. */
export type ControlMessage = live.ControlFrame;
export type ParcelLive = live.ParcelLive;
export type FinanceLive = live.FinanceLive;

/** One alert change as published on the `alerts` channel. */
export type AlertChangeMessage = Omit<AlertChange, 'title' | 'titleKey' | 'titleParams'> & {
  /** The alert's title as stored (message key and parameters, or words); render with alertTitleIn. */
  title?: AlertTitleFields;
};

export interface AlertsMessage {
  type: 'alerts';
  seq: number;
  data: { at: string | null; changes: AlertChangeMessage[] };
}

export type DataMessage = KpiMessage | MapMessage | AlertsMessage | ParcelMessage | FinanceMessage;
export type ServerMessage = HelloMessage | DataMessage | ControlMessage;

export const isDataMessage = (m: ServerMessage): m is DataMessage =>
  m.type === 'kpi' || m.type === 'map' || m.type === 'alerts' || m.type === 'parcel' || m.type === 'finance';

/** `GET /api/v1/finance/today` (the `finance` frame's body), or null when it does not fit the contract. */

function changeView(c: AlertChange): AlertChangeMessage {
  const { title: _t, titleKey: _k, titleParams: _p, ...rest } = c;
  const title = readAlertTitle(c);
  return title ? { ...rest, title } : rest;
}

/** Refuse absurdly large frames before JSON.parse (a snapshot is a few KB). */
export const MAX_MESSAGE_CHARS = 1_000_000;

/** Validates an already-decoded JSON value against the contract. Returns null for anything malformed or unknown. */
export function validateServerMessage(value: unknown): ServerMessage | null {
  const frame = decode(live.serverFrame, value);
  if (!frame || frame.type !== 'alerts') return frame;
  return { type: 'alerts', seq: frame.seq, data: { at: frame.data.at, changes: frame.data.changes.map(changeView) } };
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
