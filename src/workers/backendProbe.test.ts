import { describe, expect, it } from 'vitest';
import { initTf, tf } from '../policy/tfSetup';
import { benchmark, selfCheck } from './backendProbe';

describe('backend self-check and micro-benchmark (Node)', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`passes the self-check on ${backend} and leaks no tensors`, async () => {
      await initTf(backend);
      const before = tf.memory().numTensors;
      const err = await selfCheck();
      expect(err).toBeLessThan(1e-5);
      const ms = await benchmark(backend === 'cpu' ? 50 : 200);
      expect(ms).toBeGreaterThan(0);
      expect(Number.isFinite(ms)).toBe(true);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
