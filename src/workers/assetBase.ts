/**
 * URL of the app's root folder as seen from a worker, for runtime assets that Vite cannot bundle
 * (public/vendor: MuJoCo and the tfjs wasm binaries; spec/mujoco-wasm.md §3.3, spec/tfjs-backends.md §6.2).
 * With `base: './'` a built worker lives in `<app>/assets/`; the dev server serves the app at `/`.
 */
export function appBaseUrl(): string {
  const here = self.location.href;
  return import.meta.env.DEV ? new URL('/', here).href : new URL('../', here).href;
}

/** `<app>/vendor/<sub>/` with a trailing slash. */
export function vendorUrl(sub: string): string {
  return new URL(`vendor/${sub}/`, appBaseUrl()).href;
}
