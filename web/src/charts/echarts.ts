// The ONLY place ECharts parts are registered. Import `VChart` from here (never from
// 'vue-echarts' directly) so registration always happens, exactly once, before use.
// Only the parts below end up in the bundle (echarts/core is tree-shakeable).

import { use } from 'echarts/core';
import { BarChart, EffectScatterChart, HeatmapChart, LineChart, LinesChart, ScatterChart } from 'echarts/charts';
import { GeoComponent, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { LabelLayout } from 'echarts/features';
import VChart from 'vue-echarts';

use([LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);
// Track page route (hubs as points on a lon/lat grid).
use([ScatterChart]);
// Wall screen map: provinces (geo), flows (lines), hubs (scatter, effectScatter), hub labels
// that hide when they overlap (LabelLayout).
use([GeoComponent, LinesChart, EffectScatterChart, LabelLayout]);
// SLA page: hub dwell p90 by hour of the week.
use([HeatmapChart, VisualMapComponent]);

export { VChart };
