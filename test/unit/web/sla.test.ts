import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { setLang } from '../../../web/src/i18n';
import { beijingDay, daysOf, periodFromQuery, periodToQuery, presetPeriod } from '../../../web/src/features/sla/range';
import {
  breakdownCells,
  breakdownCsv,
  causesCsv,
  fmtChange,
  fmtRate,
  fmtScore,
  parcelCells,
} from '../../../web/src/features/sla/view';
import {
  buildParetoOption,
  buildPercentileOption,
  buildSatisfactionOption,
  buildTrendOption,
} from '../../../web/src/features/sla/chart-options';
import { drillParams } from '../../../web/src/features/sla/api';

// 2026-03-31 17:30 UTC is 2026-04-01 01:30 in Beijing: the day (and month) have turned there.
const NOW = Date.parse('2026-03-31T17:30:00Z');

afterEach(() => setLang('zh'));

describe('SLA period presets', () => {
  it('counts days in Beijing time, not UTC', () => {
    expect(beijingDay(NOW)).toBe('2026-04-01');
    expect(presetPeriod('today', NOW)).toEqual({ preset: 'today', from: '2026-04-01', to: '2026-04-01' });
    expect(presetPeriod('7d', NOW)).toEqual({ preset: '7d', from: '2026-03-26', to: '2026-04-01' });
    expect(presetPeriod('30d', NOW)).toEqual({ preset: '30d', from: '2026-03-03', to: '2026-04-01' });
    expect(presetPeriod('month', NOW)).toEqual({ preset: 'month', from: '2026-04-01', to: '2026-04-01' });
  });

  it('gives every preset as many days as it says, ending today', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('2020-01-01'), max: Date.parse('2030-12-31') }), (now) => {
        for (const [p, n] of [
          ['today', 1],
          ['7d', 7],
          ['30d', 30],
        ] as const) {
          const period = presetPeriod(p, now);
          expect(daysOf(period)).toHaveLength(n);
          expect(period.to).toBe(beijingDay(now));
        }
        const month = presetPeriod('month', now);
        expect(month.from.slice(8)).toBe('01');
        expect(month.from.slice(0, 7)).toBe(month.to.slice(0, 7));
      }),
    );
  });

  it('reads the period from the URL: presets move with time, custom days stay, nonsense falls back to 7 days', () => {
    expect(periodFromQuery({ range: '30d' }, NOW).from).toBe('2026-03-03');
    expect(periodFromQuery({ range: 'custom', from: '2026-02-01', to: '2026-02-28' }, NOW)).toEqual({
      preset: 'custom',
      from: '2026-02-01',
      to: '2026-02-28',
    });
    expect(periodFromQuery({ range: 'custom', from: '2026-02-30', to: '2026-03-02' }, NOW).preset).toBe('7d');
    expect(periodFromQuery({ range: 'custom', from: '2026-03-02', to: '2026-02-01' }, NOW).preset).toBe('7d');
    expect(periodFromQuery({ range: 'custom', from: '2024-01-01', to: '2026-01-01' }, NOW).preset).toBe('7d');
    expect(periodFromQuery({}, NOW)).toEqual(presetPeriod('7d', NOW));
    expect(periodToQuery({ preset: 'custom', from: '2026-02-01', to: '2026-02-02' })).toEqual({
      range: 'custom',
      from: '2026-02-01',
      to: '2026-02-02',
    });
    expect(periodToQuery(presetPeriod('month', NOW))).toEqual({ range: 'month' });
  });
});

describe('SLA tables and CSV', () => {
  const row = {
    key: 'SHA-O1',
    name: '上海浦东网点, "A"',
    detail: '上海',
    closed: 5,
    onTime: 3,
    late: 2,
    excused: 0,
    rate: 60,
  };

  it('writes the cells the table shows, quoted where needed', () => {
    setLang('en');
    expect(breakdownCells('hub', row)).toEqual(['SHA-O1', '上海浦东网点, "A"', '5', '3', '2', '0', '60.0%']);
    const csv = breakdownCsv('hub', [row]).split('\r\n');
    expect(csv[0]).toBe('Hub code,Hub name,Closed,On time,Late,Excused,On-time rate');
    expect(csv[1]).toBe('SHA-O1,"上海浦东网点, ""A""",5,3,2,0,60.0%');
    expect(breakdownCells('region', { ...row, key: '上海', name: '上海' })).toEqual([
      '上海',
      '5',
      '3',
      '2',
      '0',
      '60.0%',
    ]);
  });

  it('never repeats a header cell, in either language', () => {
    for (const l of ['zh', 'en'] as const) {
      setLang(l);
      for (const by of ['hub', 'region', 'courier'] as const) {
        const header = breakdownCsv(by, []).split('\r\n')[0]!.split(',');
        expect(new Set(header).size, `${l} ${by}: ${header.join(',')}`).toBe(header.length);
      }
    }
    setLang('zh');
    expect(breakdownCsv('hub', []).split('\r\n')[0]).toBe('网点代码,网点名称,完结,准时,延误,免责,准时率');
    expect(breakdownCsv('courier', []).split('\r\n')[0]).toMatch(/^快递员工号,快递员姓名,/);
  });

  it('writes the Pareto table with shares, and a parcel row in Beijing time', () => {
    setLang('zh');
    expect(
      causesCsv({
        late: [
          { cause: 'stalled', parcels: 2, share: 66.7, cumulative: 66.7 },
          { cause: 'lost', parcels: 1, share: 33.3, cumulative: 100 },
        ],
      }),
    ).toBe('原因,包裹,占比,累计\r\n滞留（≥ 24 小时）,2,66.7%,66.7%\r\n丢失,1,33.3%,100.0%\r\n');
    expect(
      parcelCells({
        waybill: 'PW1',
        tier: 'express',
        origin: 'HGH-O1',
        destination: 'SHA-O1',
        courier: null,
        collectedAt: '2026-03-01T16:30:00Z',
        closedAt: '2026-03-02T02:00:00Z',
        closing: 'delivered',
        deadline: null,
        outcome: 'late',
        cause: 'late_last_mile',
        transitHours: 9.5,
      }),
    ).toEqual([
      'PW1',
      '特快',
      'HGH-O1',
      'SHA-O1',
      '—',
      '2026-03-02 00:30',
      '2026-03-02 10:00',
      '—',
      '延误',
      '末端延误（< 24 小时）',
      '9.5',
    ]);
  });

  it('formats rates and their change in percentage points', () => {
    expect(fmtRate(null)).toBe('—');
    expect(fmtRate(99.25)).toBe('99.3%');
    expect(fmtChange(-2.5)).toBe('−2.5 pp');
    expect(fmtChange(1)).toBe('+1.0 pp');
    expect(fmtChange(0)).toBe('±0.0 pp');
  });

  it('asks the drill-down for exactly the figure clicked', () => {
    expect(
      drillParams(
        { from: '2026-03-01', to: '2026-03-07', tier: 'express', hub: 'SHA-O1', outcome: 'late', delivered: true },
        100,
      ),
    ).toEqual({
      from: '2026-03-01',
      to: '2026-03-07',
      tier: 'express',
      hub: 'SHA-O1',
      origin: undefined,
      region: undefined,
      courier: undefined,
      outcome: 'late',
      cause: undefined,
      delivered: 'true',
      limit: '100',
    });
    expect(drillParams({ from: '2026-03-01', to: '2026-03-07' }, 500, 1000)).toMatchObject({
      limit: '500',
      offset: '1000',
    });
  });
});

describe('SLA chart options', () => {
  it('draws one line per tier over every day of the period, with gaps where nothing was judged', () => {
    const o = buildTrendOption({
      days: ['2026-03-01', '2026-03-02', '2026-03-03'],
      tiers: [
        { tier: 'express', label: '特快' },
        { tier: 'economy', label: '经济' },
      ],
      series: [
        { day: '2026-03-01', tier: 'express', rate: 90 },
        { day: '2026-03-03', tier: 'express', rate: 80 },
        { day: '2026-03-02', tier: 'economy', rate: null },
      ],
    });
    const series = o.series as Array<{ id: string; data: Array<number | null> }>;
    expect(series.map((s) => s.id)).toEqual(['express', 'economy']);
    expect(series[0]!.data).toEqual([90, null, 80]);
    expect(series[1]!.data).toEqual([null, null, null]);
    expect((o.xAxis as { data: string[] }).data).toEqual(['03-01', '03-02', '03-03']);
  });

  it('puts Pareto bars on the left axis and the cumulative share on a 0-100 % right axis', () => {
    const o = buildParetoOption({
      causes: [
        { cause: 'stalled', label: 'S', parcels: 5, cumulative: 62.5 },
        { cause: 'lost', label: 'L', parcels: 3, cumulative: 100 },
      ],
      labels: { parcels: 'Late', cumulative: 'Cum' },
    });
    const [bars, line] = o.series as Array<{ type: string; data: number[]; yAxisIndex?: number }>;
    expect(bars).toMatchObject({ type: 'bar', data: [5, 3] });
    expect(line).toMatchObject({ type: 'line', data: [62.5, 100], yAxisIndex: 1 });
    expect((o.yAxis as Array<{ max?: number }>)[1]!.max).toBe(100);
  });

  it('groups p50, p90 and p99 bars by tier', () => {
    const o = buildPercentileOption({
      tiers: [
        { tier: 'express', label: 'E', p50: 20, p90: 30.5, p99: 48 },
        { tier: 'economy', label: 'C', p50: null, p90: null, p99: null },
      ],
    });
    expect((o.series as Array<{ name: string; data: Array<number | null> }>).map((s) => [s.name, s.data])).toEqual([
      ['p50', [20, null]],
      ['p90', [30.5, null]],
      ['p99', [48, null]],
    ]);
  });

  it('draws the mean feedback score per day on a 1-5 axis with gaps, and answers as bars on the right axis', () => {
    const o = buildSatisfactionOption({
      days: ['2026-03-01', '2026-03-02', '2026-03-03'],
      trend: [
        { day: '2026-03-01', count: 2, average: 4.5 },
        { day: '2026-03-02', count: 0, average: null },
        { day: '2026-03-03', count: 1, average: 2 },
      ],
      labels: { average: 'Avg', count: 'N' },
    });
    const [bars, line] = o.series as Array<{ type: string; data: Array<number | null>; yAxisIndex?: number }>;
    expect(bars).toMatchObject({ type: 'bar', data: [2, 0, 1], yAxisIndex: 1 });
    expect(line).toMatchObject({ type: 'line', data: [4.5, null, 2] });
    expect((o.yAxis as Array<{ min?: number; max?: number }>)[0]).toMatchObject({ min: 1, max: 5 });
    expect((o.xAxis as { data: string[] }).data).toEqual(['03-01', '03-02', '03-03']);
  });

  it('counts a day missing from the trend as no answers, and formats scores with two decimals', () => {
    const o = buildSatisfactionOption({
      days: ['2026-03-01', '2026-03-02'],
      trend: [{ day: '2026-03-02', count: 3, average: 3.67 }],
      labels: { average: 'A', count: 'N' },
    });
    expect((o.series as Array<{ data: Array<number | null> }>).map((x) => x.data)).toEqual([
      [0, 3],
      [null, 3.67],
    ]);
    expect(fmtScore(null)).toBe('—');
    expect(fmtScore(4)).toBe('4.00');
  });
});
