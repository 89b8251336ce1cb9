/** Node-side loading of checkpoints and datasets: file paths or `builtin:` names (served from public/). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../core/errors';
import { isBuiltin, resolveBuiltin } from '../sim/registry';
import { decodeCheckpoint, type Checkpoint } from '../policy/checkpoint';

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

export function loadCheckpointRef(ref: string): Checkpoint {
  return decodeCheckpoint(readAsset(ref));
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
