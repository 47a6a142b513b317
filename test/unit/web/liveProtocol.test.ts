import { describe, expect, it } from 'vitest';
import {
  applySequence,
  backoffDelay,
  computeStaleness,
  DEFAULT_BACKOFF,
  initialStreamState,
  liveQuery,
  liveSocketUrl,
  MAX_MESSAGE_CHARS,
  newer,
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
const hello = { type: 'hello', epoch: 'e1', seq: 0, user: { username: 'ops1', role: 'operator' }, resumed: false };
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

  const snap = (seq: number) => JSON.stringify({ type: 'kpi', seq, data: snapshot, snapshot: true });

  it('accepts a fresh snapshot carrying the same seq as the hello, but not an older one', () => {
    const hello7 = JSON.stringify({ ...hello, seq: 7 });
    expect(run([hello7, snap(7), kpi(7), kpi(8)])).toEqual([7, 7, 8]);
    expect(run([hello7, kpi(8), snap(7)])).toEqual([7, 8]);
  });

  it("on a resumed hello takes the replayed frames after the client's own seq", () => {
    const resumed = JSON.stringify({ ...hello, seq: 12, resumed: true });
    expect(run([JSON.stringify(hello), kpi(12), resumed, kpi(13), kpi(15), kpi(14)])).toEqual([0, 12, 12, 13, 15]);
  });

  it('lets control frames through without moving the sequence', () => {
    let state = applySequence(initialStreamState(), parse(JSON.stringify({ ...hello, seq: 5 }))).state;
    for (const type of ['heartbeat', 'pong', 'subscribed', 'error']) {
      const step = applySequence(state, parse(JSON.stringify({ type, seq: 3 })));
      expect(step.accepted).toBe(true);
      expect(step.state).toBe(state);
      state = step.state;
    }
    expect(state.lastSeq).toBe(5);
  });
});

describe('liveQuery', () => {
  it('asks for the channels, and to resume when a stream was seen', () => {
    expect(liveQuery(['kpi', 'map'], initialStreamState())).toBe('?channels=kpi%2Cmap');
    const q = new URLSearchParams(liveQuery(['alerts'], { epoch: 'ab-cd', lastSeq: 41 }).slice(1));
    expect(Object.fromEntries(q)).toEqual({ channels: 'alerts', epoch: 'ab-cd', seq: '41' });
  });
});

describe('map and parcel messages', () => {
  const hub = {
    code: 'HGH-SC',
    name: '杭州分拣中心',
    city: '杭州',
    kind: 'sorting_centre',
    lat: 30.3,
    lon: 120.2,
    volume: 120,
    delivered: 10,
    onTime: 9,
    openAlerts: { critical: 0, warning: 1, info: 0 },
  };
  const map = { at: '2026-11-27T04:00:00.000Z', hubs: [hub], flows: [{ from: 'HGH-SC', to: 'BJS-TC', parcels: 4 }] };

  it('parses a valid map snapshot and refuses a hub with more on time than delivered', () => {
    expect(parseServerMessage(JSON.stringify({ type: 'map', seq: 3, data: map, snapshot: true }))).toEqual({
      type: 'map',
      seq: 3,
      data: map,
      snapshot: true,
    });
    const bad = { ...map, hubs: [{ ...hub, onTime: 11 }] };
    expect(parseServerMessage(JSON.stringify({ type: 'map', seq: 3, data: bad }))).toBeNull();
    const badLat = { ...map, hubs: [{ ...hub, lat: 123 }] };
    expect(parseServerMessage(JSON.stringify({ type: 'map', seq: 3, data: badLat }))).toBeNull();
  });

  it('parses a parcel state and refuses one without a status time', () => {
    const data = {
      waybill: 'PW123456789012',
      status: 'in_transit',
      statusAt: '2026-11-27T03:00:00Z',
      lastScanAt: null,
      lastScanHub: 'HGH-SC',
      lastEventType: 'arrived_hub',
    };
    expect(
      parseServerMessage(JSON.stringify({ type: 'parcel', channel: 'parcel:PW123456789012', seq: 9, data })),
    ).toEqual({ type: 'parcel', channel: 'parcel:PW123456789012', seq: 9, data });
    expect(
      parseServerMessage(JSON.stringify({ type: 'parcel', seq: 9, data: { ...data, statusAt: 'yesterday' } })),
    ).toBeNull();
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

  it('stays stale while the socket reconnects after a drop, however recent the last message', () => {
    // closed → connecting → closed …: the notice must not flicker off at each attempt.
    for (const state of ['closed', 'connecting', 'closed', 'connecting'] as const) {
      expect(computeStaleness({ ...base, state, lastMessageAt: 10_000, now: 10_500 })).toEqual({
        stale: true,
        since: 10_000,
      });
    }
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

describe('newer', () => {
  const a = { at: '2026-11-27T07:00:00.000Z', v: 'old' };
  const b = { at: '2026-11-27T07:00:05.000Z', v: 'new' };
  it('keeps the later figure whichever arrives last: a replayed snapshot does not undo a fresher fetch', () => {
    expect(newer(b, a)).toBe(b);
    expect(newer(a, b)).toBe(b);
    expect(newer(null, a)).toBe(a);
    expect(newer({ at: b.at, v: 'same time' }, b)).toBe(b); // a tie takes the incoming one
  });
});
