import { describe, expect, it } from 'vitest';
import { applyGpuOverrides } from '../../../config/gpuOverrides';
import { avoidGpuOverrides, avoidLaptopPreset } from './presets';

describe('GPU-sized presets', () => {
  const preset = avoidLaptopPreset('avoid-m2', 'dppo', 0);
  const over = avoidGpuOverrides('laptop', 'dppo');

  it('apply on a real GPU only, to values left at the preset, and say what changed and why', () => {
    const gpu = applyGpuOverrides(preset, preset, over, { name: 'webgpu', software: false });
    expect(gpu.config.nEnvs).toBe(50);
    expect(gpu.config.batchSize).toBe(6250);
    expect(gpu.changed).toEqual([{ key: 'nEnvs', from: 32, to: 50 }, { key: 'batchSize', from: 1600, to: 6250 }]);
    expect(gpu.reason).toMatch(/GPU/);
    // Everything else (the algorithm) is the preset's.
    expect({ ...gpu.config, nEnvs: preset.nEnvs, batchSize: preset.batchSize }).toEqual(preset);
  });

  it('never on a software adapter or a CPU backend; a user-typed value is kept', () => {
    for (const b of [{ name: 'webgpu', software: true }, { name: 'webgl', software: true }, { name: 'wasm', software: false }] as const) {
      const r = applyGpuOverrides(preset, preset, over, b);
      expect(r.config).toBe(preset);
      expect(r.changed).toEqual([]);
    }
    const mine = { ...preset, nEnvs: 8 };
    const r = applyGpuOverrides(mine, preset, over, { name: 'webgl', software: false });
    expect(r.config.nEnvs).toBe(8);
    expect(r.changed.map((c) => c.key)).toEqual(['batchSize']);
  });

  it('the reference preset already has the GPU sizes: no overrides', () => {
    expect(avoidGpuOverrides('reference', 'dppo')).toBeNull();
  });
});
