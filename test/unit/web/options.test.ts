import { describe, expect, it } from 'vitest';
import {
  buildEventsPerMinuteOption,
  darkChartTheme,
  MINUTE_MS,
  normalizePerMinute,
} from '../../../web/src/charts/options';
import type { PerMinutePoint } from '../../../web/src/contract';

const T0 = Date.parse('2025-03-01T08:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const point = (minute: number, total: number, delivered: number, exceptions: number): PerMinutePoint => ({
  t: iso(T0 + minute * MINUTE_MS),
  total,
  delivered,
  exceptions,
});

type Pair = [number, number | null];
function seriesData(option: ReturnType<typeof buildEventsPerMinuteOption>, index: number): Pair[] {
  const series = option.series;
  if (!Array.isArray(series)) throw new Error('series must be an array');
  const s = series[index] as { data?: unknown } | undefined;
  return (s?.data ?? []) as Pair[];
}

function seriesMeta(option: ReturnType<typeof buildEventsPerMinuteOption>) {
  const series = option.series;
  if (!Array.isArray(series)) throw new Error('series must be an array');
  return series.map((s) => ({ name: s.name, type: s.type }));
}

describe('normalizePerMinute', () => {
  it('returns an empty grid for empty input without an end time', () => {
    expect(normalizePerMinute([])).toEqual([]);
  });

  it('builds a full 60-minute grid ending at the newest point, oldest first', () => {
    const slots = normalizePerMinute([point(59, 5, 3, 1)]);
    expect(slots).toHaveLength(60);
    expect(slots[0]?.ts).toBe(T0);
    expect(slots[59]).toEqual({ ts: T0 + 59 * MINUTE_MS, total: 5, delivered: 3, exceptions: 1 });
    for (let i = 1; i < slots.length; i += 1) {
      expect((slots[i]?.ts ?? 0) - (slots[i - 1]?.ts ?? 0)).toBe(MINUTE_MS);
    }
  });

  it('fills missing minutes with 0 by default', () => {
    const slots = normalizePerMinute([point(57, 10, 4, 2), point(59, 8, 6, 0)], { minutes: 3 });
    expect(slots).toEqual([
      { ts: T0 + 57 * MINUTE_MS, total: 10, delivered: 4, exceptions: 2 },
      { ts: T0 + 58 * MINUTE_MS, total: 0, delivered: 0, exceptions: 0 },
      { ts: T0 + 59 * MINUTE_MS, total: 8, delivered: 6, exceptions: 0 },
    ]);
  });

  it('fills missing minutes with null when asked (rendered as line breaks)', () => {
    const slots = normalizePerMinute([point(0, 1, 1, 0), point(2, 3, 2, 1)], { minutes: 3, fill: null });
    expect(slots[1]).toEqual({ ts: T0 + MINUTE_MS, total: null, delivered: null, exceptions: null });
  });

  it('anchors the window on endAt (floored to the minute) and drops points outside it', () => {
    const slots = normalizePerMinute([point(0, 99, 99, 99), point(9, 7, 5, 1)], {
      minutes: 5,
      endAt: iso(T0 + 9 * MINUTE_MS + 42_000),
    });
    expect(slots.map((s) => s.ts)).toEqual([5, 6, 7, 8, 9].map((m) => T0 + m * MINUTE_MS));
    expect(slots.map((s) => s.total)).toEqual([0, 0, 0, 0, 7]);
  });

  it('gives an all-zero window when endAt is known but there are no points', () => {
    const slots = normalizePerMinute([], { minutes: 2, endAt: iso(T0) });
    expect(slots.map((s) => s.total)).toEqual([0, 0]);
  });

  it('buckets unaligned timestamps to their minute, sorts unordered input, later duplicate wins', () => {
    const slots = normalizePerMinute(
      [
        { t: iso(T0 + 2 * MINUTE_MS + 15_000), total: 2, delivered: 2, exceptions: 0 },
        point(1, 1, 1, 0),
        point(2, 9, 9, 9),
      ],
      { minutes: 2 },
    );
    expect(slots.map((s) => [s.ts, s.total])).toEqual([
      [T0 + MINUTE_MS, 1],
      [T0 + 2 * MINUTE_MS, 9],
    ]);
  });

  it('ignores points whose time cannot be parsed', () => {
    const slots = normalizePerMinute([{ t: 'not a date', total: 1, delivered: 1, exceptions: 1 }]);
    expect(slots).toEqual([]);
  });
});

describe('buildEventsPerMinuteOption', () => {
  const points = [point(58, 120, 80, 3), point(59, 100, 70, 5)];

  it('maps total, delivered and exceptions to their own series as [time, value] pairs', () => {
    const option = buildEventsPerMinuteOption(points, darkChartTheme, { minutes: 2 });
    expect(seriesData(option, 0)).toEqual([
      [T0 + 58 * MINUTE_MS, 120],
      [T0 + 59 * MINUTE_MS, 100],
    ]);
    expect(seriesData(option, 1)).toEqual([
      [T0 + 58 * MINUTE_MS, 80],
      [T0 + 59 * MINUTE_MS, 70],
    ]);
    expect(seriesData(option, 2)).toEqual([
      [T0 + 58 * MINUTE_MS, 3],
      [T0 + 59 * MINUTE_MS, 5],
    ]);
  });

  it('draws total as bars and delivered/exceptions as lines, named by the given labels', () => {
    const option = buildEventsPerMinuteOption(points, darkChartTheme, {
      labels: { total: '全部事件', delivered: '签收', exceptions: '异常' },
    });
    expect(seriesMeta(option)).toEqual([
      { name: '全部事件', type: 'bar' },
      { name: '签收', type: 'line' },
      { name: '异常', type: 'line' },
    ]);
    expect(option.legend).toMatchObject({ data: ['全部事件', '签收', '异常'] });
  });

  it('uses a 60-minute window by default with the time axis spanning it', () => {
    const option = buildEventsPerMinuteOption(points, darkChartTheme);
    expect(seriesData(option, 0)).toHaveLength(60);
    expect(option.xAxis).toMatchObject({
      type: 'time',
      min: T0 - MINUTE_MS / 2,
      max: T0 + 59 * MINUTE_MS + MINUTE_MS / 2,
    });
  });

  it('produces three empty series and no fixed axis range for empty input', () => {
    const option = buildEventsPerMinuteOption([], darkChartTheme);
    expect([0, 1, 2].map((i) => seriesData(option, i))).toEqual([[], [], []]);
    expect(option.xAxis).not.toHaveProperty('min');
    expect(option.xAxis).not.toHaveProperty('max');
  });

  it('fills gaps with 0 by default and with null (no connecting line) when asked', () => {
    const gappy = [point(0, 4, 2, 1), point(2, 6, 3, 0)];
    const zero = buildEventsPerMinuteOption(gappy, darkChartTheme, { minutes: 3 });
    expect(seriesData(zero, 0).map(([, v]) => v)).toEqual([4, 0, 6]);
    const nulls = buildEventsPerMinuteOption(gappy, darkChartTheme, { minutes: 3, fill: null });
    expect(seriesData(nulls, 1).map(([, v]) => v)).toEqual([2, null, 3]);
    const series = nulls.series;
    expect(Array.isArray(series) && series[1]).toMatchObject({ connectNulls: false });
  });

  it('applies the theme colours to the series', () => {
    const option = buildEventsPerMinuteOption(points, darkChartTheme);
    expect(option.color).toEqual([
      darkChartTheme.colors.total,
      darkChartTheme.colors.delivered,
      darkChartTheme.colors.exceptions,
    ]);
  });

  it('formats tooltip values with the given formatter and shows a dash for gaps', () => {
    const option = buildEventsPerMinuteOption(points, darkChartTheme, {
      formatValue: (v) => `#${v}`,
    });
    const tooltip = option.tooltip as { valueFormatter?: (v: unknown) => string };
    expect(tooltip.valueFormatter?.(1234)).toBe('#1234');
    expect(tooltip.valueFormatter?.(null)).toBe('–');
  });

  it('is pure: the same input gives an equal option and the input is not mutated', () => {
    const input = [point(59, 1, 1, 0), point(58, 2, 1, 1)];
    const copy = structuredClone(input);
    const a = buildEventsPerMinuteOption(input, darkChartTheme);
    const b = buildEventsPerMinuteOption(input, darkChartTheme);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(input).toEqual(copy);
  });
});

describe('time axis', () => {
  it('labels minutes in Beijing time', async () => {
    const { buildEventsPerMinuteOption } = await import('../../../web/src/charts/options');
    const option = buildEventsPerMinuteOption([
      { t: '2025-03-01T01:00:00Z', total: 1, delivered: 0, exceptions: 0 },
    ]) as unknown as { xAxis: { axisLabel: { formatter: (v: number) => string } } };
    expect(option.xAxis.axisLabel.formatter(Date.parse('2025-03-01T01:00:00Z'))).toBe('09:00');
  });
});
