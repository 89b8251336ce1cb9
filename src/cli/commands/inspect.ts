/** `dppo inspect FILE`: what a dataset (.npz) or checkpoint (.safetensors) holds. */
import { readFileSync, existsSync } from 'node:fs';
import { UserError } from '../../core/errors';
import { isBuiltin } from '../../sim/registry';
import { isZip, readNpz } from '../../data/npz';
import { decodeCheckpoint } from '../../policy/checkpoint';
import type { Parsed } from '../args';
import { readAsset } from '../assets';
import type { Output } from '../output';

export async function cmdInspect(p: Parsed, out: Output): Promise<void> {
  const ref = p.positional[0];
  if (!ref) throw new UserError('inspect needs a file (a .npz dataset or a checkpoint)');
  if (!isBuiltin(ref) && !existsSync(ref)) throw new UserError(`File not found: ${ref}`);
  const bytes = isBuiltin(ref) ? readAsset(ref) : new Uint8Array(readFileSync(ref));
  if (isZip(bytes)) {
    const arrays = readNpz(bytes, ref);
    const entries = [...arrays.entries()].map(([name, a]) => ({ name, dtype: a.dtype, shape: a.shape }));
    const lengths = arrays.get('traj_lengths');
    out.summary({ file: ref, kind: 'npz', bytes: bytes.length, arrays: entries, episodes: lengths ? lengths.shape[0] : undefined });
    return;
  }
  const ckpt = decodeCheckpoint(bytes);
  let params = 0;
  const tensors = [...ckpt.weights.entries()].map(([name, w]) => {
    params += w.data.length;
    return { name, shape: w.shape };
  });
  out.summary({
    file: ref,
    kind: 'checkpoint',
    bytes: bytes.length,
    policy: ckpt.actorConfig.kind,
    actor_config: ckpt.actorConfig,
    critic: !!ckpt.criticConfig,
    parameters: params,
    tensors: tensors.length,
    keys: tensors.slice(0, 40),
    normalization: ckpt.normalization,
    provenance: ckpt.provenance,
  });
}
