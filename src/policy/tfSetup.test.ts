import { describe, expect, it } from 'vitest';
import { UserError } from '../core/errors';
import { initTf, tf } from './tfSetup';

describe('--backend webgpu in Node (Dawn bindings from the optional webgpu package)', () => {
  it('without a real GPU adapter: a UserError naming what is missing, and the active backend is kept', async () => {
    await initTf('wasm');
    let err: unknown = null;
    try {
      await initTf('webgpu');
    } catch (e) {
      err = e;
    }
    // This machine kind has no GPU and no Vulkan loader; a box with a real adapter would start webgpu instead.
    if (err === null) {
      expect(tf.getBackend()).toBe('webgpu');
      return;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/Vulkan is missing|no GPU driver offers one|only a software one|software one|"webgpu" package/);
    expect((err as Error).message).toMatch(/--backend wasm/);
    expect(tf.getBackend()).toBe('wasm');
  });
});
