// Pure ECharts option builders of the SLA page (data in, option out; node-tested).
// Parts used (line, bar, heatmap, grid, tooltip, legend, visualMap) are registered in ./echarts.ts.

import type { ComposeOption } from 'echarts/core';
import type { BarSeriesOption, HeatmapSeriesOption, LineSeriesOption } from 'echarts/charts';
import type {
  GridComponentOption,
  LegendComponentOption,
  TooltipComponentOption,
  VisualMapComponentOption,
} from 'echarts/components';
import { darkChartTheme, type ChartTheme } from '../../charts/options';

export type SlaChartOption = ComposeOption<
  | BarSeriesOption
  | LineSeriesOption
  | HeatmapSeriesOption
  | GridComponentOption
  | LegendComponentOption
  | TooltipComponentOption
  | VisualMapComponentOption
>;

/**
 * The SLA charts on paper: near-black labels and axes on white (the screen theme's light
 * grey labels are nearly invisible when printed). SlaPage switches to it on beforeprint.
 */
export const printChartTheme: ChartTheme = {
  ...darkChartTheme,
  text: '#111111',
  mutedText: '#222222',
  axisLine: '#444444',
  splitLine: '#d0d0d0',
  tooltipBackground: '#ffffff',
  tooltipBorder: '#888888',
};

export const TIER_COLORS: Record<string, string> = { express: '#ff9f43', standard: '#4c8dff', economy: '#2ecc71' };

export interface TrendInput {
  /** Every day of the period (x axis), YYYY-MM-DD. */
  days: readonly string[];
  tiers: ReadonlyArray<{ tier: string; label: string }>;
  /** Rate per day and tier (null or missing: no parcel judged that day). */
  series: ReadonlyArray<{ day: string; tier: string; rate: number | null }>;
}

function axisStyle(theme: ChartTheme) {
  return {
    axisLine: { lineStyle: { color: theme.axisLine } },
    axisLabel: { color: theme.mutedText, fontSize: theme.fontSize - 2 },
    splitLine: { lineStyle: { color: theme.splitLine } },
  };
}

function base(theme: ChartTheme): SlaChartOption {
  return {
    animation: false,
    textStyle: { color: theme.text, fontFamily: theme.fontFamily, fontSize: theme.fontSize },
    tooltip: {
      trigger: 'axis',
      backgroundColor: theme.tooltipBackground,
      borderColor: theme.tooltipBorder,
      textStyle: { color: theme.text },
    },
    legend: { top: 0, textStyle: { color: theme.text } },
    grid: { left: 48, right: 48, top: 36, bottom: 32 },
  };
}

/** On-time rate (%) per day, one line per tier; a day without judged parcels is a gap. */
export function buildTrendOption(input: TrendInput, theme: ChartTheme = darkChartTheme): SlaChartOption {
  const at = new Map(input.series.map((s) => [`${s.day}|${s.tier}`, s.rate]));
  return {
    ...base(theme),
    xAxis: { type: 'category', data: input.days.map((d) => d.slice(5)), ...axisStyle(theme) },
    yAxis: {
      type: 'value',
      min: 0,
      max: 100,
      axisLabel: { formatter: '{value}%', color: theme.mutedText },
      splitLine: axisStyle(theme).splitLine,
    },
    series: input.tiers.map(({ tier, label }) => ({
      type: 'line' as const,
      name: label,
      id: tier,
      connectNulls: false,
      symbolSize: 8,
      color: TIER_COLORS[tier] ?? theme.colors.total,
      data: input.days.map((d) => at.get(`${d}|${tier}`) ?? null),
    })),
  };
}

export interface ParetoInput {
  causes: ReadonlyArray<{ cause: string; label: string; parcels: number; cumulative: number }>;
  labels: { parcels: string; cumulative: string };
}

/** Late parcels by cause as bars, largest first, and the cumulative share as a line (right axis, %). */
export function buildParetoOption(input: ParetoInput, theme: ChartTheme = darkChartTheme): SlaChartOption {
  return {
    ...base(theme),
    xAxis: { type: 'category', data: input.causes.map((c) => c.label), ...axisStyle(theme) },
    yAxis: [
      { type: 'value', minInterval: 1, ...axisStyle(theme) },
      {
        type: 'value',
        min: 0,
        max: 100,
        axisLabel: { formatter: '{value}%', color: theme.mutedText },
        splitLine: { show: false },
      },
    ],
    series: [
      {
        type: 'bar',
        name: input.labels.parcels,
        color: theme.colors.exceptions,
        barMaxWidth: 72,
        data: input.causes.map((c) => c.parcels),
        label: { show: true, position: 'top', color: theme.text },
      },
      {
        type: 'line',
        name: input.labels.cumulative,
        yAxisIndex: 1,
        color: theme.colors.total,
        symbolSize: 8,
        data: input.causes.map((c) => c.cumulative),
      },
    ],
  };
}

export interface PercentileInput {
  tiers: ReadonlyArray<{ tier: string; label: string; p50: number | null; p90: number | null; p99: number | null }>;
}

/** p50 / p90 / p99 transit hours per tier, grouped bars. */
export function buildPercentileOption(input: PercentileInput, theme: ChartTheme = darkChartTheme): SlaChartOption {
  const colors = { p50: '#2ecc71', p90: '#4c8dff', p99: '#ff9f43' };
  return {
    ...base(theme),
    xAxis: { type: 'category', data: input.tiers.map((t) => t.label), ...axisStyle(theme) },
    yAxis: {
      type: 'value',
      axisLabel: { formatter: '{value} h', color: theme.mutedText },
      splitLine: axisStyle(theme).splitLine,
    },
    series: (['p50', 'p90', 'p99'] as const).map((p) => ({
      type: 'bar' as const,
      name: p,
      color: colors[p],
      barMaxWidth: 48,
      label: { show: true, position: 'top' as const, color: theme.text, fontSize: theme.fontSize - 3 },
      data: input.tiers.map((t) => t[p]),
    })),
  };
}

export interface SatisfactionInput {
  /** Every day of the period (x axis), YYYY-MM-DD. */
  days: readonly string[];
  /** Answers and mean score per day (missing or null: nobody answered that day). */
  trend: ReadonlyArray<{ day: string; count: number; average: number | null }>;
  labels: { average: string; count: string };
}

/** Mean feedback score per day as a line on a 1–5 axis (a day without answers is a gap), answers as bars (right axis). */
export function buildSatisfactionOption(input: SatisfactionInput, theme: ChartTheme = darkChartTheme): SlaChartOption {
  const at = new Map(input.trend.map((d) => [d.day, d]));
  return {
    ...base(theme),
    xAxis: { type: 'category', data: input.days.map((d) => d.slice(5)), ...axisStyle(theme) },
    yAxis: [
      { type: 'value', min: 1, max: 5, interval: 1, ...axisStyle(theme) },
      { type: 'value', minInterval: 1, axisLabel: { color: theme.mutedText }, splitLine: { show: false } },
    ],
    series: [
      {
        type: 'bar',
        name: input.labels.count,
        id: 'count',
        yAxisIndex: 1,
        color: theme.colors.total,
        itemStyle: { opacity: 0.5 },
        barMaxWidth: 24,
        data: input.days.map((d) => at.get(d)?.count ?? 0),
      },
      {
        type: 'line',
        name: input.labels.average,
        id: 'average',
        connectNulls: false,
        symbolSize: 8,
        color: '#f1c40f',
        data: input.days.map((d) => at.get(d)?.average ?? null),
      },
    ],
  };
}

export const KIND_COLORS: Record<string, string> = {
  hub_dwell: '#ff6b6b',
  line_haul: '#4c8dff',
  first_mile: '#2ecc71',
  last_mile: '#f1c40f',
  delivery_run: '#ff9f43',
};

export interface TimeLostParetoInput {
  /** Largest first (the API's order), already cut to the bars to show. */
  bars: ReadonlyArray<{
    kind: string;
    axis: string;
    tooltip: string;
    excessHours: number;
    parcels: number;
    cumulative: number;
  }>;
  /** Kinds in legend order, with their labels. */
  kinds: ReadonlyArray<{ kind: string; label: string }>;
  labels: { excess: string; cumulative: string; parcels: string };
  /** Rotate the axis labels (narrow screens, long lane codes). */
  rotate: number;
  /** A phone-sized chart. */
  narrow?: boolean;
}

/**
 * Excess hours by responsible and segment kind as bars, largest first, one colour per
 * kind (a stacked series per kind, so the legend names them and a click says which),
 * and the cumulative share of all excess as a line on the right axis (%).
 */
export function buildTimeLostOption(input: TimeLostParetoInput, theme: ChartTheme = darkChartTheme): SlaChartOption {
  const bars = input.bars;
  return {
    ...base(theme),
    tooltip: {
      ...base(theme).tooltip,
      formatter: (params: unknown) => {
        const list = Array.isArray(params) ? params : [params];
        const i = (list[0] as { dataIndex?: number } | undefined)?.dataIndex ?? -1;
        const b = bars[i];
        if (!b) return '';
        return `${b.tooltip}<br/>${input.labels.excess}: <b>${b.excessHours.toFixed(1)}</b><br/>${input.labels.parcels}: ${b.parcels}<br/>${input.labels.cumulative}: ${(b.cumulative * 100).toFixed(0)}%`;
      },
    },
    // A narrow chart wraps its legend onto a second line: the plot starts lower so the axis name stays clear of it.
    grid: { left: 52, right: 48, top: input.narrow ? 64 : 36, bottom: input.rotate ? 92 : 40 },
    xAxis: {
      type: 'category',
      data: bars.map((b) => b.axis),
      ...axisStyle(theme),
      axisLabel: { ...axisStyle(theme).axisLabel, interval: 0, rotate: input.rotate, hideOverlap: false },
    },
    yAxis: [
      {
        type: 'value',
        name: input.labels.excess,
        nameTextStyle: { color: theme.mutedText, align: 'left' },
        ...axisStyle(theme),
      },
      {
        type: 'value',
        min: 0,
        max: 100,
        axisLabel: { formatter: '{value}%', color: theme.mutedText },
        splitLine: { show: false },
      },
    ],
    series: [
      ...input.kinds.map(({ kind, label }) => ({
        type: 'bar' as const,
        id: kind,
        name: label,
        stack: 'excess',
        color: KIND_COLORS[kind] ?? theme.colors.total,
        barMaxWidth: 56,
        data: bars.map((b) => (b.kind === kind ? b.excessHours : null)),
      })),
      {
        type: 'line' as const,
        id: 'cumulative',
        name: input.labels.cumulative,
        yAxisIndex: 1,
        color: theme.colors.total,
        symbolSize: 6,
        data: bars.map((b) => Math.round(b.cumulative * 1000) / 10),
      },
    ],
  };
}

export interface DwellHeatInput {
  /** [hour of day 0–23, day of week 0 = Monday, p90 hours]. */
  cells: ReadonlyArray<readonly [number, number, number]>;
  days: readonly string[];
  label: string;
}

/** Hub dwell p90 by day of the week (rows, Monday on top) and hour of the day (columns), an ECharts heatmap. */
export function buildDwellHeatOption(input: DwellHeatInput, theme: ChartTheme = darkChartTheme): SlaChartOption {
  // The colour scale ends at the 95th percentile of the cells (those above take its top colour, "≥"):
  // one week-long hold must not turn every ordinary hour the same colour.
  const sorted = input.cells.map((c) => c[2]).sort((a, b) => a - b);
  const top = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? 1;
  const max = Math.max(1, Math.ceil(top));
  const capped = sorted.length > 0 && sorted[sorted.length - 1]! > max;
  return {
    animation: false,
    textStyle: { color: theme.text, fontFamily: theme.fontFamily, fontSize: theme.fontSize },
    tooltip: {
      backgroundColor: theme.tooltipBackground,
      borderColor: theme.tooltipBorder,
      textStyle: { color: theme.text },
      formatter: (p: unknown) => {
        const v = (p as { value?: [number, number, number] }).value;
        return v
          ? `${input.days[v[1]] ?? ''} ${String(v[0]).padStart(2, '0')}:00<br/>${input.label}: <b>${v[2].toFixed(1)} h</b>`
          : '';
      },
    },
    grid: { left: 48, right: 16, top: 8, bottom: 64 },
    xAxis: {
      type: 'category',
      data: Array.from({ length: 24 }, (_, h) => String(h)),
      splitArea: { show: false },
      ...axisStyle(theme),
      axisLabel: { ...axisStyle(theme).axisLabel, interval: 2 },
    },
    yAxis: { type: 'category', data: [...input.days], inverse: true, ...axisStyle(theme) },
    visualMap: {
      min: 0,
      max,
      calculable: false,
      orient: 'horizontal',
      left: 'center',
      bottom: 0,
      itemHeight: 160,
      itemWidth: 12,
      text: [`${capped ? '≥ ' : ''}${max} h`, '0'],
      textStyle: { color: theme.mutedText },
      inRange: { color: ['#1d3b2a', '#f1c40f', '#e74c3c'] },
    },
    series: [
      {
        type: 'heatmap',
        name: input.label,
        data: input.cells.map((c) => [...c]),
        label: { show: false },
        itemStyle: { borderColor: theme.splitLine, borderWidth: 0.5 },
        emphasis: { itemStyle: { borderColor: theme.text, borderWidth: 1 } },
      },
    ],
  };
}
