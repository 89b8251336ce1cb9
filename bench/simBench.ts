/**
 * Simulation throughput behind `dppo bench sim` (target: ≤ 0.5 ms per Avoid env step — 35 physics
 * sub-steps plus the Cartesian controller — on one core in Node). Drives a VectorEnv in chunks of 4
 * (DPPO act_steps) with random forward-biased raw actions, so episodes run to truncation and auto-reset
 * like a fine-tuning rollout. Returns plain JSON-able numbers.
 */
import { Rng } from '../src/core/rng';
import { MjEnv } from '../src/sim/mjEnv';
import { loadMujoco } from '../src/sim/mujoco';
import { getTask } from '../src/sim/registry';
import { N_SUBSTEPS } from '../src/sim/tasks/avoid/layout';
import { VectorEnv } from '../src/sim/vectorEnv';

export interface SimBenchOptions {
  task?: string;
  envs?: number;
  /** Measured wall time (after a 0.5 s warm-up). */
  seconds?: number;
}

export async function benchSim(opts: SimBenchOptions = {}): Promise<Record<string, number | string>> {
  const task = opts.task ?? 'avoid-m2';
  const nEnvs = opts.envs ?? 40;
  const seconds = opts.seconds ?? 3;
  const mj = await loadMujoco();
  const spec = getTask(task).spec;
  const Ta = 4;
  const Da = spec.actDim;
  const t0 = performance.now();
  const venv = new VectorEnv(mj, { taskId: task, nEnvs, actSteps: Ta, seed: 0 });
  const createMs = performance.now() - t0;
  try {
    const rng = new Rng(0);
    const actions = new Float32Array(nEnvs * Ta * Da);
    const refill = (): void => {
      for (let i = 0; i < actions.length; i += Da) {
        actions[i] = rng.range(-0.01, 0.01);
        actions[i + 1] = rng.range(-0.002, 0.012);
      }
    };
    venv.reset();
    const run = (budgetMs: number): { chunks: number; ms: number } => {
      const start = performance.now();
      let chunks = 0;
      while (performance.now() - start < budgetMs) {
        refill();
        venv.stepChunk(actions, Ta);
        chunks++;
      }
      return { chunks, ms: performance.now() - start };
    };
    run(500);
    const { chunks, ms } = run(seconds * 1000);
    const envSteps = chunks * nEnvs * Ta;
    const msPerEnvStep = ms / envSteps;

    // Physics alone, for the breakdown: 35 mj_step calls of one env with its joint targets held.
    const env = venv.env(0);
    if (!(env instanceof MjEnv)) throw new Error(`Task ${task} is not a MuJoCo env.`);
    const reps = 2000;
    const p0 = performance.now();
    for (let k = 0; k < reps; k++) mj.mj_step(env.model, env.data);
    const mjStepUs = ((performance.now() - p0) * 1000) / reps;

    const heapMb = ((env.data.qpos as Float64Array).buffer as ArrayBufferLike).byteLength / 2 ** 20;
    const substeps = task.startsWith('avoid') ? N_SUBSTEPS : 1;
    return {
      task,
      envs: nEnvs,
      seconds: ms / 1000,
      env_steps: envSteps,
      env_steps_per_s: envSteps / (ms / 1000),
      physics_steps_per_s: (envSteps * substeps) / (ms / 1000),
      ms_per_env_step: msPerEnvStep,
      ms_per_chunk_all_envs: ms / chunks,
      mj_step_us: mjStepUs,
      physics_share: (mjStepUs * substeps) / 1000 / msPerEnvStep,
      create_ms: createMs,
      wasm_heap_mb: heapMb,
      /** Rollout sim time of one laptop-preset iteration (40 envs × 25 chunks × 4 steps). */
      rollout_s_per_itr_estimate: (40 * 25 * 4 * msPerEnvStep) / 1000,
    };
  } finally {
    venv.dispose();
  }
}
