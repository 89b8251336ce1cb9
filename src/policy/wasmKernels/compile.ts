/**
 * WAT → wasm bytes with wabt (a devDependency: used by scripts/build-kernels.ts and the drift test only,
 * never at run time).
 */
import { KERNEL_VARIANTS, kernelsWat, variantName } from './wat';

export async function compileKernelVariants(): Promise<Record<string, Uint8Array>> {
  const wabt = await (await import('wabt')).default();
  const out: Record<string, Uint8Array> = {};
  for (const v of KERNEL_VARIANTS) {
    const mod = wabt.parseWat(`${variantName(v)}.wat`, kernelsWat(v), { simd: true, relaxed_simd: true, threads: true });
    try {
      // No mod.validate(): wabt 1.0.39's JS validator rejects shared memories even with `threads` on.
      // The bytes are validated by the engine that loads them (and by kernels.test.ts).
      out[variantName(v)] = new Uint8Array(mod.toBinary({}).buffer);
    } finally {
      mod.destroy();
    }
  }
  return out;
}
