// Pure ECharts option builders of the SLA page (data in, option out; node-tested).
// Parts used (line, bar, grid, tooltip, legend) are registered in ./echarts.ts.

import type { ComposeOption } from 'echarts/core';
import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components';
import { darkChartTheme, type ChartTheme } from './options';

export type SlaChartOption = ComposeOption<BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption>;

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
    tooltip: { trigger: 'axis', backgroundColor: theme.tooltipBackground, borderColor: theme.tooltipBorder, textStyle: { color: theme.text } },
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
    yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%', color: theme.mutedText }, splitLine: axisStyle(theme).splitLine },
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
      { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%', color: theme.mutedText }, splitLine: { show: false } },
    ],
    series: [
      { type: 'bar', name: input.labels.parcels, color: theme.colors.exceptions, barMaxWidth: 72, data: input.causes.map((c) => c.parcels), label: { show: true, position: 'top', color: theme.text } },
      { type: 'line', name: input.labels.cumulative, yAxisIndex: 1, color: theme.colors.total, symbolSize: 8, data: input.causes.map((c) => c.cumulative) },
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
    yAxis: { type: 'value', axisLabel: { formatter: '{value} h', color: theme.mutedText }, splitLine: axisStyle(theme).splitLine },
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
      { type: 'bar', name: input.labels.count, id: 'count', yAxisIndex: 1, color: theme.colors.total, itemStyle: { opacity: 0.5 }, barMaxWidth: 24, data: input.days.map((d) => at.get(d)?.count ?? 0) },
      { type: 'line', name: input.labels.average, id: 'average', connectNulls: false, symbolSize: 8, color: '#f1c40f', data: input.days.map((d) => at.get(d)?.average ?? null) },
    ],
  };
}
