import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The viewer SPA (cloud/web) → static assets in cloud/web/dist, served by the cloud's web plugin.
 * Tests build into a temp directory by overriding `build.outDir`.
 */
export default defineConfig({
  root: path.join(here, 'cloud', 'web'),
  // Absolute asset URLs: client routes such as /events/<id> load the same index.html.
  base: '/',
  plugins: [react()],
  build: {
    outDir: path.join(here, 'cloud', 'web', 'dist'),
    emptyOutDir: true,
    // The cloud serves the app to recent desktop browsers on control-room machines.
    target: 'es2022',
    sourcemap: true,
    // echarts and mpegts.js are loaded on demand (health page, live tiles) and are big on their own.
    chunkSizeWarningLimit: 1200,
  },
  server: {
    // `npx vite` for UI work against a running cloud on :8080.
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/socket.io': { target: 'ws://127.0.0.1:8080', ws: true },
    },
  },
});
