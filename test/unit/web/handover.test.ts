import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { setLang } from '../../../web/src/i18n';
import {
  formatShiftParam,
  isFutureShift,
  nextShift,
  parseShiftParam,
  previousShift,
  shiftAt,
  shiftEnd,
  shiftRangeText,
  shiftStart,
  shiftWindow,
  type Shift,
} from '../../../web/src/features/handover/shift';
import { onTimeRate, parseHandover, totalOpen } from '../../../web/src/features/handover/report';
import {
  changeText,
  holderText,
  incidentState,
  percentText,
  shiftTitle,
} from '../../../web/src/features/handover/view';
import { alertTitleIn } from '../../../web/src/features/alerts/messages';

const ms = (iso: string) => Date.parse(iso);
const day = (date: string): Shift => ({ date, kind: 'day' });
const night = (date: string): Shift => ({ date, kind: 'night' });

// The machine's zone must not matter: run everything in a zone far from Beijing.
const originalTz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'America/Los_Angeles';
});
afterAll(() => {
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
});

describe('shift arithmetic (Beijing time)', () => {
  it('runs in a machine zone other than Beijing', () => {
    // 08:00 Beijing is 16:00 the day before in Los Angeles (PST): proof the zone took effect.
    expect(new Date(ms('2026-11-27T08:00:00+08:00')).getHours()).toBe(16);
  });

  it('puts 08:00–19:59 Beijing in the day shift of that date', () => {
    expect(shiftAt(ms('2026-11-27T08:00:00+08:00'))).toEqual(day('2026-11-27'));
    expect(shiftAt(ms('2026-11-27T12:00:00+08:00'))).toEqual(day('2026-11-27'));
    expect(shiftAt(ms('2026-11-27T19:59:59.999+08:00'))).toEqual(day('2026-11-27'));
  });

  it('puts 20:00 to 07:59 the next morning in the night shift named by the evening it starts', () => {
    expect(shiftAt(ms('2026-11-27T20:00:00+08:00'))).toEqual(night('2026-11-27'));
    expect(shiftAt(ms('2026-11-27T23:59:59.999+08:00'))).toEqual(night('2026-11-27'));
    expect(shiftAt(ms('2026-11-28T00:00:00+08:00'))).toEqual(night('2026-11-27'));
    expect(shiftAt(ms('2026-11-28T07:59:59.999+08:00'))).toEqual(night('2026-11-27'));
    expect(shiftAt(ms('2026-11-28T08:00:00+08:00'))).toEqual(day('2026-11-28'));
  });

  it('gives the night shift crossing midnight its start and end instants', () => {
    expect(new Date(shiftStart(night('2026-11-27'))).toISOString()).toBe('2026-11-27T12:00:00.000Z');
    expect(new Date(shiftEnd(night('2026-11-27'))).toISOString()).toBe('2026-11-28T00:00:00.000Z');
    expect(new Date(shiftStart(day('2026-11-27'))).toISOString()).toBe('2026-11-27T00:00:00.000Z');
    expect(new Date(shiftEnd(day('2026-11-27'))).toISOString()).toBe('2026-11-27T12:00:00.000Z');
    expect(shiftWindow(night('2026-11-27'))).toEqual({
      from: '2026-11-27T12:00:00.000Z',
      to: '2026-11-28T00:00:00.000Z',
    });
  });

  it('steps to the previous and next shift across midnight, month and year ends', () => {
    expect(nextShift(day('2026-11-27'))).toEqual(night('2026-11-27'));
    expect(nextShift(night('2026-11-27'))).toEqual(day('2026-11-28'));
    expect(previousShift(day('2026-11-28'))).toEqual(night('2026-11-27'));
    expect(previousShift(night('2026-11-27'))).toEqual(day('2026-11-27'));
    expect(nextShift(night('2026-11-30'))).toEqual(day('2026-12-01'));
    expect(nextShift(night('2026-12-31'))).toEqual(day('2027-01-01'));
    expect(previousShift(day('2027-01-01'))).toEqual(night('2026-12-31'));
    expect(nextShift(night('2028-02-28'))).toEqual(day('2028-02-29'));
  });

  it('contains every instant in the shift it names, and next undoes previous', () => {
    fc.assert(
      fc.property(fc.integer({ min: ms('2000-01-01T00:00:00Z'), max: ms('2100-01-01T00:00:00Z') }), (t) => {
        const s = shiftAt(t);
        expect(shiftStart(s)).toBeLessThanOrEqual(t);
        expect(t).toBeLessThan(shiftEnd(s));
        expect(shiftEnd(s) - shiftStart(s)).toBe(12 * 3_600_000);
        expect(nextShift(previousShift(s))).toEqual(s);
        expect(parseShiftParam(formatShiftParam(s))).toEqual(s);
      }),
    );
  });

  it('reads the shift from the URL and refuses what is not one', () => {
    expect(formatShiftParam(night('2026-11-27'))).toBe('2026-11-27-night');
    expect(parseShiftParam('2026-11-27-day')).toEqual(day('2026-11-27'));
    expect(parseShiftParam(['2026-11-27-night', '2026-11-28-day'])).toEqual(night('2026-11-27'));
    for (const bad of [
      '2026-02-30-day',
      '2026-11-27-evening',
      '2026-11-27',
      '27-11-2026-day',
      '',
      undefined,
      null,
      5,
    ]) {
      expect(parseShiftParam(bad), String(bad)).toBeNull();
    }
  });

  it('knows a shift that has not started yet', () => {
    const now = ms('2026-11-27T12:00:00+08:00');
    expect(isFutureShift(day('2026-11-27'), now)).toBe(false);
    expect(isFutureShift(night('2026-11-27'), now)).toBe(true);
    expect(isFutureShift(night('2026-11-26'), now)).toBe(false);
  });

  it('writes the range in Beijing time, with the next date for the night shift', () => {
    expect(shiftRangeText(day('2026-11-27'))).toBe('2026-11-27 08:00 – 20:00');
    expect(shiftRangeText(night('2026-11-27'))).toBe('2026-11-27 20:00 – 11-28 08:00');
    expect(shiftRangeText(night('2026-12-31'))).toBe('2026-12-31 20:00 – 01-01 08:00');
  });
});

const counts = { critical: 2, warning: 1, info: 0, muted: 1 };
const tier = { delivered: 4, onTime: 3, excused: 1 };
function report(over: Record<string, unknown> = {}) {
  const base = {
    from: '2026-11-27T00:00:00.000Z',
    to: '2026-11-27T12:00:00.000Z',
    end: '2026-11-27T04:00:00.000Z',
    complete: false,
    kpis: {
      start: { inFlight: 10, openAlerts: counts },
      end: { inFlight: 12, openAlerts: counts },
      during: {
        collected: 5,
        delivered: 3,
        returned: 0,
        exceptions: 1,
        onTime: { express: tier, standard: tier, economy: tier },
      },
    },
    alerts: {
      opened: {
        total: 2,
        items: [
          {
            alertId: 7,
            action: 'opened',
            at: '2026-11-27T01:00:00.000Z',
            by: null,
            comment: '',
            level: null,
            rule: 'parcel_late',
            hubCode: 'SHA-TC',
            severity: 'critical',
            title: 'x',
            titleKey: null,
            titleParams: null,
          },
        ],
      },
      acknowledged: { total: 0, items: [] },
      resolved: { total: 0, items: [] },
      escalated: { total: 0, items: [] },
    },
    stillOpen: {
      truncated: false,
      items: [
        {
          id: 7,
          rule: 'parcel_late',
          hubCode: 'SHA-TC',
          severity: 'critical',
          title: null,
          titleKey: 'parcel_late',
          titleParams: { hub: '上海转运中心', count: 3 },
          itemCount: 3,
          openedAt: '2026-11-27T01:00:00.000Z',
          acknowledgedAt: null,
          acknowledgedBy: null,
          escalationLevel: 1,
          muted: false,
          holder: { kind: 'escalated', level: 1 },
        },
      ],
    },
    incidents: [
      {
        id: 9,
        hubCode: 'CAN-TC',
        kind: 'weather',
        title: '台风',
        comment: null,
        openedAt: '2026-11-27T01:00:00.000Z',
        openedBy: 'duty',
        acknowledgedAt: null,
        acknowledgedBy: null,
        resolvedAt: null,
        resolvedBy: null,
      },
    ],
    silences: [
      {
        id: 1,
        kind: 'maintenance',
        rule: null,
        hubCode: 'BJS-TC',
        startsAt: '2026-11-27T01:00:00.000Z',
        endsAt: '2026-11-27T03:00:00.000Z',
        comment: '检修',
        createdBy: 'duty',
      },
    ],
  };
  return { ...base, ...over } as typeof base;
}

describe('handover report validation', () => {
  it('accepts a well-formed report', () => {
    const r = parseHandover(report());
    expect(r?.kpis.during.onTime.economy).toEqual(tier);
    expect(r?.stillOpen.items[0]?.holder).toEqual({ kind: 'escalated', level: 1 });
    expect(r?.alerts.opened.total).toBe(2);
  });

  it('reads an alert title stored as a message key and renders it in either language', () => {
    const r = parseHandover(report());
    const open = r!.stillOpen.items[0]!;
    expect(open.title).toEqual({
      title: null,
      titleKey: 'parcel_late',
      titleParams: { hub: '上海转运中心', count: 3 },
    });
    expect(alertTitleIn('zh', open.title)).toBe('上海转运中心：3 件包裹已超过承诺时效');
    expect(alertTitleIn('en', open.title)).toBe('3 parcels past their promised deadline at 上海转运中心');
    expect(alertTitleIn('en', r!.alerts.opened.items[0]!.title)).toBe('x'); // a title from before keys, as written
    const untitled = { ...report().stillOpen.items[0], title: undefined, titleKey: undefined };
    expect(parseHandover(report({ stillOpen: { truncated: false, items: [untitled] } }))).toBeNull();
  });

  it('rejects the whole report when one field is wrong', () => {
    const k = report().kpis;
    const broken = [
      report({ end: 'yesterday' }),
      report({ kpis: { ...k, during: { ...k.during, onTime: { express: tier, standard: tier } } } }),
      report({ kpis: { ...k, start: { inFlight: -1, openAlerts: counts } } }),
      report({ kpis: { ...k, end: { inFlight: 1, openAlerts: { critical: 1, warning: 0, info: 0 } } } }),
      report({
        kpis: {
          ...k,
          during: { ...k.during, onTime: { ...k.during.onTime, express: { delivered: 1, onTime: 2, excused: 0 } } },
        },
      }),
      report({
        stillOpen: { truncated: false, items: [{ ...report().stillOpen.items[0], holder: { kind: 'someone' } }] },
      }),
      report({ alerts: { ...report().alerts, resolved: { total: 0, items: [{ alertId: 1 }] } } }),
      report({ incidents: null }),
      report({ silences: [{ id: 1 }] }),
    ];
    for (const b of broken) expect(parseHandover(b)).toBeNull();
  });
});

describe('handover figures and labels', () => {
  afterEach(() => setLang('zh'));

  it('rates on time against the deliveries that count (excused ones on neither side)', () => {
    expect(onTimeRate({ delivered: 4, onTime: 3, excused: 1 })).toBe(1);
    expect(onTimeRate({ delivered: 4, onTime: 2, excused: 0 })).toBe(0.5);
    expect(onTimeRate({ delivered: 1, onTime: 0, excused: 1 })).toBeNull();
    expect(percentText(2 / 3)).toBe('66.7%');
    expect(percentText(null)).toBe('—');
    expect(totalOpen(counts)).toBe(4);
  });

  it('shows the change between start and end with its sign', () => {
    expect(changeText(10, 12)).toBe('+2');
    expect(changeText(1200, 3)).toBe('−1,197');
    expect(changeText(5, 5)).toBe('±0');
  });

  it('says who holds an open alert, in both languages', () => {
    setLang('en');
    expect(holderText({ kind: 'acknowledged', by: 'night-duty', at: '2026-11-27T01:00:00.000Z' })).toBe(
      'Acknowledged by night-duty',
    );
    expect(holderText({ kind: 'escalated', level: 2 })).toBe('Escalated to manager (level 2)');
    expect(holderText({ kind: 'unowned' })).toBe('Unowned (waiting for on-call)');
    expect(shiftTitle(night('2026-11-27'))).toBe('Night shift 2026-11-27 20:00 – 11-28 08:00');
    setLang('zh');
    expect(holderText({ kind: 'unowned' })).toBe('无人认领（待值班确认）');
    expect(holderText({ kind: 'escalated', level: 1 })).toBe('已升级至经理（第 1 级）');
    expect(shiftTitle(day('2026-11-27'))).toBe('白班 2026-11-27 08:00 – 20:00');
  });

  it('reads an incident state at the end of the shift from its timestamps', () => {
    expect(incidentState({ acknowledgedAt: null, resolvedAt: null })).toBe('open');
    expect(incidentState({ acknowledgedAt: '2026-11-27T01:00:00.000Z', resolvedAt: null })).toBe('acknowledged');
    expect(incidentState({ acknowledgedAt: '2026-11-27T01:00:00.000Z', resolvedAt: '2026-11-27T02:00:00.000Z' })).toBe(
      'resolved',
    );
  });
});
