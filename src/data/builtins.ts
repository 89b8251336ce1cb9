/**
 * Bundled assets (public/): pre-trained checkpoints and demo datasets, named `builtin:<task>/<name>`
 * (design/architecture.md §4). Paths are relative to the app base (browser) or to public/ (Node).
 */
import { UserError } from '../core/errors';

export interface BuiltinAsset {
  id: string;
  task: string;
  name: string;
  /** Relative path under public/. */
  path: string;
  kind: 'checkpoint' | 'dataset' | 'normalization';
}

const AVOID = ['avoid-m1', 'avoid-m2', 'avoid-m3'] as const;
const POLICIES = ['diffusion-mlp', 'gaussian-mlp', 'gmm-mlp'] as const;

export const BUILTIN_CHECKPOINTS: BuiltinAsset[] = AVOID.flatMap((task) =>
  POLICIES.map((name) => ({
    id: `builtin:${task}/${name}`,
    task,
    name,
    path: `checkpoints/${task}/${name}.safetensors`,
    kind: 'checkpoint' as const,
  })),
);

export const BUILTIN_DATASETS: BuiltinAsset[] = AVOID.flatMap((task) => [
  { id: `builtin:${task}/train`, task, name: 'train', path: `datasets/${task}/train.npz`, kind: 'dataset' as const },
  { id: `builtin:${task}/normalization`, task, name: 'normalization', path: `datasets/${task}/normalization.npz`, kind: 'normalization' as const },
]);

export function isBuiltin(ref: string): boolean {
  return ref.startsWith('builtin:');
}

/** `builtin:avoid-m2/diffusion-mlp` → its asset record; throws a UserError listing valid names otherwise. */
export function resolveBuiltin(ref: string): BuiltinAsset {
  const all = [...BUILTIN_CHECKPOINTS, ...BUILTIN_DATASETS];
  const hit = all.find((a) => a.id === ref);
  if (!hit) {
    throw new UserError(`Unknown bundled asset "${ref}"; available: ${BUILTIN_CHECKPOINTS.map((a) => a.id).join(', ')}.`);
  }
  return hit;
}

/** Default pre-trained checkpoint for a task and algorithm. */
export function defaultCheckpointFor(task: string, algo: 'dppo' | 'gaussian' | 'gmm'): string {
  const name = algo === 'dppo' ? 'diffusion-mlp' : algo === 'gaussian' ? 'gaussian-mlp' : 'gmm-mlp';
  return `builtin:${task}/${name}`;
}
