// Pure ECharts option builders of the wall screen (/wall): the China map with hubs
// and flows, and the trends view. Data in, option out; no DOM, no echarts runtime.
// Every size is multiplied by `scale` (1 at 1920×1080, 2 at 3840×2160) so the wall
// reads the same from 5 metres whatever the screen.

import type { ComposeOption } from 'echarts/core';
import type {
  BarSeriesOption,
  EffectScatterSeriesOption,
  LinesSeriesOption,
  ScatterSeriesOption,
} from 'echarts/charts';
import type {
  GeoComponentOption,
  GridComponentOption,
  LegendComponentOption,
  TooltipComponentOption,
} from 'echarts/components';
import type { MapHub, MapSnapshot, OnTimeCount, PerMinutePoint, Severity, Tier } from '../../contract';
import { SEVERITIES, TIERS } from '../../contract';
import { hubHealth, type HubHealth } from './health';
import { onTimePercent } from './trend';
import {
  CHINA_MAP_NAME,
  buildEventsPerMinuteOption,
  darkChartTheme,
  type EventsChartLabels,
  type EventsChartOption,
} from '../../charts/options';

export type WallMapOption = ComposeOption<
  GeoComponentOption | LinesSeriesOption | ScatterSeriesOption | EffectScatterSeriesOption
>;
export type WallBarOption = ComposeOption<
  BarSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption
>;

/** Wall palette: brighter than the desk theme, for a room with the lights on. */
export const wallPalette = {
  text: '#f2f6fa',
  mutedText: '#a9b6c4',
  land: '#10233a',
  landBorder: '#3b6e9e',
  flow: '#58a6ff',
  flowEffect: '#d6ecff',
  health: { ok: '#2ee07a', warn: '#ffbf3c', bad: '#ff4d4f' } satisfies Record<HubHealth, string>,
  severity: { critical: '#ff4d4f', warning: '#ffbf3c', info: '#58a6ff' } satisfies Record<Severity, string>,
  previous: '#4a5868',
  fontFamily: darkChartTheme.fontFamily,
} as const;

/** Size factor for a chart of this size: 1 at 1920×1080, 2 at 3840×2160, never below 0.6. */
export function wallScale(width: number, height: number): number {
  if (!(width > 0) || !(height > 0)) return 1;
  const s = Math.min(width / 1920, height / 1080);
  return Math.min(4, Math.max(0.6, s));
}

/** Most flows drawn at once; the rest (the thinnest) are left out to keep the map legible. */
export const MAX_FLOWS = 80;

/** Hub dot diameter in px at scale 1: area grows with volume, from MIN (idle) to MAX (busiest). */
export const HUB_SIZE = { min: 8, max: 36 } as const;

export function hubSymbolSize(volume: number, maxVolume: number, scale = 1): number {
  const share = maxVolume > 0 ? Math.sqrt(Math.max(0, volume) / maxVolume) : 0;
  return Math.round((HUB_SIZE.min + (HUB_SIZE.max - HUB_SIZE.min) * Math.min(1, share)) * scale * 10) / 10;
}

export interface DrawnFlow {
  from: string;
  to: string;
  parcels: number;
  coords: [[number, number], [number, number]];
  /** Line width in px (already scaled). */
  width: number;
}

/** Flow line width at scale 1: 1 px for the thinnest drawn flow up to 6 px for the heaviest. */
export const FLOW_WIDTH = { min: 1, max: 6 } as const;

/**
 * The flows to draw: between two known, distinct hubs, with parcels on the way, the
 * `max` heaviest (ties by from/to so the choice is stable), widths by sqrt(parcels).
 */
export function selectFlows(map: MapSnapshot, max = MAX_FLOWS, scale = 1): DrawnFlow[] {
  const where = new Map(map.hubs.map((h) => [h.code, [h.lon, h.lat] as [number, number]]));
  const usable = map.flows
    .filter((f) => f.parcels > 0 && f.from !== f.to && where.has(f.from) && where.has(f.to))
    .sort((a, b) => b.parcels - a.parcels || a.from.localeCompare(b.from) || a.to.localeCompare(b.to))
    .slice(0, Math.max(0, max));
  const heaviest = usable[0]?.parcels ?? 0;
  return usable.map((f) => {
    const share = heaviest > 0 ? Math.sqrt(f.parcels / heaviest) : 0;
    const width = (FLOW_WIDTH.min + (FLOW_WIDTH.max - FLOW_WIDTH.min) * share) * scale;
    return {
      from: f.from,
      to: f.to,
      parcels: f.parcels,
      coords: [where.get(f.from)!, where.get(f.to)!],
      width: Math.round(width * 10) / 10,
    };
  });
}

export interface WallMapOptions {
  scale?: number;
  /** Text next to a labelled hub (defaults to its city). Bad hubs are always labelled. */
  hubLabel?: (hub: MapHub) => string;
  maxFlows?: number;
  /**
   * Hubs labelled besides the unhealthy ones: transfer centres, then the busiest, up to
   * this many. Labels of all but the bad hubs give way when they overlap (bigger dot wins).
   */
  labelledHubs?: number;
}

interface HubPoint {
  name: string;
  value: [number, number, number];
  symbolSize: number;
  itemStyle: { color: string };
  label: { show: boolean; formatter: string };
  health: HubHealth;
}

function hubPoints(hubs: readonly MapHub[], o: Required<Omit<WallMapOptions, 'maxFlows'>>): HubPoint[] {
  const maxVolume = hubs.reduce((m, h) => Math.max(m, h.volume), 0);
  const rank = [...hubs].sort(
    (a, b) =>
      Number(b.kind === 'transfer_centre') - Number(a.kind === 'transfer_centre') ||
      b.volume - a.volume ||
      a.code.localeCompare(b.code),
  );
  const labelled = new Set(rank.slice(0, o.labelledHubs).map((h) => h.code));
  const health = new Map(hubs.map((h) => [h.code, hubHealth(h)]));
  const bad = hubs.filter((h) => health.get(h.code) === 'bad');
  // Bad hubs' labels always show; ECharts' overlap hiding only arbitrates among the
  // others, so a neighbour of a bad hub stays quiet rather than write over it.
  const nearBad = (hub: MapHub) =>
    bad.some((b) => b !== hub && Math.hypot(b.lon - hub.lon, b.lat - hub.lat) < NEAR_BAD_DEGREES);
  return hubs.map((hub) => {
    const h = health.get(hub.code) ?? 'ok';
    const show = h === 'bad' || ((h === 'warn' || labelled.has(hub.code)) && !nearBad(hub));
    return {
      name: hub.code,
      value: [hub.lon, hub.lat, hub.volume],
      symbolSize: hubSymbolSize(hub.volume, maxVolume, o.scale),
      itemStyle: { color: wallPalette.health[h] },
      label: { show, formatter: o.hubLabel(hub) },
      health: h,
    };
  });
}

/** Hubs closer than this (in degrees, ~100 km) to a bad hub leave the label space to it. */
export const NEAR_BAD_DEGREES = 1;

/**
 * The wall map: provinces of China, flows as animated lines (an arrow travels each
 * one), hubs as dots sized by their last-hour volume and coloured by `hubHealth`;
 * unhealthy (bad) hubs ripple. Nothing is interactive: a wall has no mouse.
 */
export function buildWallMapOption(map: MapSnapshot | null, options: WallMapOptions = {}): WallMapOption {
  const scale = options.scale ?? 1;
  const hubs = map?.hubs ?? [];
  const points = hubPoints(hubs, {
    scale,
    hubLabel: options.hubLabel ?? ((h) => h.city || h.code),
    labelledHubs: options.labelledHubs ?? 10,
  });
  const flows = map ? selectFlows(map, options.maxFlows ?? MAX_FLOWS, scale) : [];
  const strip = ({ health: _h, ...p }: HubPoint) => p;
  const label = {
    position: 'right' as const,
    distance: 6 * scale,
    color: wallPalette.text,
    fontSize: Math.round(18 * scale),
    fontWeight: 600 as const,
    fontFamily: wallPalette.fontFamily,
    textBorderColor: '#000',
    textBorderWidth: 3 * scale,
  };
  return {
    backgroundColor: 'transparent',
    animationDurationUpdate: 0,
    geo: {
      map: CHINA_MAP_NAME,
      roam: false,
      silent: true,
      layoutCenter: ['50%', '52%'],
      layoutSize: '118%',
      label: { show: false },
      itemStyle: { areaColor: wallPalette.land, borderColor: wallPalette.landBorder, borderWidth: 1.2 * scale },
      emphasis: { disabled: true },
    },
    series: [
      {
        id: 'flows',
        type: 'lines',
        coordinateSystem: 'geo',
        silent: true,
        data: flows.map((f) => ({ coords: f.coords, value: f.parcels, lineStyle: { width: f.width } })),
        lineStyle: { color: wallPalette.flow, opacity: 0.45, curveness: 0.2 },
        effect: {
          show: true,
          period: 6,
          trailLength: 0,
          symbol: 'arrow',
          symbolSize: 7 * scale,
          color: wallPalette.flowEffect,
        },
      },
      {
        id: 'hubs',
        type: 'scatter',
        coordinateSystem: 'geo',
        silent: true,
        data: points.filter((p) => p.health !== 'bad').map(strip),
        label,
        labelLayout: { hideOverlap: true },
        itemStyle: { borderColor: '#05090e', borderWidth: 1.5 * scale, opacity: 0.95 },
        z: 3,
      },
      {
        id: 'hubs-bad',
        type: 'effectScatter',
        coordinateSystem: 'geo',
        silent: true,
        data: points.filter((p) => p.health === 'bad').map(strip),
        label,
        showEffectOn: 'render',
        rippleEffect: { brushType: 'stroke', scale: 3, period: 3 },
        itemStyle: { borderColor: '#05090e', borderWidth: 1.5 * scale },
        z: 4,
      },
    ],
  };
}

interface AxisText {
  color: string;
  fontSize: number;
  fontFamily: string;
}

const axisText = (scale: number, color: string = wallPalette.mutedText): AxisText => ({
  color,
  fontSize: Math.round(20 * scale),
  fontFamily: wallPalette.fontFamily,
});

export interface WallEventsOptions {
  scale?: number;
  labels?: EventsChartLabels;
  formatValue?: (value: number) => string;
}

/** The desk "events per minute" chart, with the wall's sizes. */
export function buildWallEventsOption(
  points: readonly PerMinutePoint[],
  endAt: string,
  options: WallEventsOptions = {},
): EventsChartOption {
  const scale = options.scale ?? 1;
  const theme = {
    ...darkChartTheme,
    text: wallPalette.text,
    mutedText: wallPalette.mutedText,
    fontSize: Math.round(20 * scale),
  };
  const base = buildEventsPerMinuteOption(points, theme, {
    endAt,
    ...(options.labels ? { labels: options.labels } : {}),
    ...(options.formatValue ? { formatValue: options.formatValue } : {}),
  });
  const series = Array.isArray(base.series) ? base.series : [];
  return {
    ...base,
    tooltip: { show: false },
    grid: { left: 80 * scale, right: 32 * scale, top: 64 * scale, bottom: 48 * scale },
    legend: { ...base.legend, top: 8 * scale, itemWidth: 28 * scale, itemHeight: 16 * scale },
    series: series.map((s) =>
      s.type === 'line' ? { ...s, lineStyle: { ...s.lineStyle, width: 4 * scale } } : { ...s, barMaxWidth: 22 * scale },
    ),
  } as EventsChartOption;
}

export interface TierLabels {
  today: string;
  yesterday: string;
  tier: Record<Tier, string>;
}

const round1 = (v: number | null): number | null => (v === null ? null : Math.round(v * 10) / 10);

/**
 * On-time share today per tier as horizontal bars (0–100 %), with the same time
 * yesterday as a grey bar when known. Tiers without deliveries show no bar.
 */
export function buildOnTimeByTierOption(
  today: Record<Tier, OnTimeCount> | undefined,
  yesterday: Record<Tier, OnTimeCount> | undefined,
  labels: TierLabels,
  scale = 1,
): WallBarOption {
  const tiers = [...TIERS].reverse(); // express on top
  const series: BarSeriesOption[] = [];
  if (yesterday) {
    series.push({
      name: labels.yesterday,
      type: 'bar',
      data: tiers.map((t) => round1(onTimePercent(yesterday[t]))),
      itemStyle: { color: wallPalette.previous },
      barMaxWidth: 26 * scale,
    });
  }
  series.push({
    name: labels.today,
    type: 'bar',
    data: tiers.map((t) => round1(onTimePercent(today?.[t]))),
    itemStyle: { color: wallPalette.health.ok },
    barMaxWidth: 26 * scale,
    label: { show: true, position: 'right', formatter: '{c} %', ...axisText(scale, wallPalette.text), fontWeight: 700 },
  });
  return barFrame(scale, series, {
    yAxis: { type: 'category', data: tiers.map((t) => labels.tier[t]), axisLabel: axisText(scale, wallPalette.text) },
    xAxis: { type: 'value', min: 0, max: 100, axisLabel: { ...axisText(scale), formatter: '{value} %' } },
  });
}

export interface SeverityLabels {
  now: string;
  hourAgo: string;
  severity: Record<Severity, string>;
}

/** Open alerts by severity now (coloured by severity) and one hour ago (grey), as columns. */
export function buildAlertsBySeverityOption(
  now: Record<Severity, number> | undefined,
  hourAgo: Record<Severity, number> | undefined,
  labels: SeverityLabels,
  scale = 1,
): WallBarOption {
  const series: BarSeriesOption[] = [];
  if (hourAgo) {
    series.push({
      name: labels.hourAgo,
      type: 'bar',
      data: SEVERITIES.map((s) => hourAgo[s]),
      itemStyle: { color: wallPalette.previous },
      barMaxWidth: 48 * scale,
    });
  }
  series.push({
    name: labels.now,
    type: 'bar',
    data: SEVERITIES.map((s) => ({ value: now?.[s] ?? 0, itemStyle: { color: wallPalette.severity[s] } })),
    // Each column has its severity's colour; the legend swatch stays neutral.
    itemStyle: { color: wallPalette.text },
    barMaxWidth: 48 * scale,
    label: { show: true, position: 'top', ...axisText(scale, wallPalette.text), fontWeight: 700 },
  });
  return barFrame(scale, series, {
    xAxis: {
      type: 'category',
      data: SEVERITIES.map((s) => labels.severity[s]),
      axisLabel: axisText(scale, wallPalette.text),
    },
    yAxis: { type: 'value', minInterval: 1, axisLabel: axisText(scale) },
  });
}

function barFrame(
  scale: number,
  series: BarSeriesOption[],
  axes: Pick<WallBarOption, 'xAxis' | 'yAxis'>,
): WallBarOption {
  const split = { lineStyle: { color: '#1f2a36' } };
  const line = { lineStyle: { color: '#3a4654' } };
  return {
    backgroundColor: 'transparent',
    animation: false,
    textStyle: axisText(scale, wallPalette.text),
    grid: { left: 130 * scale, right: 90 * scale, top: 56 * scale, bottom: 40 * scale },
    legend: {
      top: 4 * scale,
      textStyle: axisText(scale, wallPalette.text),
      itemWidth: 28 * scale,
      itemHeight: 16 * scale,
      data: series.map((s) => String(s.name)),
    },
    xAxis: { ...axes.xAxis, axisLine: line, splitLine: split } as WallBarOption['xAxis'],
    yAxis: { ...axes.yAxis, axisLine: line, splitLine: split } as WallBarOption['yAxis'],
    series,
  };
}
