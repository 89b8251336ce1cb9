/**
 * Loads the official MuJoCo WASM module (`@mujoco/mujoco`) once per thread, in Node (CLI, tests) and in module Web Workers.
 * Vite cannot bundle the package (spec/mujoco-wasm.md §3.3), so the browser imports the copy served from
 * `vendor/mujoco/` (copied by scripts/postinstall.mjs). The engine version is asserted at start-up.
 */
import type { MainModule } from '@mujoco/mujoco';

export type Mujoco = MainModule;

/**
 * MuJoCo engine version inside the pinned npm package `@mujoco/mujoco` (Google DeepMind's canonical WASM
 * bindings, google-deepmind/mujoco `wasm/`); their npm version follows the engine release.
 */
export const EXPECTED_MUJOCO_VERSION = '3.14.0';

let loading: Promise<Mujoco> | null = null;

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof (globalThis as { importScripts?: unknown }).importScripts !== 'function';

/** Base URL of the served vendor folder in the browser (overridable for workers). */
let vendorBase: string | null = null;
export function setMujocoVendorBase(url: string): void {
  vendorBase = url.endsWith('/') ? url : url + '/';
}

async function importFactory(): Promise<(opts?: unknown) => Promise<Mujoco>> {
  if (isNode) {
    // A variable specifier keeps Vite from bundling the package (it is served from public/vendor instead).
    const pkg = '@mujoco/mujoco';
    const mod = await import(/* @vite-ignore */ pkg);
    return mod.default as (opts?: unknown) => Promise<Mujoco>;
  }
  const base = vendorBase ?? new URL('vendor/mujoco/', (globalThis as { location?: { href: string } }).location?.href ?? '').href;
  const url = new URL('mujoco.js', base).href; // computed at run time so Rollup leaves it alone
  const mod = await import(/* @vite-ignore */ url);
  return mod.default as (opts?: unknown) => Promise<Mujoco>;
}

/** The MuJoCo module for this thread (loaded on first call). Throws a clear error on a version mismatch. */
export function loadMujoco(): Promise<Mujoco> {
  if (!loading) {
    loading = (async () => {
      const factory = await importFactory();
      const mj = await factory();
      const version = mj.mj_versionString();
      if (version !== EXPECTED_MUJOCO_VERSION) {
        throw new Error(`MuJoCo engine ${version} found, ${EXPECTED_MUJOCO_VERSION} expected: reinstall with "npm ci" (@mujoco/mujoco@3.14.0 is pinned).`);
      }
      return mj;
    })();
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}
