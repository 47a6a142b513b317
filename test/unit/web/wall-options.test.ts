import { describe, expect, it } from 'vitest';
import { init, registerMap, use } from 'echarts/core';
import { BarChart, EffectScatterChart, LineChart, LinesChart, ScatterChart } from 'echarts/charts';
import { GeoComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import { loadChinaGeoJson } from '../../../web/build/china-geo-plugin';
import {
  buildAlertsBySeverityOption,
  buildOnTimeByTierOption,
  buildWallEventsOption,
  buildWallMapOption,
  hubSymbolSize,
  HUB_SIZE,
  MAX_FLOWS,
  selectFlows,
  wallPalette,
  wallScale,
} from '../../../web/src/features/wall/chart-options';
import type { MapFlow, MapHub, MapSnapshot } from '../../../web/src/contract';

use([
  GeoComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  LinesChart,
  ScatterChart,
  EffectScatterChart,
  BarChart,
  LineChart,
  SVGRenderer,
]);
registerMap('china', loadChinaGeoJson() as unknown as Parameters<typeof registerMap>[1]);

const AT = '2025-03-03T06:30:00.000Z';
const ALERTS0 = { critical: 0, warning: 0, info: 0 };

function hub(code: string, lon: number, lat: number, over: Partial<MapHub> = {}): MapHub {
  return {
    code,
    name: `${code} 中心`,
    city: code.slice(0, 3),
    kind: 'sorting_centre',
    lat,
    lon,
    volume: 10,
    delivered: 0,
    onTime: 0,
    openAlerts: ALERTS0,
    ...over,
  };
}

const HUBS: MapHub[] = [
  hub('SHA-TC', 121.12, 31.15, { kind: 'transfer_centre', volume: 400, city: '上海' }),
  hub('BJS-TC', 116.51, 39.78, {
    kind: 'transfer_centre',
    volume: 100,
    city: '北京',
    openAlerts: { critical: 1, warning: 0, info: 0 },
  }),
  hub('CAN-TC', 113.3, 23.39, { kind: 'transfer_centre', volume: 0, city: '广州', delivered: 50, onTime: 46 }),
  hub('HGH-O1', 120.2, 30.2, { kind: 'outlet', volume: 25 }),
];

const map = (flows: MapFlow[] = [], hubs: MapHub[] = HUBS): MapSnapshot => ({ at: AT, hubs, flows });

type AnySeries = { id?: string; type?: string; data?: Array<Record<string, unknown>>; [k: string]: unknown };
const series = (option: { series?: unknown }, id: string): AnySeries => {
  const list = option.series as AnySeries[];
  const found = list.find((s) => s.id === id);
  if (!found) throw new Error(`no series ${id}`);
  return found;
};

describe('wall map sizes', () => {
  it('scales with the screen: 1 at 1920×1080, 2 at 3840×2160, never tiny', () => {
    expect(wallScale(1920, 1080)).toBe(1);
    expect(wallScale(3840, 2160)).toBe(2);
    expect(wallScale(3840, 1080)).toBe(1);
    expect(wallScale(320, 200)).toBe(0.6);
    expect(wallScale(0, 0)).toBe(1);
  });

  it('sizes hubs by the square root of their share of the busiest volume', () => {
    expect(hubSymbolSize(0, 400)).toBe(HUB_SIZE.min);
    expect(hubSymbolSize(400, 400)).toBe(HUB_SIZE.max);
    expect(hubSymbolSize(100, 400)).toBe(HUB_SIZE.min + (HUB_SIZE.max - HUB_SIZE.min) / 2);
    expect(hubSymbolSize(400, 400, 2)).toBe(HUB_SIZE.max * 2);
    expect(hubSymbolSize(5, 0)).toBe(HUB_SIZE.min);
  });
});

describe('selectFlows', () => {
  it('keeps flows between two known, distinct hubs with parcels, heaviest first and widest', () => {
    const flows = selectFlows(
      map([
        { from: 'SHA-TC', to: 'BJS-TC', parcels: 25 },
        { from: 'SHA-TC', to: 'CAN-TC', parcels: 100 },
        { from: 'SHA-TC', to: 'SHA-TC', parcels: 500 },
        { from: 'SHA-TC', to: 'XXX-TC', parcels: 500 },
        { from: 'BJS-TC', to: 'CAN-TC', parcels: 0 },
      ]),
    );
    expect(flows.map((f) => `${f.from}>${f.to}`)).toEqual(['SHA-TC>CAN-TC', 'SHA-TC>BJS-TC']);
    expect(flows[0]?.coords).toEqual([
      [121.12, 31.15],
      [113.3, 23.39],
    ]);
    expect(flows[0]?.width).toBe(6);
    expect(flows[1]?.width).toBe(3.5); // sqrt(25/100) = 0.5 of the way from 1 to 6
  });

  it('draws at most the top flows, so a busy network stays legible', () => {
    const hubs = Array.from({ length: 30 }, (_, i) => hub(`H${i}`, 100 + i, 30));
    const flows: MapFlow[] = [];
    for (let i = 0; i < 30; i += 1)
      for (let j = 0; j < 30; j += 1) if (i !== j) flows.push({ from: `H${i}`, to: `H${j}`, parcels: i * 30 + j + 1 });
    const drawn = selectFlows(map(flows, hubs));
    expect(drawn).toHaveLength(MAX_FLOWS);
    expect(drawn[0]?.parcels).toBe(29 * 30 + 28 + 1);
    expect(Math.min(...drawn.map((f) => f.parcels))).toBeGreaterThan(Math.max(...flows.map((f) => f.parcels)) - 90);
    expect(selectFlows(map(flows, hubs), 5, 2)[0]?.width).toBe(12);
  });
});

describe('buildWallMapOption', () => {
  const option = buildWallMapOption(map([{ from: 'SHA-TC', to: 'BJS-TC', parcels: 40 }]), {
    hubLabel: (h) => h.city,
    labelledHubs: 2,
  });

  it('draws the China map, not interactive', () => {
    expect(option.geo).toMatchObject({ map: 'china', roam: false, silent: true });
  });

  it('colours hubs by health and puts the bad ones in a rippling series', () => {
    const calm = series(option, 'hubs').data!;
    const bad = series(option, 'hubs-bad').data!;
    expect(series(option, 'hubs-bad').type).toBe('effectScatter');
    expect(bad.map((p) => p.name)).toEqual(['BJS-TC']);
    expect((bad[0]?.itemStyle as { color: string }).color).toBe(wallPalette.health.bad);
    const colour = (code: string) => (calm.find((p) => p.name === code)?.itemStyle as { color: string }).color;
    expect(colour('SHA-TC')).toBe(wallPalette.health.ok);
    expect(colour('CAN-TC')).toBe(wallPalette.health.warn); // 92 % on time
    expect(calm.find((p) => p.name === 'SHA-TC')?.value).toEqual([121.12, 31.15, 400]);
  });

  it('labels the unhealthy hubs and the first transfer centres by volume, not every outlet', () => {
    const all = [...series(option, 'hubs').data!, ...series(option, 'hubs-bad').data!];
    const shown = all
      .filter((p) => (p.label as { show: boolean }).show)
      .map((p) => (p.label as { formatter: string }).formatter);
    expect(shown.sort()).toEqual(['上海', '北京', '广州'].sort());
  });

  it('keeps the neighbours of a bad hub unlabelled so its label is never written over', () => {
    const o = buildWallMapOption(
      map(
        [],
        [
          hub('BJS-TC', 116.51, 39.78, { kind: 'transfer_centre', volume: 400 }),
          hub('BJS-O1', 116.44, 39.92, { kind: 'outlet', openAlerts: { critical: 1, warning: 0, info: 0 } }),
          hub('TSN-SC', 117.31, 39.09, { openAlerts: { critical: 0, warning: 1, info: 0 } }),
          hub('SHA-TC', 121.12, 31.15, { kind: 'transfer_centre' }),
        ],
      ),
    );
    const shown = [...series(o, 'hubs').data!, ...series(o, 'hubs-bad').data!]
      .filter((p) => (p.label as { show: boolean }).show)
      .map((p) => p.name)
      .sort();
    expect(shown).toEqual(['BJS-O1', 'SHA-TC', 'TSN-SC']);
  });

  it('animates flows with an effect and weights their width by parcels', () => {
    const flows = series(option, 'flows');
    expect(flows.type).toBe('lines');
    expect(flows.effect).toMatchObject({ show: true });
    expect(flows.data).toEqual([
      {
        coords: [
          [121.12, 31.15],
          [116.51, 39.78],
        ],
        value: 40,
        lineStyle: { width: 6 },
      },
    ]);
  });

  it('doubles every size at 4K', () => {
    const big = buildWallMapOption(map(), { scale: 2 });
    const small = buildWallMapOption(map());
    const size = (o: typeof big) => series(o, 'hubs').data!.find((p) => p.name === 'SHA-TC')?.symbolSize;
    expect(size(big)).toBe(2 * (size(small) as number));
    expect((series(big, 'hubs').label as { fontSize: number }).fontSize).toBe(36);
  });

  it('draws an empty map while no map snapshot has arrived', () => {
    const empty = buildWallMapOption(null);
    expect(series(empty, 'hubs').data).toEqual([]);
    expect(series(empty, 'flows').data).toEqual([]);
  });

  it('renders in ECharts: provinces, hubs and flows', () => {
    const chart = init(null, null, { renderer: 'svg', ssr: true, width: 1200, height: 900 });
    chart.setOption(buildWallMapOption(map([{ from: 'SHA-TC', to: 'BJS-TC', parcels: 40 }])));
    const svg = chart.renderToSVGString();
    expect((svg.match(/<path /g) ?? []).length).toBeGreaterThan(35);
    expect(svg).toContain(wallPalette.health.ok);
    expect(svg).toContain(wallPalette.health.bad);
    const [x, y] = chart.convertToPixel({ geoIndex: 0 }, [121.12, 31.15]) as number[];
    expect(x).toBeGreaterThan(600);
    expect(y).toBeGreaterThan(0);
    expect(y).toBeLessThan(900);
    chart.dispose();
  });
});

describe('trends view options', () => {
  const tierLabels = {
    today: '今日',
    yesterday: '昨日同期',
    tier: { express: '特快', standard: '标准', economy: '经济' },
  };
  const sevLabels = { now: '当前', hourAgo: '1 小时前', severity: { critical: '严重', warning: '警告', info: '提示' } };

  it('shows on-time per tier in percent, express on top, yesterday in grey', () => {
    const o = buildOnTimeByTierOption(
      {
        express: { delivered: 200, onTime: 196 },
        standard: { delivered: 30, onTime: 29 },
        economy: { delivered: 0, onTime: 0 },
      },
      {
        express: { delivered: 10, onTime: 10 },
        standard: { delivered: 10, onTime: 9 },
        economy: { delivered: 4, onTime: 3 },
      },
      tierLabels,
    );
    expect((o.yAxis as { data: string[] }).data).toEqual(['经济', '标准', '特快']);
    const s = o.series as Array<{ name: string; data: Array<number | null> }>;
    expect(s.map((x) => x.name)).toEqual(['昨日同期', '今日']);
    expect(s[1]?.data).toEqual([null, 96.7, 98]);
    expect(s[0]?.data).toEqual([75, 90, 100]);
    expect(buildOnTimeByTierOption(undefined, undefined, tierLabels).series).toHaveLength(1);
  });

  it('shows open alerts by severity now, coloured, against one hour ago', () => {
    const o = buildAlertsBySeverityOption(
      { critical: 2, warning: 5, info: 1 },
      { critical: 0, warning: 7, info: 1 },
      sevLabels,
      2,
    );
    const s = o.series as Array<{
      name: string;
      data: Array<number | { value: number; itemStyle: { color: string } }>;
    }>;
    expect(s[0]?.data).toEqual([0, 7, 1]);
    expect(s[1]?.data.map((d) => (typeof d === 'number' ? d : d.value))).toEqual([2, 5, 1]);
    expect(s[1]?.data[0]).toMatchObject({ itemStyle: { color: wallPalette.severity.critical } });
    expect((o.textStyle as { fontSize: number }).fontSize).toBe(40);
  });

  it('reuses the events-per-minute chart with wall sizes and renders the bar charts', () => {
    const points = [{ t: AT, total: 5, delivered: 2, exceptions: 1 }];
    const o = buildWallEventsOption(points, AT, { scale: 2 });
    const s = o.series as Array<{ type: string; data: unknown[]; lineStyle?: { width: number }; barMaxWidth?: number }>;
    expect(s.map((x) => x.type)).toEqual(['bar', 'line', 'line']);
    expect(s[0]?.data).toHaveLength(60);
    expect(s[0]?.barMaxWidth).toBe(44);
    expect(s[1]?.lineStyle?.width).toBe(8);
    for (const opt of [
      o,
      buildAlertsBySeverityOption(undefined, undefined, sevLabels),
      buildOnTimeByTierOption(undefined, undefined, tierLabels),
    ]) {
      const chart = init(null, null, { renderer: 'svg', ssr: true, width: 800, height: 400 });
      chart.setOption(opt);
      expect(chart.renderToSVGString()).toMatch(/<svg/);
      chart.dispose();
    }
  });
});
