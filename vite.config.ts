import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * COOP/COEP make the page cross-origin isolated (SharedArrayBuffer, threaded tfjs-wasm);
 * the app also works without them (spec/tfjs-backends.md §6.2). CORP lets workers and wasm load under COEP.
 */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export default defineConfig({
  plugins: [react()],
  base: './',
  build: { target: 'es2022', outDir: 'dist', chunkSizeWarningLimit: 4096 },
  worker: { format: 'es' },
  // mujoco cannot be bundled (spec/mujoco-wasm.md §3.3): it is served from public/vendor and imported at runtime.
  optimizeDeps: { exclude: ['@mujoco/mujoco'] },
  server: { headers: isolationHeaders, port: 5173 },
  preview: { headers: isolationHeaders, port: 4173 },
});
