// Runs on every install; idempotent.
// 1. Copies runtime WASM assets that Vite cannot bundle into public/vendor (spec/mujoco-wasm.md §3.3,
//    spec/tfjs-backends.md §6.2).
// 2. Links the package's own `dppo` bin into node_modules/.bin so `npx dppo …` runs this checkout's CLI
//    (npm links bins of dependencies only, not of the root package).
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nm = join(root, 'node_modules');
const out = join(root, 'public', 'vendor');

const copies = [
  ['@mujoco/mujoco/mujoco.js', 'mujoco/mujoco.js'],
  ['@mujoco/mujoco/mujoco.wasm', 'mujoco/mujoco.wasm'],
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

const binDir = join(nm, '.bin');
if (existsSync(nm)) {
  mkdirSync(binDir, { recursive: true });
  const link = join(binDir, 'dppo');
  rmSync(link, { force: true });
  symlinkSync(join('..', '..', 'bin', 'dppo.mjs'), link);
  console.log('postinstall: linked node_modules/.bin/dppo');
}
