/**
 * What a file is, from its bytes (never its name; spec/ecosystem.md §1g "detect the format by magic bytes"):
 * HDF5 `\x89HDF\r\n\x1a\n` (then the layout decides D4RL / robomimic / Minari), parquet `PAR1` at both ends,
 * zip `PK\x03\x04` (npz when it holds .npy entries, a PyTorch checkpoint when it holds data.pkl), safetensors
 * (8-byte little-endian header length, then `{`), TF.js model JSON, ONNX protobuf, pickle `\x80`.
 */
import { unzipSync } from 'fflate';
import { UserError } from '../../core/errors';
import { isZip } from '../npz';
import { isHdf5 } from './h5';
import { PARQUET_MAGIC } from './lerobot';
import { readAll, type ByteSource } from './source';

export type CheckpointContainer = 'safetensors' | 'pytorch-zip' | 'onnx' | 'tfjs-json';

export type Sniffed =
  | { kind: 'hdf5' }
  | { kind: 'parquet' }
  | { kind: 'npz'; entries: string[] }
  | { kind: 'normalization-npz'; entries: string[] }
  | { kind: 'checkpoint'; container: CheckpointContainer };

const ascii = (b: Uint8Array) => String.fromCharCode(...b);

/** HDF5 allows a user block of 512 · 2^k bytes before the superblock (HDF5 format spec §II.A). */
async function hdf5At(src: ByteSource, head: Uint8Array): Promise<boolean> {
  if (isHdf5(head)) return true;
  for (let off = 512; off <= 8192 && off + 8 <= src.size; off *= 2) {
    if (isHdf5(await src.read(off, off + 8))) return true;
  }
  return false;
}

/** Lists the entry names of a zip without inflating them. */
export function zipEntries(bytes: Uint8Array, name: string): string[] {
  const names: string[] = [];
  try {
    unzipSync(bytes, {
      filter: (f) => {
        names.push(f.name);
        return false;
      },
    });
  } catch (e) {
    throw new UserError(`${name} starts like a zip archive but its directory is damaged (${(e as Error).message}); re-save or re-download it.`);
  }
  return names;
}

/** Classifies a file by content; a UserError that says what the bytes look like when it is none of ours. */
export async function sniffFile(src: ByteSource): Promise<Sniffed> {
  if (src.size === 0) throw new UserError(`${src.name} is empty (0 bytes).`);
  const head = await src.read(0, Math.min(src.size, 512));
  if (await hdf5At(src, head)) return { kind: 'hdf5' };
  if (head.length >= 4 && PARQUET_MAGIC.every((b, i) => head[i] === b)) {
    const tail = await src.read(src.size - 4, src.size);
    if (src.size < 12 || !PARQUET_MAGIC.every((b, i) => tail[i] === b)) {
      throw new UserError(`${src.name} starts like a parquet file (PAR1) but does not end with PAR1: it is truncated; download it again.`);
    }
    return { kind: 'parquet' };
  }
  if (isZip(head)) {
    const entries = zipEntries(await readAll(src), src.name);
    if (entries.some((e) => e === 'data.pkl' || e.endsWith('/data.pkl'))) return { kind: 'checkpoint', container: 'pytorch-zip' };
    const keys = entries.filter((e) => e.endsWith('.npy')).map((e) => e.slice(0, -4));
    if (keys.includes('obs_min') && !keys.includes('states')) return { kind: 'normalization-npz', entries: keys };
    if (keys.length > 0) return { kind: 'npz', entries: keys };
    throw new UserError(`${src.name} is a zip archive holding ${entries.slice(0, 6).join(', ') || 'no entries'}${entries.length > 6 ? ', …' : ''}: neither an .npz dataset (.npy entries) nor a PyTorch checkpoint (data.pkl).`);
  }
  if (head.length >= 6 && head[0] === 0x93 && ascii(head.subarray(1, 6)) === 'NUMPY') {
    throw new UserError(`${src.name} is a single .npy array; datasets are .npz archives (np.savez) with states, actions and traj_lengths.`);
  }
  if (head.length >= 10) {
    const n = Number(new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true));
    if (n >= 2 && 8 + n <= src.size && head[8] === 0x7b) return { kind: 'checkpoint', container: 'safetensors' };
  }
  const text = ascii(head.subarray(0, 256)).trimStart();
  if (text.startsWith('{')) {
    if (/"(modelTopology|weightsManifest|format)"/.test(ascii(head))) return { kind: 'checkpoint', container: 'tfjs-json' };
    throw new UserError(`${src.name} is a JSON file, not a dataset; datasets are HDF5 (D4RL, robomimic, Minari), LeRobot parquet or DPPO .npz.`);
  }
  if (head.length >= 4 && head[0] === 0x08 && head[2] === 0x12) return { kind: 'checkpoint', container: 'onnx' };
  if (head[0] === 0x80 && head.length >= 2 && head[1] >= 2 && head[1] <= 5) {
    throw new UserError(`${src.name} is a Python pickle; raw pickles (D3IL demos, .pkl datasets) are not read — convert them with DPPO's process script to train.npz.`);
  }
  if (ascii(head.subarray(0, 6)) === 'ARROW1') {
    throw new UserError(`${src.name} is an Arrow IPC file (Minari's arrow backend); export the dataset with Minari's HDF5 backend (data_format="hdf5") instead.`);
  }
  const hex = [...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new UserError(
    `${src.name} is not a format we read (first bytes ${hex}): expected HDF5 (89 48 44 46, D4RL/robomimic/Minari), parquet (50 41 52 31, LeRobot), an .npz zip (50 4b 03 04, DPPO train.npz) or a checkpoint.`,
  );
}
