// The ONLY place ECharts parts are registered. Import `VChart` from here (never from
// 'vue-echarts' directly) so registration always happens, exactly once, before use.
// Only the parts below end up in the bundle (echarts/core is tree-shakeable).

import { use } from 'echarts/core';
import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import VChart from 'vue-echarts';

use([LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);
// Track page route (hubs as points on a lon/lat grid).
use([ScatterChart]);

export { VChart };
