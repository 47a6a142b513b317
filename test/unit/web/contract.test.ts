import { describe, expect, it } from 'vitest';
import { userEnvelope } from '../../../contract/auth.ts';
import { kpiSnapshot } from '../../../contract/kpi.ts';
import { decode, newerSnapshot, parseApiError, safeNextPath, type KpiSnapshot } from '../../../web/src/contract';
import { formatClock, formatNumber } from '../../../web/src/format';

const snap = (at: string): KpiSnapshot => ({
  at,
  inFlight: 1,
  collectedToday: 2,
  deliveredToday: 3,
  exceptionsToday: 4,
  eventsPerMinute: 5,
  perMinute: [],
});

describe('the user envelope of /auth/me and /auth/login', () => {
  const parseUserEnvelope = (v: unknown) => decode(userEnvelope, v)?.user ?? null;
  it('accepts { user: { username, displayName, role } }', () => {
    const user = { username: 'ops1', displayName: '张三', role: 'control_room' };
    expect(parseUserEnvelope({ user })).toEqual(user);
  });

  it('rejects bodies without a usable user', () => {
    expect(parseUserEnvelope(null)).toBeNull();
    expect(parseUserEnvelope({ username: 'ops1', displayName: 'x', role: 'manager' })).toBeNull();
    expect(parseUserEnvelope({ user: { username: '', displayName: 'x', role: 'manager' } })).toBeNull();
    expect(parseUserEnvelope({ user: { username: 'ops1', displayName: 'x' } })).toBeNull();
  });

  it('rejects a role the server does not have', () => {
    expect(parseUserEnvelope({ user: { username: 'ops1', displayName: 'x', role: 'viewer' } })).toBeNull();
  });
});

describe('parseApiError', () => {
  it('extracts { error: { code, message } }', () => {
    expect(parseApiError({ error: { code: 'rate_limited', message: '请稍后再试' } })).toEqual({
      code: 'rate_limited',
      message: '请稍后再试',
    });
  });

  it('returns null for other bodies', () => {
    expect(parseApiError({ error: 'bad' })).toBeNull();
    expect(parseApiError('Unauthorized')).toBeNull();
  });
});

describe('the KPI snapshot', () => {
  const parseKpiSnapshot = (v: unknown) => decode(kpiSnapshot, v);
  it("keeps whether the snapshot is complete (today's counts not short of a backlog)", () => {
    expect(parseKpiSnapshot({ ...snap('2025-03-01T08:00:00Z'), complete: false })?.complete).toBe(false);
    expect(parseKpiSnapshot({ ...snap('2025-03-01T08:00:00Z'), complete: true })?.complete).toBe(true);
    expect(parseKpiSnapshot(snap('2025-03-01T08:00:00Z'))?.complete).toBeUndefined();
  });

  it('accepts a valid REST snapshot', () => {
    expect(parseKpiSnapshot(snap('2025-03-01T08:00:00Z'))).toEqual(snap('2025-03-01T08:00:00Z'));
  });

  it('rejects NaN/Infinity counts', () => {
    expect(parseKpiSnapshot({ ...snap('2025-03-01T08:00:00Z'), inFlight: Number.NaN })).toBeNull();
    expect(parseKpiSnapshot({ ...snap('2025-03-01T08:00:00Z'), inFlight: Infinity })).toBeNull();
  });
});

describe('newerSnapshot', () => {
  it('keeps the snapshot with the later `at` so a slow REST reply cannot roll data back', () => {
    const older = snap('2025-03-01T08:00:00Z');
    const newer = snap('2025-03-01T08:00:05Z');
    expect(newerSnapshot(null, older)).toBe(older);
    expect(newerSnapshot(older, newer)).toBe(newer);
    expect(newerSnapshot(newer, older)).toBe(newer);
  });
});

describe('safeNextPath', () => {
  it('keeps same-origin paths with query strings', () => {
    expect(safeNextPath('/live?x=1')).toBe('/live?x=1');
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['absolute URL', 'https://evil.example/'],
    ['protocol-relative URL', '//evil.example/'],
    ['backslash trick', '/\\evil.example'],
    ['javascript URL', 'javascript:alert(1)'],
    ['the login page itself', '/login?next=/live'],
    ['control characters', '/live\n'],
  ])('falls back to /live for %s', (_label, next) => {
    expect(safeNextPath(next)).toBe('/live');
  });

  it('uses the first value when the query parameter is repeated', () => {
    expect(safeNextPath(['/live', '//evil'])).toBe('/live');
  });
});

describe('formatNumber', () => {
  it('adds thousands separators', () => {
    expect(formatNumber(1234567)).toBe('1,234,567');
    expect(formatNumber(0)).toBe('0');
  });

  it('keeps one decimal for fractional values and shows a dash for missing ones', () => {
    expect(formatNumber(1234.56)).toBe('1,234.6');
    expect(formatNumber(Number.NaN)).toBe('—');
    expect(formatNumber(null)).toBe('—');
  });
});

describe('formatClock', () => {
  it('formats Beijing wall-clock time as HH:MM whatever the viewer time zone', () => {
    const d = new Date('2025-03-01T07:05:59+08:00');
    expect(formatClock(d.getTime())).toBe('07:05');
    expect(formatClock(d.toISOString())).toBe('07:05');
    expect(formatClock('2025-03-01T16:30:00Z')).toBe('00:30');
  });

  it('returns a dash for invalid input', () => {
    expect(formatClock('nope')).toBe('—');
    expect(formatClock(null)).toBe('—');
  });
});
