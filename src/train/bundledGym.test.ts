/**
 * The Gym family's bundled files (found through the registry) (docs/datasets-gym.md): every registered dataset and checkpoint exists
 * under public/, fits its task and holds what a user of `builtin:<task>/…` expects.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDppoNpz } from '../data/dppoNpz';
import { decodeCheckpoint } from '../policy/checkpoint';
import { Normalizer } from '../policy/normalizer';
import { actorConfigFor, taskFamily, taskSpec } from '../sim/registry';

const PUBLIC = resolve(dirname(fileURLToPath(import.meta.url)), '../../public');
const bytes = (path: string) => new Uint8Array(readFileSync(join(PUBLIC, path)));
const gymFamily = taskFamily('hopper');
/**
 * Mean episode return a "medium" dataset must have: about a third to a half of expert return (aimed at
 * ≈ 1,500 for Hopper, 1,500–3,000 for Walker2d, 3,000–5,000 for HalfCheetah; docs/datasets-gym.md).
 */
const MEDIUM_RETURN: Record<string, [number, number]> = { hopper: [1000, 3500], walker2d: [1500, 3000], halfcheetah: [3000, 5000] };

describe('bundled Gym datasets and checkpoints', () => {
  it('has Hopper medium data', () => {
    expect(gymFamily.datasets.map((d) => d.id)).toContain('builtin:hopper/train');
  });

  it.each(gymFamily.datasets.filter((d) => d.kind === 'dataset').map((d) => [d.id, d] as const))('%s: DPPO npz of its task, normalised to [−1, 1], medium-level returns', (_id, asset) => {
    const def = taskSpec(asset.task);
    const normPath = join(dirname(asset.path), 'normalization.npz');
    expect(existsSync(join(PUBLIC, asset.path))).toBe(true);
    const ds = loadDppoNpz(bytes(asset.path), bytes(normPath));
    expect([ds.obsDim, ds.actDim]).toEqual([def.obsDim, def.actDim]);
    const T = ds.obs.length / ds.obsDim;
    expect(T).toBeGreaterThan(10_000);
    // "A few MB in all": one task's files stay small.
    expect(readFileSync(join(PUBLIC, asset.path)).length).toBeLessThan(3_000_000);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of ds.obs) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBeGreaterThanOrEqual(-1 - 1e-5);
    expect(hi).toBeLessThanOrEqual(1 + 1e-5);
    // Raw actions lie in the env's bounds [−1, 1].
    const raw = new Normalizer(ds.normalization!).unnormalizeAction(ds.act);
    let maxAbs = 0;
    for (const a of raw) maxAbs = Math.max(maxAbs, Math.abs(a));
    expect(maxAbs).toBeLessThanOrEqual(1 + 1e-5);
    // Medium returns: well above a policy that falls at once (≈ 13) or stands still, and below expert.
    const rets: number[] = [];
    let start = 0;
    for (const len of ds.episodeLengths) {
      let r = 0;
      for (let t = start; t < start + len; t++) r += ds.rew![t];
      rets.push(r);
      start += len;
    }
    const mean = rets.reduce((a, b) => a + b, 0) / rets.length;
    const [lo2, hi2] = MEDIUM_RETURN[asset.task];
    expect(mean).toBeGreaterThan(lo2);
    expect(mean).toBeLessThan(hi2);
  });

  it.each(gymFamily.checkpoints.map((c) => [c.id, c] as const))('%s: the Gym network of its task with normalisation', (_id, asset) => {
    const ckpt = decodeCheckpoint(bytes(asset.path));
    expect(ckpt.actorConfig).toEqual(actorConfigFor(asset.task, asset.name));
    expect(ckpt.normalization.obsMin.length).toBe(taskSpec(asset.task).obsDim);
  });
});
