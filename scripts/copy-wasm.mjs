// Copies runtime WASM assets that Vite cannot bundle into public/vendor (spec/mujoco-wasm.md §3.3,
// spec/tfjs-backends.md §6.2). Runs on every install; idempotent.
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nm = join(root, 'node_modules');
const out = join(root, 'public', 'vendor');

const copies = [
  ['mujoco/mujoco.js', 'mujoco/mujoco.js'],
  ['mujoco/mujoco.wasm', 'mujoco/mujoco.wasm'],
  ['@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm', 'tfjs/tfjs-backend-wasm.wasm'],
  ['@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm', 'tfjs/tfjs-backend-wasm-simd.wasm'],
  ['@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm', 'tfjs/tfjs-backend-wasm-threaded-simd.wasm'],
];
let n = 0;
for (const [from, to] of copies) {
  const src = join(nm, from);
  if (!existsSync(src)) {
    console.warn(`copy-wasm: missing ${from} (skipped)`);
    continue;
  }
  const dst = join(out, to);
  mkdirSync(dirname(dst), { recursive: true });
  cpSync(src, dst);
  n++;
}
console.log(`copy-wasm: ${n} runtime assets in public/vendor`);
