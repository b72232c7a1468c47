import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// The renderer is served from dist/renderer by the web host and loaded from file:// by Electron, so every
// asset URL is relative (base './') and index.html has no inline script (the page's CSP forbids it).
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [vue()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // ECharts alone is about 600 kB minified; one chunk is fine for a local desktop app.
    chunkSizeWarningLimit: 2000,
    modulePreload: { polyfill: false },
  },
});
