/**
 * Simulation throughput behind `dppo bench sim`: the sim worker pool (src/sim/pool/) against native MuJoCo.
 *
 * WASM side: a `VecEnv` of `envs` envs of the task over `workers` worker threads (`--workers 0`: the
 * in-process VectorEnv), driven like a fine-tuning rollout: chunks of actSteps random actions, uniform in
 * the spec's action bounds, drawn on this thread; the env applies its frame skip, and the VecEnv resets envs
 * that terminate or reach the horizon. Native side: bench/native_sim.py with the same MJCF and driver
 * (bench/nativeSim.ts), for the tasks it supports (Gym).
 *
 * This VM's speed drifts (up to 2× between minutes), so the configurations are measured in alternating
 * blocks (pool N, native, and for N > 1 also a 1-worker pool and min(N, cores) native processes at once).
 * Throughputs are medians over blocks; ratios are medians of the per-block ratios of neighbouring blocks.
 *
 * What the ratio means: `ratio_vs_native` = pool env steps/s ÷ native env steps/s at the SAME parallelism —
 * one worker against one native process for N = 1 (the per-core figure), N workers against
 * min(N, cores) native processes running at once for N > 1 (so the hardware's own scaling cancels out).
 * `speedup_vs_1_worker` = pool N ÷ pool 1, measured in the same run.
 */
import { Rng } from '../src/core/rng';
import { EXPECTED_MUJOCO_VERSION } from '../src/sim/mujoco';
import { createPooledVecEnv, logicalCores, WorkerPoolVecEnv } from '../src/sim/pool';
import { defaultTaskId, getTask, taskFamily } from '../src/sim/registry';
import type { VecEnv, VecEnvOptions } from '../src/sim/types';
import { NativeSim } from './nativeSim';

export interface SimBenchOptions {
  task?: string;
  /** Worker threads of the pool (0: in-process). */
  workers?: number;
  envs?: number;
  /** Measured seconds per configuration (split into blocks of `blockSeconds`). */
  seconds?: number;
  blockSeconds?: number;
  /** Measure the native reference (default true). */
  native?: boolean;
  /** Python interpreter for the native side (default: the project's .venv). */
  python?: string;
  seed?: number;
  /**
   * Also measure bridge-hosted envs (src/bridge/, `dppo bench sim --bridge URL`): the same driver over a
   * WebSocket, in the same alternating blocks, so `bridge_env_steps_per_s` sits beside the pool's figure.
   */
  bridge?: { make: (opts: VecEnvOptions) => Promise<VecEnv>; describe: () => Json };
}

type Json = Record<string, unknown>;

/** Steps a VecEnv for about `ms` with fresh random chunks; env steps per second (whole chunks). */
async function runPool(venv: VecEnv, rng: Rng, ms: number): Promise<number> {
  const { actDim: Da, actLow, actHigh } = venv.spec;
  const Ta = venv.actSteps;
  const actions = new Float32Array(venv.nEnvs * Ta * Da);
  const t0 = performance.now();
  let chunks = 0;
  let now = t0;
  while (now - t0 < ms) {
    for (let i = 0; i < actions.length; i++) {
      const d = i % Da;
      actions[i] = actLow[d] + (actHigh[d] - actLow[d]) * rng.uniform();
    }
    await venv.stepChunk(actions, Ta);
    chunks++;
    now = performance.now();
  }
  return (chunks * venv.nEnvs * Ta) / ((now - t0) / 1000);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round = (x: number, digits = 0): number => Number(x.toFixed(digits));

export async function benchSim(opts: SimBenchOptions = {}): Promise<Json> {
  const task = opts.task ?? defaultTaskId();
  const workers = opts.workers ?? 1;
  const nEnvs = opts.envs ?? 40;
  const blockS = opts.blockSeconds ?? 1;
  const blocks = Math.max(1, Math.round((opts.seconds ?? 6) / blockS));
  const seed = opts.seed ?? 0;
  const spec = getTask(task).spec;
  const family = taskFamily(task);
  const actSteps = 4; // DPPO act_steps for Gym and Avoid
  const cores = logicalCores();
  const vecOpts = { taskId: task, nEnvs, actSteps, seed };

  // Native processes start while the pool's workers start.
  const nativeCount = opts.native === false ? 0 : Math.max(1, Math.min(workers, cores));
  const nativeStart = Promise.allSettled(
    Array.from({ length: nativeCount }, (_, k) =>
      NativeSim.start({ taskId: task, nEnvs, actSteps, maxEpisodeSteps: spec.maxEpisodeSteps, seed, python: opts.python }, k),
    ),
  );
  const t0 = performance.now();
  const pool = await createPooledVecEnv(vecOpts, { workers });
  const createMs = performance.now() - t0;
  const one = workers > 1 ? await createPooledVecEnv(vecOpts, { workers: 1 }) : null;
  let bridge: VecEnv | null = null;
  try {
    bridge = opts.bridge ? await opts.bridge.make(vecOpts) : null;
  } catch (err) {
    await pool.dispose();
    await one?.dispose();
    throw err;
  }
  const natives: NativeSim[] = [];
  let nativeError: string | null = opts.native === false ? 'not measured (--native off)' : null;
  for (const r of await nativeStart) {
    if (r.status === 'fulfilled') natives.push(r.value);
    else nativeError ??= (r.reason as Error).message;
  }
  if (nativeError) {
    for (const n of natives) n.stop();
    natives.length = 0;
  }

  try {
    const rng = new Rng(seed + 1);
    await pool.reset();
    await one?.reset();
    await bridge?.reset();
    // Warm-up: JIT, first episodes, the Python side's first allocations.
    await runPool(pool, rng, 1000);
    if (one) await runPool(one, rng, 1000);
    if (bridge) await runPool(bridge, rng, 1000);
    await Promise.all(natives.map((n) => n.run(1)));

    const series: Record<string, number[]> = { pool: [], one: [], native: [], nativeParallel: [], bridge: [] };
    for (let b = 0; b < blocks; b++) {
      series.pool.push(await runPool(pool, rng, blockS * 1000));
      if (natives.length) series.native.push(await natives[0].run(blockS));
      if (one) series.one.push(await runPool(one, rng, blockS * 1000));
      if (bridge) series.bridge.push(await runPool(bridge, rng, blockS * 1000));
      if (natives.length > 1) {
        const rates = await Promise.all(natives.map((n) => n.run(blockS)));
        series.nativeParallel.push(rates.reduce((a, r) => a + r, 0));
      }
    }

    const stepsPerS = median(series.pool);
    const native = natives.length ? median(series.native) : null;
    const nativeSame = natives.length > 1 ? median(series.nativeParallel) : native;
    // Ratios are taken per block (neighbours in time, so the VM's drift cancels), then the median.
    const pairedRatio = (a: number[], b: number[]): number => median(a.map((x, k) => x / b[k]));
    const ratio = nativeSame === null ? null : pairedRatio(series.pool, natives.length > 1 ? series.nativeParallel : series.native);
    const frameSkip = family.frameSkip?.(task) ?? null;
    const out: Json = {
      task,
      workers: pool instanceof WorkerPoolVecEnv ? pool.workers : 0,
      transport: pool instanceof WorkerPoolVecEnv ? pool.transport : 'in-process',
      envs: nEnvs,
      act_steps: actSteps,
      frame_skip: frameSkip,
      cores,
      blocks,
      block_s: blockS,
      env_steps_per_s: round(stepsPerS),
      env_steps_per_s_blocks: series.pool.map((x) => round(x)),
      ...(frameSkip ? { mj_steps_per_s: round(stepsPerS * frameSkip) } : {}),
      ...(one
        ? {
            one_worker_env_steps_per_s: round(median(series.one)),
            speedup_vs_1_worker: round(pairedRatio(series.pool, series.one), 3),
          }
        : {}),
      native_env_steps_per_s: native === null ? null : round(native),
      ...(native !== null ? { native_env_steps_per_s_blocks: series.native.map((x) => round(x)) } : {}),
      ...(natives.length > 1
        ? {
            native_processes: natives.length,
            native_parallel_env_steps_per_s: round(nativeSame!),
            native_scaling: round(pairedRatio(series.nativeParallel, series.native), 3),
          }
        : {}),
      ratio_vs_native: ratio === null ? null : round(ratio, 3),
      ...(nativeError ? { native_error: nativeError } : { native_mujoco: natives[0].version }),
      wasm_mujoco: EXPECTED_MUJOCO_VERSION,
      create_ms: round(createMs),
      ...(bridge && opts.bridge
        ? {
            bridge_env_steps_per_s: round(median(series.bridge)),
            bridge_env_steps_per_s_blocks: series.bridge.map((x) => round(x)),
            bridge_vs_pool: round(pairedRatio(series.bridge, series.pool), 3),
            ...(natives.length ? { bridge_vs_native: round(pairedRatio(series.bridge, series.native), 3) } : {}),
            bridge: opts.bridge.describe(),
          }
        : {}),
    };
    return out;
  } finally {
    for (const n of natives) n.stop();
    await pool.dispose();
    await one?.dispose();
    await bridge?.dispose();
  }
}
