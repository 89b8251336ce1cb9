/**
 * GPU-sized work (issue 12): a task's preset may name values that change when the run trains on a real GPU
 * (WebGPU/WebGL on hardware, never a software adapter), each with the reason. They only replace values the
 * user left at the preset's default, and the changed values are returned so the run records them (its
 * config, and a line in its progress). Results stay comparable: the config the run used is the config saved.
 */
import type { FinetuneConfig } from './finetune';

/** Settings a GPU may enlarge: how much work one iteration batches, not what the algorithm does. */
export type GpuSizedKey = 'nEnvs' | 'batchSize' | 'logprobBatchSize';

export interface GpuOverrides {
  values: Partial<Pick<FinetuneConfig, GpuSizedKey>>;
  /** Why these values change on a GPU, in one sentence (shown with the run). */
  reason: string;
}

export interface GpuBackendInfo {
  name: 'webgpu' | 'webgl' | 'wasm' | 'cpu';
  /** A software adapter/renderer (SwiftShader, llvmpipe): not a GPU. */
  software: boolean;
}

export interface AppliedGpuOverrides {
  config: FinetuneConfig;
  /** What changed (empty when nothing applied). */
  changed: { key: GpuSizedKey; from: number; to: number }[];
  reason: string;
}

/** True when `backend` is real GPU hardware. */
export function isRealGpu(backend: GpuBackendInfo | null): boolean {
  return backend !== null && (backend.name === 'webgpu' || backend.name === 'webgl') && !backend.software;
}

/**
 * `config` with `overrides` applied when the backend is a real GPU, for every key the user left at the
 * preset's value (`preset`). Otherwise `config` unchanged.
 */
export function applyGpuOverrides(config: FinetuneConfig, preset: FinetuneConfig, overrides: GpuOverrides | null, backend: GpuBackendInfo | null): AppliedGpuOverrides {
  if (!overrides || !isRealGpu(backend)) return { config, changed: [], reason: '' };
  const out = { ...config };
  const changed: AppliedGpuOverrides['changed'] = [];
  for (const [k, to] of Object.entries(overrides.values) as [GpuSizedKey, number][]) {
    if (config[k] !== preset[k] || to === config[k]) continue;
    changed.push({ key: k, from: config[k], to });
    out[k] = to;
  }
  return { config: changed.length ? out : config, changed, reason: changed.length ? overrides.reason : '' };
}
