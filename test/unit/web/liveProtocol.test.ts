import { describe, expect, it } from 'vitest';
import {
  applySequence,
  backoffDelay,
  computeStaleness,
  DEFAULT_BACKOFF,
  initialStreamState,
  liveSocketUrl,
  MAX_MESSAGE_CHARS,
  parseServerMessage,
  type ServerMessage,
} from '../../../web/src/composables/liveProtocol';

const snapshot = {
  at: '2025-03-01T08:59:30.000Z',
  inFlight: 123456,
  collectedToday: 2000,
  deliveredToday: 1500,
  exceptionsToday: 12,
  eventsPerMinute: 88,
  perMinute: [{ t: '2025-03-01T08:59:00.000Z', total: 88, delivered: 40, exceptions: 2 }],
};
const hello = { type: 'hello', epoch: 'e1', seq: 0, user: { username: 'ops1', role: 'operator' } };
const kpi = (seq: number, data: unknown = snapshot) => JSON.stringify({ type: 'kpi', seq, data });

describe('backoffDelay', () => {
  const noJitter = () => 0;
  const maxJitter = () => 0.999999;

  it('starts at 0.5 s and doubles with each attempt (no jitter drawn)', () => {
    expect([0, 1, 2, 3, 4].map((n) => backoffDelay(n, DEFAULT_BACKOFF, noJitter))).toEqual([
      500, 1000, 2000, 4000, 8000,
    ]);
  });

  it('is capped at 15 s, also for huge attempt numbers', () => {
    expect(backoffDelay(5, DEFAULT_BACKOFF, noJitter)).toBe(15_000);
    expect(backoffDelay(50, DEFAULT_BACKOFF, noJitter)).toBe(15_000);
    expect(backoffDelay(10_000, DEFAULT_BACKOFF, noJitter)).toBe(15_000);
  });

  it('keeps jittered delays within [envelope * (1 - jitter), envelope]', () => {
    for (let attempt = 0; attempt < 12; attempt += 1) {
      const envelope = Math.min(15_000, 500 * 2 ** attempt);
      for (let i = 0; i < 200; i += 1) {
        const d = backoffDelay(attempt);
        expect(d).toBeGreaterThanOrEqual(Math.floor(envelope * (1 - DEFAULT_BACKOFF.jitter)));
        expect(d).toBeLessThanOrEqual(envelope);
      }
    }
    expect(backoffDelay(0, DEFAULT_BACKOFF, maxJitter)).toBe(250);
  });

  it('actually spreads delays (jitter is applied)', () => {
    const values = new Set(Array.from({ length: 50 }, () => backoffDelay(6)));
    expect(values.size).toBeGreaterThan(5);
  });

  it('treats negative, fractional or NaN attempts safely and clamps a bad random source', () => {
    expect(backoffDelay(-3, DEFAULT_BACKOFF, noJitter)).toBe(500);
    expect(backoffDelay(Number.NaN, DEFAULT_BACKOFF, noJitter)).toBe(500);
    expect(backoffDelay(1.7, DEFAULT_BACKOFF, noJitter)).toBe(1000);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 5)).toBe(2000);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => -1)).toBe(4000);
  });
});

describe('parseServerMessage', () => {
  it('accepts a valid hello message', () => {
    expect(parseServerMessage(JSON.stringify(hello))).toEqual(hello);
  });

  it('accepts a valid kpi message and returns the snapshot', () => {
    expect(parseServerMessage(kpi(7))).toEqual({ type: 'kpi', seq: 7, data: snapshot });
  });

  it('accepts a kpi snapshot with an empty perMinute list', () => {
    expect(parseServerMessage(kpi(1, { ...snapshot, perMinute: [] }))).not.toBeNull();
  });

  it.each([
    ['non-JSON text', 'hello there'],
    ['truncated JSON', '{"type":"kpi","seq":1'],
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
    ['an empty frame', ''],
    ['an unknown type', JSON.stringify({ type: 'nope', seq: 1 })],
    ['a missing seq', JSON.stringify({ type: 'kpi', data: snapshot })],
    ['a negative seq', kpi(-1)],
    ['a fractional seq', kpi(1.5)],
    ['a string seq', JSON.stringify({ type: 'kpi', seq: '1', data: snapshot })],
    ['hello without epoch', JSON.stringify({ ...hello, epoch: undefined })],
    ['hello with an empty epoch', JSON.stringify({ ...hello, epoch: '' })],
    ['hello without user', JSON.stringify({ ...hello, user: null })],
    ['kpi without data', JSON.stringify({ type: 'kpi', seq: 1 })],
    ['kpi with a string count', kpi(1, { ...snapshot, inFlight: '12' })],
    ['kpi with a negative count', kpi(1, { ...snapshot, exceptionsToday: -1 })],
    ['kpi with a missing count', kpi(1, { ...snapshot, deliveredToday: undefined })],
    ['kpi with an invalid time', kpi(1, { ...snapshot, at: 'yesterday' })],
    ['kpi with perMinute not an array', kpi(1, { ...snapshot, perMinute: {} })],
    [
      'kpi with a malformed perMinute point',
      kpi(1, { ...snapshot, perMinute: [{ t: '2025-03-01T08:59:00Z', total: 1, delivered: 1 }] }),
    ],
  ])('rejects %s', (_label, raw) => {
    expect(parseServerMessage(raw)).toBeNull();
  });

  it('rejects non-string frames (binary data) and oversized frames', () => {
    expect(parseServerMessage(new ArrayBuffer(8))).toBeNull();
    expect(parseServerMessage({ type: 'kpi' })).toBeNull();
    expect(parseServerMessage(`"${'x'.repeat(MAX_MESSAGE_CHARS)}"`)).toBeNull();
  });

  it('returns only known fields (extra fields are dropped)', () => {
    const parsed = parseServerMessage(JSON.stringify({ ...hello, extra: 1, user: { ...hello.user, x: 2 } }));
    expect(parsed).toEqual(hello);
  });
});

describe('applySequence', () => {
  const parse = (raw: string): ServerMessage => {
    const msg = parseServerMessage(raw);
    if (!msg) throw new Error('fixture must be valid');
    return msg;
  };

  function run(raws: string[]): number[] {
    let state = initialStreamState();
    const accepted: number[] = [];
    for (const raw of raws) {
      const msg = parse(raw);
      const step = applySequence(state, msg);
      state = step.state;
      if (step.accepted) accepted.push(msg.seq);
    }
    return accepted;
  }

  it('accepts increasing seq numbers', () => {
    expect(run([JSON.stringify(hello), kpi(1), kpi(2), kpi(5)])).toEqual([0, 1, 2, 5]);
  });

  it('ignores out-of-order and duplicate seq numbers', () => {
    expect(run([JSON.stringify(hello), kpi(3), kpi(2), kpi(3), kpi(4), kpi(1)])).toEqual([0, 3, 4]);
  });

  it('ignores a kpi with seq 0 after hello (not newer than hello)', () => {
    expect(run([JSON.stringify(hello), kpi(0), kpi(1)])).toEqual([0, 1]);
  });

  it('accepts kpi messages that arrive before any hello', () => {
    expect(run([kpi(4), kpi(5)])).toEqual([4, 5]);
  });

  it('restarts ordering on a new hello (server restart / new epoch)', () => {
    const hello2 = JSON.stringify({ ...hello, epoch: 'e2' });
    const raws = [JSON.stringify(hello), kpi(10), hello2, kpi(1), kpi(2)];
    expect(run(raws)).toEqual([0, 10, 0, 1, 2]);
    const state = applySequence(initialStreamState(), parse(hello2)).state;
    expect(state).toEqual({ epoch: 'e2', lastSeq: 0 });
  });

  it('does not mutate the previous state', () => {
    const before = initialStreamState();
    applySequence(before, parse(kpi(3)));
    expect(before).toEqual({ epoch: null, lastSeq: -1 });
  });
});

describe('computeStaleness', () => {
  const base = { startedAt: 1_000, thresholdMs: 15_000 };

  it('is fresh while open and a message arrived within 15 s', () => {
    expect(computeStaleness({ ...base, state: 'open', lastMessageAt: 10_000, now: 25_000 })).toEqual({
      stale: false,
      since: null,
    });
  });

  it('is stale since the last message after more than 15 s of silence', () => {
    expect(computeStaleness({ ...base, state: 'open', lastMessageAt: 10_000, now: 25_001 })).toEqual({
      stale: true,
      since: 10_000,
    });
  });

  it('is stale as soon as the socket is closed', () => {
    expect(computeStaleness({ ...base, state: 'closed', lastMessageAt: 10_000, now: 10_001 })).toEqual({
      stale: true,
      since: 10_000,
    });
  });

  it('measures from the channel start when nothing was received yet', () => {
    expect(computeStaleness({ ...base, state: 'connecting', lastMessageAt: null, now: 5_000 }).stale).toBe(false);
    expect(computeStaleness({ ...base, state: 'connecting', lastMessageAt: null, now: 17_000 })).toEqual({
      stale: true,
      since: 1_000,
    });
  });
});

describe('liveSocketUrl', () => {
  it('uses ws: on http pages and wss: on https pages, same host and port', () => {
    expect(liveSocketUrl({ protocol: 'http:', host: 'localhost:8080' })).toBe('ws://localhost:8080/ws');
    expect(liveSocketUrl({ protocol: 'https:', host: 'pw.example.cn' })).toBe('wss://pw.example.cn/ws');
  });
});
