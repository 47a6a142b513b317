// Pure ECharts option builders: data in, option object out. No DOM, no echarts runtime
// (type-only imports), so they are unit-tested in node.

import type { ComposeOption } from 'echarts/core';
import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components';
import type { PerMinutePoint } from '../contract';
import { formatClock } from '../format';

export type EventsChartOption = ComposeOption<
  BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption
>;

/** The name charts/china-map.ts registers the China province map under (the wall's map, a parcel's route). */
export const CHINA_MAP_NAME = 'china';

export interface ChartTheme {
  text: string;
  mutedText: string;
  axisLine: string;
  splitLine: string;
  tooltipBackground: string;
  tooltipBorder: string;
  fontFamily: string;
  fontSize: number;
  colors: { total: string; delivered: string; exceptions: string };
}

/** Control-room dark theme; keep in sync with the CSS variables in styles.css. */
export const darkChartTheme: ChartTheme = {
  text: '#e6edf3',
  mutedText: '#8b98a5',
  axisLine: '#3a4654',
  splitLine: '#1f2a36',
  tooltipBackground: '#111a24',
  tooltipBorder: '#3a4654',
  fontFamily: 'system-ui, "PingFang SC", "Microsoft YaHei", sans-serif',
  fontSize: 14,
  colors: { total: '#4c8dff', delivered: '#2ecc71', exceptions: '#ff5c5c' },
};

export const MINUTE_MS = 60_000;

/** One slot of the fixed per-minute grid; null marks a gap when filling with null. */
export interface MinuteSlot {
  ts: number;
  total: number | null;
  delivered: number | null;
  exceptions: number | null;
}

export interface NormalizeOptions {
  /** Window length in minutes (default 60). */
  minutes?: number;
  /** End of the window (ISO); defaults to the newest point. The minute containing it is the last slot. */
  endAt?: string;
  /**
   * How missing minutes are filled: `0` (default — no row for a minute means no events)
   * or `null` (unknown; the line is drawn with a break).
   */
  fill?: 0 | null;
}

const floorToMinute = (ms: number): number => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

/**
 * Puts per-minute points on a fixed grid of `minutes` consecutive minutes ending at
 * `endAt` (or the newest point): points are bucketed to their minute, points outside
 * the window or with an unparsable time are dropped, a later duplicate of the same
 * minute wins, and missing minutes are filled with `fill`.
 * Returns [] when there is nothing to anchor the window on.
 */
export function normalizePerMinute(points: readonly PerMinutePoint[], options: NormalizeOptions = {}): MinuteSlot[] {
  const minutes = Math.max(1, Math.floor(options.minutes ?? 60));
  const fill = options.fill === null ? null : 0;

  const byMinute = new Map<number, PerMinutePoint>();
  let newest = -Infinity;
  for (const p of points) {
    const ms = Date.parse(p.t);
    if (!Number.isFinite(ms)) continue;
    const minute = floorToMinute(ms);
    byMinute.set(minute, p);
    if (minute > newest) newest = minute;
  }

  const endMs = options.endAt === undefined ? NaN : Date.parse(options.endAt);
  const end = Number.isFinite(endMs) ? floorToMinute(endMs) : newest;
  if (!Number.isFinite(end)) return [];

  const slots: MinuteSlot[] = [];
  for (let i = minutes - 1; i >= 0; i -= 1) {
    const ts = end - i * MINUTE_MS;
    const p = byMinute.get(ts);
    slots.push(
      p
        ? { ts, total: p.total, delivered: p.delivered, exceptions: p.exceptions }
        : { ts, total: fill, delivered: fill, exceptions: fill },
    );
  }
  return slots;
}

export interface EventsChartLabels {
  total: string;
  delivered: string;
  exceptions: string;
}

export interface EventsChartOptions extends NormalizeOptions {
  labels?: EventsChartLabels;
  /** Formats values in the tooltip (e.g. thousands separators). */
  formatValue?: (value: number) => string;
}

const DEFAULT_LABELS: EventsChartLabels = {
  total: 'Total',
  delivered: 'Delivered',
  exceptions: 'Exceptions',
};

type SeriesPoint = [number, number | null];

/**
 * Option for the "events per minute" chart: total as bars, delivered and exceptions as
 * lines, on a time axis covering the window. Series data are `[epochMs, value]` pairs.
 */
export function buildEventsPerMinuteOption(
  points: readonly PerMinutePoint[],
  theme: ChartTheme = darkChartTheme,
  options: EventsChartOptions = {},
): EventsChartOption {
  const slots = normalizePerMinute(points, options);
  const labels = options.labels ?? DEFAULT_LABELS;
  const format = options.formatValue;
  const pick = (key: 'total' | 'delivered' | 'exceptions'): SeriesPoint[] =>
    slots.map((s): SeriesPoint => [s.ts, s[key]]);

  const first = slots[0];
  const last = slots[slots.length - 1];
  const textStyle = { color: theme.text, fontFamily: theme.fontFamily, fontSize: theme.fontSize };

  return {
    backgroundColor: 'transparent',
    animation: false,
    textStyle,
    color: [theme.colors.total, theme.colors.delivered, theme.colors.exceptions],
    grid: { left: 56, right: 24, top: 48, bottom: 36 },
    legend: {
      top: 8,
      textStyle: { ...textStyle, color: theme.text },
      data: [labels.total, labels.delivered, labels.exceptions],
    },
    tooltip: {
      trigger: 'axis',
      backgroundColor: theme.tooltipBackground,
      borderColor: theme.tooltipBorder,
      textStyle: { ...textStyle, color: theme.text },
      ...(format
        ? {
            valueFormatter: (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? format(v) : '–'),
          }
        : {}),
    },
    xAxis: {
      type: 'time',
      // Half a minute of padding so the first and last bars are not clipped.
      ...(first && last ? { min: first.ts - MINUTE_MS / 2, max: last.ts + MINUTE_MS / 2 } : {}),
      axisLine: { lineStyle: { color: theme.axisLine } },
      axisLabel: { color: theme.mutedText, fontSize: theme.fontSize, formatter: (v: number) => formatClock(v) },
      splitLine: { show: false },
    },
    yAxis: {
      type: 'value',
      minInterval: 1,
      axisLabel: { color: theme.mutedText, fontSize: theme.fontSize },
      splitLine: { lineStyle: { color: theme.splitLine } },
    },
    series: [
      {
        name: labels.total,
        type: 'bar',
        data: pick('total'),
        barMaxWidth: 14,
        itemStyle: { color: theme.colors.total, opacity: 0.55 },
      },
      {
        name: labels.delivered,
        type: 'line',
        data: pick('delivered'),
        showSymbol: false,
        connectNulls: false,
        lineStyle: { width: 3, color: theme.colors.delivered },
        itemStyle: { color: theme.colors.delivered },
      },
      {
        name: labels.exceptions,
        type: 'line',
        data: pick('exceptions'),
        showSymbol: false,
        connectNulls: false,
        lineStyle: { width: 3, color: theme.colors.exceptions },
        itemStyle: { color: theme.colors.exceptions },
      },
    ],
  };
}
