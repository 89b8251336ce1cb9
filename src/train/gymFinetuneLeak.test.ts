/**
 * Fine-tuning Hopper does not leak (issue 9, "Fine-tuning does not leak"): with the bundled pre-trained
 * checkpoints, `finetunePpo` — the loop `dppo finetune` and the train worker run — keeps
 * `tf.memory().numTensors` the same after every iteration from the second on, keeps the number of live
 * MuJoCo envs (`MjEnv.liveCount()`) the same at every iteration, and gives everything back when the run
 * and its result are disposed. Once with the envs in this thread (`--workers 0`) and once in the sim
 * worker pool (`--workers 2`, worker_threads): the pool's envs live in its threads, so in that leg this
 * thread holds no env at all and the pool's threads must be gone after the run.
 * Toy sizes (2 envs × 8 chunk steps, one small update epoch, K' = 2) so each run takes seconds.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveFinetuneConfig, type Algo } from '../config/finetune';
import { decodeCheckpoint } from '../policy/checkpoint';
import { initTf } from '../policy/tfSetup';
import { MjEnv } from '../sim/mjEnv';
import { createPooledVecEnv } from '../sim/pool';
import { resolveBuiltin, taskFamily } from '../sim/registry';
import type { VecEnv, VecEnvOptions } from '../sim/types';
import { finetunePpo } from './finetunePpo';

const PUBLIC = resolve(dirname(fileURLToPath(import.meta.url)), '../../public');
const ITERS = 4;
const N_ENVS = 2;

function checkpoint(ref: string) {
  return decodeCheckpoint(new Uint8Array(readFileSync(join(PUBLIC, resolveBuiltin(ref).path))));
}

interface Counts {
  tensors: number[];
  live: number[];
  /** Live envs while the run's VecEnv exists, before its first iteration. */
  liveAtStart: number;
}

/** Fine-tunes hopper for ITERS tiny iterations; `workers` as `dppo finetune --workers`. */
async function tinyRun(algo: Algo, ref: string, workers: number): Promise<Counts & { tensorsAfter: number; liveAfter: number; envs: VecEnv[] }> {
  const config = resolveFinetuneConfig(taskFamily('hopper').presets.laptop('hopper', algo, 0), {
    nEnvs: N_ENVS,
    nSteps: 8,
    nTrainItr: ITERS,
    batchSize: algo === 'dppo' ? 32 : 8,
    updateEpochs: 1,
    ftDenoisingSteps: 2,
    logprobBatchSize: 64,
    maxEpisodeSteps: 20,
  });
  const envs: VecEnv[] = [];
  const makeVecEnv = async (opts: VecEnvOptions) => {
    const v = await createPooledVecEnv(opts, { workers });
    envs.push(v);
    return v;
  };
  const counts: Counts = { tensors: [], live: [], liveAtStart: NaN };
  const result = await finetunePpo({
    config,
    checkpoint: checkpoint(ref),
    makeVecEnv,
    finalEval: false,
    sink: (ev) => {
      if (ev.type === 'start') counts.liveAtStart = MjEnv.liveCount();
      if (ev.type === 'iteration') {
        counts.tensors.push(tf.memory().numTensors);
        counts.live.push(MjEnv.liveCount());
      }
    },
  });
  expect(result.summary.iterations).toBe(ITERS);
  result.dispose();
  return { ...counts, tensorsAfter: tf.memory().numTensors, liveAfter: MjEnv.liveCount(), envs };
}

describe('hopper fine-tuning does not leak tensors or MuJoCo objects', () => {
  beforeAll(async () => {
    await initTf('wasm');
  });

  it.each([
    ['dppo', 'builtin:hopper/diffusion-mlp'],
    ['gaussian', 'builtin:hopper/gaussian-mlp'],
    ['gmm', 'builtin:hopper/gmm-mlp'],
  ] as const)('%s (%s), envs in this thread', async (algo, ref) => {
    const tensors0 = tf.memory().numTensors;
    const live0 = MjEnv.liveCount();
    const r = await tinyRun(algo, ref, 0);
    expect(r.tensors).toHaveLength(ITERS);
    // Iteration 0 may create what the later ones reuse (e.g. AdamW's moments); from iteration 1 on, nothing grows.
    expect(r.tensors.slice(1), 'numTensors after each iteration').toEqual(Array(ITERS - 1).fill(r.tensors[1]));
    expect(r.liveAtStart).toBe(live0 + N_ENVS);
    expect(r.live, 'live MuJoCo envs after each iteration').toEqual(Array(ITERS).fill(live0 + N_ENVS));
    expect(r.tensorsAfter, 'numTensors after dispose').toBe(tensors0);
    expect(r.liveAfter, 'live MuJoCo envs after dispose').toBe(live0);
  });

  it('dppo (builtin:hopper/diffusion-mlp), envs in the sim worker pool', async () => {
    const tensors0 = tf.memory().numTensors;
    const live0 = MjEnv.liveCount();
    const r = await tinyRun('dppo', 'builtin:hopper/diffusion-mlp', 2);
    expect(r.envs).toHaveLength(1);
    expect(r.envs[0].constructor.name).toBe('WorkerPoolVecEnv');
    expect(r.tensors.slice(1), 'numTensors after each iteration').toEqual(Array(ITERS - 1).fill(r.tensors[1]));
    // The pool's envs live in its threads: this thread creates none.
    expect([r.liveAtStart, ...r.live]).toEqual(Array(ITERS + 1).fill(live0));
    expect(r.tensorsAfter).toBe(tensors0);
    expect(r.liveAfter).toBe(live0);
    // The run disposed the pool: its threads are gone, so a later call is refused.
    await expect(r.envs[0].reset()).rejects.toThrow();
  });
});
