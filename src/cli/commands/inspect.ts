/** `dppo inspect FILE`: what a dataset (.npz) or checkpoint (.safetensors) holds. */
import { UserError } from '../../core/errors';
import { isBuiltin } from '../../sim/registry';
import { readNpz } from '../../data/npz';
import { decodeCheckpoint } from '../../policy/checkpoint';
import type { CommandSpec, Parsed } from '../args';
import { readAsset, readInputFile, sniffKind } from '../assets';
import type { Output } from '../output';

export const inspectSpec: CommandSpec = { positionals: ['FILE'], options: {} };

export async function cmdInspect(p: Parsed, out: Output): Promise<void> {
  const ref = p.positional[0];
  if (!ref) throw new UserError('inspect needs a file (a .npz dataset or a checkpoint)');
  const bytes = isBuiltin(ref) ? readAsset(ref) : readInputFile(ref, 'inspect', null);
  const kind = sniffKind(bytes);
  if (kind === null || kind === 'npy') {
    throw new UserError(`inspect: ${ref} is ${kind === 'npy' ? 'a .npy array' : 'neither an npz dataset nor a checkpoint (its first bytes are those of neither)'}; inspect reads .npz datasets and .safetensors checkpoints.`);
  }
  if (kind === 'npz') {
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
