/** Node-side loading of checkpoints and datasets: file paths or `builtin:` names (served from public/). */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../core/errors';
import { isBuiltin, resolveBuiltin } from '../sim/registry';
import { decodeCheckpoint, type Checkpoint } from '../policy/checkpoint';
import { isZip } from '../data/npz';

export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PUBLIC_DIR = join(PACKAGE_ROOT, 'public');

/** Version of the installed `@mujoco/mujoco` package (read from its package.json, not assumed). */
export const MUJOCO_PACKAGE_VERSION: string = (() => {
  try {
    const path = join(PACKAGE_ROOT, 'node_modules', '@mujoco', 'mujoco', 'package.json');
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();

/** Reads a file or a bundled asset's bytes; clear error when missing. */
export function readAsset(ref: string): Uint8Array {
  const path = isBuiltin(ref) ? join(PUBLIC_DIR, resolveBuiltin(ref).path) : ref;
  if (!existsSync(path)) {
    throw new UserError(isBuiltin(ref) ? `Bundled asset ${ref} is missing at ${path}; run the commands in docs/checkpoints.md to rebuild it.` : `File not found: ${ref}`);
  }
  return new Uint8Array(readFileSync(path));
}

/** Kinds of input file the CLI reads, told apart by their first bytes (not by their names). */
export type InputKind = 'checkpoint' | 'npz' | 'npy';

const KIND_NAMES: Record<InputKind, string> = {
  checkpoint: 'a checkpoint (.safetensors)',
  npz: 'an npz archive (a dataset)',
  npy: 'a .npy array',
};

/** What the bytes look like: a safetensors checkpoint (8-byte header length, then a JSON object), a zip (npz), a .npy. */
export function sniffKind(bytes: Uint8Array): InputKind | null {
  if (isZip(bytes)) return 'npz';
  if (bytes.length >= 6 && bytes[0] === 0x93 && String.fromCharCode(...bytes.subarray(1, 6)) === 'NUMPY') return 'npy';
  if (bytes.length >= 10) {
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
    if (n >= 2 && 8 + n <= bytes.length && bytes[8] === 0x7b /* { */) return 'checkpoint';
  }
  return null;
}

/**
 * Reads a file named by a user-facing option (`--ckpt`, `--data`, `--actions`, or a positional FILE), with
 * a message naming that option when the path is missing, a directory, empty, or a file of another kind.
 * `kind` null accepts any kind (the caller tells them apart with `sniffKind`).
 */
export function readInputFile(path: string, option: string, kind: InputKind | null): Uint8Array {
  const want = kind ? KIND_NAMES[kind] : 'a file';
  if (!existsSync(path)) throw new UserError(`${option} ${path} does not exist; it should be ${want}.`);
  if (statSync(path).isDirectory()) throw new UserError(`${option} ${path} is a directory, not ${want}.`);
  const bytes = new Uint8Array(readFileSync(path));
  if (bytes.length === 0) throw new UserError(`${option} ${path} is empty (0 bytes)${kind ? `, not ${want}` : ''}.`);
  if (kind) {
    const found = sniffKind(bytes);
    if (found !== kind) {
      const hint = kind === 'checkpoint' ? ' Checkpoints are written by `dppo pretrain`/`dppo finetune --out` or saved from the Policies page; bundled ones are builtin:<task>/<policy>.' : '';
      throw new UserError(found ? `${option} ${path} is ${KIND_NAMES[found]}, not ${want}.${hint}` : `${option} ${path} is not ${want}: its first bytes are not those of one.${hint}`);
    }
  }
  return bytes;
}

/**
 * An output path given by a user-facing option (`--out`): refused before any work when it is a directory or
 * its folder is a file.
 */
export function checkOutputPath(path: string, option: string): void {
  if (path.trim() === '') throw new UserError(`${option} needs a file name.`);
  if (existsSync(path) && statSync(path).isDirectory()) throw new UserError(`${option} ${path} is a directory; give a file name inside it, e.g. ${join(path, 'out.safetensors')}.`);
  const dir = dirname(path);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UserError(`${option} ${path}: ${dir} is a file, not a folder.`);
}

/** A checkpoint from a `builtin:` name or a file (named by `option` in messages). */
export function loadCheckpointRef(ref: string, option = '--ckpt'): Checkpoint {
  const bytes = isBuiltin(ref) ? readAsset(ref) : readInputFile(ref, option, 'checkpoint');
  try {
    return decodeCheckpoint(bytes);
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`${option} ${ref}: ${err.message}`);
    throw err;
  }
}

/**
 * The task a checkpoint was made for, when `--task` is omitted: a bundled checkpoint's task, else the
 * task recorded in the checkpoint's provenance (`dppo pretrain` and `dppo finetune` write it).
 */
export function taskOfCheckpoint(ref: string, checkpoint: Checkpoint): string {
  if (isBuiltin(ref)) return resolveBuiltin(ref).task;
  const prov = checkpoint.provenance as { task?: unknown; config?: { task?: unknown } };
  const task = typeof prov.task === 'string' ? prov.task : typeof prov.config?.task === 'string' ? prov.config.task : null;
  if (!task) throw new UserError(`${ref} does not say which task it was trained on: pass --task.`);
  return task;
}
