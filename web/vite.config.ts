// Web dashboard build. Run from the project root:
//   vite build --config web/vite.config.ts   → dist/web
//   vite --config web/vite.config.ts         → dev server, /api and /ws proxied to :8080
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';
import { chinaGeoPlugin } from './build/china-geo-plugin.ts';

const API_TARGET = 'http://127.0.0.1:8080';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [vue(), chinaGeoPlugin()],
  // vue-i18n's build flags: composition API only (no legacy API, no global <i18n-t> components),
  // no devtools hooks in production. The message compiler stays: catalogs are plain TS objects.
  define: {
    __VUE_I18N_FULL_INSTALL__: false,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    // The live page chunk carries ECharts (core + the few registered parts, tree-shaken):
    // ~560 kB minified. It is lazy-loaded, so the login page never downloads it.
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: {
      '/api': { target: API_TARGET, changeOrigin: false },
      '/ws': { target: API_TARGET, ws: true, changeOrigin: false },
    },
  },
});
