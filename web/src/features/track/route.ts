// The parcel's route as an ECharts option: hubs as points on the map of China (the
// bundled provinces map, registered by charts/china-map) and the path between them as a
// polyline. Pure (type-only echarts imports): unit-tested in node.

import type { ComposeOption } from 'echarts/core';
import type { LinesSeriesOption, ScatterSeriesOption } from 'echarts/charts';
import type { GeoComponentOption, TooltipComponentOption } from 'echarts/components';
import { CHINA_MAP_NAME, darkChartTheme, type ChartTheme } from '../../charts/options';
import { timelineOldestFirst } from './timeline';
import type { TrajectoryStep } from './types';

export type RouteChartOption = ComposeOption<
  LinesSeriesOption | ScatterSeriesOption | GeoComponentOption | TooltipComponentOption
>;

/** The map window is at least this many degrees wide, so the provinces around the route show. */
export const ROUTE_MIN_SPAN_DEGREES = 4;

export interface RouteHub {
  /** Hub code, or "lon,lat" for a scan without a hub. */
  key: string;
  name: string;
  city: string | null;
  lon: number;
  lat: number;
  /** Order of the first visit, 1-based. */
  order: number;
  /** The parcel's latest position. */
  current: boolean;
}

export interface RouteModel {
  hubs: RouteHub[];
  /** [lon, lat] in travel order, without consecutive repeats. */
  path: [number, number][];
}

const isCoord = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Hubs (each once, in order of first visit) and the path, from the scans in any order. */
export function routeModel(steps: readonly TrajectoryStep[]): RouteModel {
  const hubs = new Map<string, RouteHub>();
  const path: [number, number][] = [];
  let lastKey: string | null = null;
  for (const s of timelineOldestFirst(steps)) {
    if (!isCoord(s.longitude) || !isCoord(s.latitude)) continue;
    const key = s.hub ?? `${s.longitude},${s.latitude}`;
    if (!hubs.has(key)) {
      hubs.set(key, {
        key,
        name: s.hubName ?? s.hub ?? key,
        city: s.city,
        lon: s.longitude,
        lat: s.latitude,
        order: hubs.size + 1,
        current: false,
      });
    }
    const prev = path[path.length - 1];
    if (!prev || prev[0] !== s.longitude || prev[1] !== s.latitude) path.push([s.longitude, s.latitude]);
    lastKey = key;
  }
  const last = lastKey === null ? undefined : hubs.get(lastKey);
  if (last) last.current = true;
  return { hubs: [...hubs.values()], path };
}

/** Axis bounds around the points with some margin (at least `minSpan` degrees wide). */
export function paddedExtent(values: readonly number[], minSpan = 1): { min: number; max: number } | null {
  if (values.length === 0) return null;
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const span = Math.max(hi - lo, minSpan);
  const mid = (lo + hi) / 2;
  lo = mid - span * 0.6;
  hi = mid + span * 0.6;
  // Whole degrees, so the axis ends on a tick.
  return { min: Math.floor(lo), max: Math.ceil(hi) };
}

/** The parcel's latest position (amber, like --warn). */
export const CURRENT_COLOR = '#f5a623';

/** Hubs closer than this (degrees, on both axes) would have their labels collide. */
export const NEAR_DEGREES = 0.5;

export type LabelPosition = 'left' | 'right' | 'top' | 'bottom';

/**
 * Where a hub's name goes: towards the middle of the grid (so the outermost names stay
 * inside it); hubs close to an earlier one (two hubs of the same city) alternate above
 * and below instead, so their names do not overlap.
 */
export function labelPosition(
  hubs: readonly RouteHub[],
  index: number,
  lon: { min: number; max: number } | null,
): LabelPosition {
  const h = hubs[index];
  if (!h) return 'right';
  const near = (o: RouteHub) =>
    o !== h && Math.abs(o.lon - h.lon) < NEAR_DEGREES && Math.abs(o.lat - h.lat) < NEAR_DEGREES;
  if (hubs.some(near)) {
    const earlierNear = hubs.slice(0, index).filter(near).length;
    return earlierNear % 2 === 0 ? 'top' : 'bottom';
  }
  return lon && h.lon > (lon.min + lon.max) / 2 ? 'left' : 'right';
}

export interface RouteChartLabels {
  path: string;
  hubs: string;
}

/**
 * Option for the route chart: the map of China zoomed to the route (at least
 * ROUTE_MIN_SPAN_DEGREES wide), a polyline for the path (in travel order) and a
 * scatter series for the hubs, the current one larger and in the accent colour.
 */
export function buildRouteOption(
  steps: readonly TrajectoryStep[],
  theme: ChartTheme = darkChartTheme,
  labels: RouteChartLabels = { path: 'Route', hubs: 'Hubs' },
): RouteChartOption {
  const { hubs, path } = routeModel(steps);
  const lon = paddedExtent(
    hubs.map((h) => h.lon),
    ROUTE_MIN_SPAN_DEGREES,
  );
  const lat = paddedExtent(
    hubs.map((h) => h.lat),
    ROUTE_MIN_SPAN_DEGREES,
  );
  const textStyle = { color: theme.text, fontFamily: theme.fontFamily, fontSize: theme.fontSize };

  return {
    backgroundColor: 'transparent',
    animation: false,
    textStyle,
    tooltip: {
      trigger: 'item',
      backgroundColor: theme.tooltipBackground,
      borderColor: theme.tooltipBorder,
      textStyle: { ...textStyle, color: theme.text },
    },
    geo: {
      map: CHINA_MAP_NAME,
      roam: true,
      ...(lon && lat
        ? {
            boundingCoords: [
              [lon.min, lat.max],
              [lon.max, lat.min],
            ],
          }
        : {}),
      label: { show: false },
      itemStyle: { areaColor: '#1b2a44', borderColor: '#3d5a85', borderWidth: 1 },
      emphasis: { disabled: true },
      silent: true,
    },
    series: [
      {
        name: labels.path,
        type: 'lines',
        coordinateSystem: 'geo',
        polyline: true,
        data: path.length > 1 ? [{ coords: path }] : [],
        silent: true,
        lineStyle: { width: 3, color: theme.colors.total, opacity: 0.9 },
        z: 1,
      },
      {
        name: labels.hubs,
        type: 'scatter',
        coordinateSystem: 'geo',
        data: hubs.map((h, i) => ({
          name: h.name,
          value: [h.lon, h.lat, h.order],
          symbolSize: h.current ? 18 : 11,
          itemStyle: {
            color: h.current ? CURRENT_COLOR : theme.colors.total,
            borderColor: theme.text,
            borderWidth: h.current ? 2 : 0,
          },
          label: {
            show: true,
            position: labelPosition(hubs, i, lon),
            color: theme.text,
            fontSize: 13,
            formatter: `${h.order}. ${h.name}`,
          },
        })),
        tooltip: {
          formatter: (p: unknown) => {
            const hub = hubs[(p as { dataIndex: number }).dataIndex];
            return hub ? `${hub.order}. ${hub.name}${hub.city ? ` (${hub.city})` : ''}` : '';
          },
        },
        labelLayout: { moveOverlap: 'shiftY' as const },
        z: 2,
      },
    ],
  };
}
