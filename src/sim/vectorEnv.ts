/**
 * In-process vector env with DPPO's MultiStep semantics (spec/dppo-reference.md §7.6, §4.1): the `VecEnv`
 * contract of types.ts, run synchronously in this thread and wrapped in resolved promises.
 * `stepChunk(actions [n, Ta, Da] raw)` executes the first `actSteps` actions of every env's chunk, sums the
 * rewards, stops an env's chunk early when it is done, derives terminated/truncated (own step counter ≥
 * max_episode_steps ⇒ truncated) and resets done envs inside the step (reset_within_step), so the returned
 * obs is the new episode's first obs. Units are raw; normalisation is the training side's wrapper.
 * Legend: n = nEnvs, Ta = chunk length given, Te = actSteps, Da = action dim, Do = obs dim, Dt = trace dim,
 * G = tags.
 */
import { UserError } from '../core/errors';
import { loadMujoco } from './mujoco';
import { checkInitNoiseScale, getTask, taskFamily } from './registry';
import type { ChunkStepResult, Env, EnvSpec, VecEnv, VecEnvOptions, VecEnvSnapshot } from './types';

/**
 * Where a vector env's envs sit in a larger batch (the worker pool, pool/): its env j is env firstEnv + j of
 * totalEnvs, so its k-th reset uses seed + firstEnv + j + k·totalEnvs — the seeds the whole batch would use.
 */
export interface VectorEnvSlice {
  firstEnv: number;
  totalEnvs: number;
}

/** Loads MuJoCo if the task needs it (once per thread) and builds the in-process vector env. */
export async function createVectorEnv(opts: VecEnvOptions, slice?: VectorEnvSlice): Promise<VectorEnv> {
  const family = taskFamily(opts.taskId);
  const mujoco = family.needsMujoco ? await loadMujoco() : null;
  return new VectorEnv(opts, (id) => family.createEnv(id, { mujoco, maxEpisodeSteps: opts.maxEpisodeSteps, initNoiseScale: opts.initNoiseScale }), slice);
}

/** Validates the shared VecEnv options; a UserError naming the setting otherwise. */
export function checkVecEnvOptions(opts: VecEnvOptions): void {
  if (!Number.isInteger(opts.nEnvs) || opts.nEnvs < 1) throw new UserError(`nEnvs must be a positive integer, got ${opts.nEnvs}.`);
  if (!Number.isInteger(opts.actSteps) || opts.actSteps < 1) throw new UserError(`actSteps must be a positive integer, got ${opts.actSteps}.`);
  if (opts.maxEpisodeSteps !== undefined && (!Number.isInteger(opts.maxEpisodeSteps) || opts.maxEpisodeSteps < 1)) {
    throw new UserError(`maxEpisodeSteps must be a positive integer, got ${opts.maxEpisodeSteps}.`);
  }
  if (opts.initNoiseScale !== undefined) checkInitNoiseScale(opts.taskId, opts.initNoiseScale);
}

export class VectorEnv implements VecEnv {
  readonly spec: EnvSpec;
  readonly nEnvs: number;
  readonly actSteps: number;
  readonly maxEpisodeSteps: number;
  readonly traceDim: number;
  readonly tagKeys: readonly string[];
  private readonly envs: Env[] = [];
  private readonly seed: number;
  private readonly firstEnv: number;
  private readonly totalEnvs: number;
  private readonly stepCount: Int32Array;
  private readonly resetCount: Int32Array;
  private readonly rawObs: Float32Array;
  private readonly point: Float32Array;
  private started = false;
  private disposed = false;

  /**
   * @param opts task, batch size, chunk execution length, seeds, horizon override
   * @param create a new env of the task (the vector env owns and disposes it)
   * @param slice this batch's place in a larger one (worker pool); default: the whole batch
   */
  constructor(opts: VecEnvOptions, create: (taskId: string) => Env, slice?: VectorEnvSlice) {
    checkVecEnvOptions(opts);
    const family = taskFamily(opts.taskId);
    this.spec = getTask(opts.taskId).spec;
    this.nEnvs = opts.nEnvs;
    this.actSteps = opts.actSteps;
    this.maxEpisodeSteps = opts.maxEpisodeSteps ?? this.spec.maxEpisodeSteps;
    this.traceDim = family.trajectory ? (family.trajectory.kind === 'plane' ? 2 : family.trajectory.series.length) : 0;
    this.tagKeys = family.tags.map((t) => t.key);
    this.seed = opts.seed;
    this.firstEnv = slice?.firstEnv ?? 0;
    this.totalEnvs = slice?.totalEnvs ?? opts.nEnvs;
    this.stepCount = new Int32Array(this.nEnvs);
    this.resetCount = new Int32Array(this.nEnvs);
    this.rawObs = new Float32Array(this.nEnvs * this.spec.obsDim);
    this.point = new Float32Array(this.traceDim);
    try {
      for (let i = 0; i < this.nEnvs; i++) this.envs.push(create(opts.taskId));
    } catch (e) {
      this.disposeNow();
      throw e;
    }
  }

  get obsDim(): number {
    return this.spec.obsDim;
  }

  get actDim(): number {
    return this.spec.actDim;
  }

  /** Env i (viewer poses, scene description); owned by this vector env. */
  env(i: number): Env {
    this.assertLive();
    return this.envs[i];
  }

  async reset(): Promise<Float32Array> {
    return this.resetSync();
  }

  async stepChunk(actions: Float32Array, Ta: number): Promise<ChunkStepResult> {
    return this.stepChunkSync(actions, Ta);
  }

  async dispose(): Promise<void> {
    this.disposeNow();
  }

  async snapshot(): Promise<VecEnvSnapshot> {
    this.assertLive();
    return {
      taskId: this.spec.taskId,
      started: this.started,
      stepCount: Array.from(this.stepCount),
      resetCount: Array.from(this.resetCount),
      rawObs: Array.from(this.rawObs),
      envs: this.envs.map((e) => e.snapshot?.() ?? null),
    };
  }

  /**
   * Puts back a snapshot of a vector env of the same task and size. Envs whose snapshot is null keep their
   * current state (valid only when the caller resets them before the next step, e.g. resetAtIteration).
   */
  async restore(s: VecEnvSnapshot): Promise<void> {
    this.assertLive();
    const n = this.nEnvs;
    if (s.taskId !== this.spec.taskId || s.stepCount.length !== n || s.resetCount.length !== n || s.envs.length !== n || s.rawObs.length !== this.rawObs.length) {
      throw new UserError(`The saved env state is for ${s.envs.length} envs of ${s.taskId}; this run has ${n} envs of ${this.spec.taskId}.`);
    }
    s.envs.forEach((e, i) => {
      if (!e) return;
      const env = this.envs[i];
      if (!env.restore) throw new UserError(`The ${this.spec.taskId} environment cannot restore a saved state.`);
      env.restore(e);
    });
    this.stepCount.set(s.stepCount);
    this.resetCount.set(s.resetCount);
    this.rawObs.set(s.rawObs);
    this.started = s.started;
  }

  /** Resets every env; returns the raw first observations [n, Do]. */
  resetSync(): Float32Array {
    this.assertLive();
    for (let i = 0; i < this.nEnvs; i++) this.resetOne(i);
    this.started = true;
    return Float32Array.from(this.rawObs);
  }

  /** The synchronous body of stepChunk (worker pools call it directly). */
  stepChunkSync(actions: Float32Array, Ta: number): ChunkStepResult {
    this.assertLive();
    if (!this.started) throw new Error('VectorEnv: reset() must come before stepChunk().');
    const n = this.nEnvs;
    const Da = this.spec.actDim;
    const Do = this.spec.obsDim;
    const Te = this.actSteps;
    const Dt = this.traceDim;
    const G = this.tagKeys.length;
    if (Ta < Te) throw new Error(`Chunk length Ta=${Ta} is shorter than actSteps=${Te}.`);
    if (actions.length !== n * Ta * Da) throw new Error(`Actions must be [${n}, ${Ta}, ${Da}] = ${n * Ta * Da} values, got ${actions.length}.`);
    const reward = new Float32Array(n);
    const terminated = new Uint8Array(n);
    const truncated = new Uint8Array(n);
    const executed = new Uint8Array(n);
    const trace = new Float32Array(n * Te * Dt);
    const tags = new Float32Array(n * G);
    for (let i = 0; i < n; i++) {
      const env = this.envs[i];
      let sum = 0;
      let done = false;
      let s = 0;
      let info: Record<string, number | boolean> = {};
      for (; s < Te && !done; s++) {
        const res = env.step(actions.subarray((i * Ta + s) * Da, (i * Ta + s + 1) * Da));
        sum += res.reward;
        this.stepCount[i]++;
        this.rawObs.set(res.obs, i * Do);
        info = res.info;
        if (Dt > 0) {
          env.trace?.(this.point);
          trace.set(this.point, (i * Te + s) * Dt);
        }
        // §7.6: terminated from the env; truncated from the env's time limit or our own counter.
        if (res.terminated) terminated[i] = 1;
        else if (res.truncated || this.stepCount[i] >= this.maxEpisodeSteps) truncated[i] = 1;
        done = terminated[i] === 1 || truncated[i] === 1;
      }
      executed[i] = s;
      // After an early stop the remaining trace points repeat the last one.
      for (let k = s; k < Te && Dt > 0; k++) trace.copyWithin((i * Te + k) * Dt, (i * Te + s - 1) * Dt, (i * Te + s) * Dt);
      for (let g = 0; g < G; g++) tags[i * G + g] = Number(info[this.tagKeys[g]] ?? 0);
      reward[i] = sum;
      if (done) this.resetOne(i); // reset_within_step
    }
    return { obs: Float32Array.from(this.rawObs), reward, terminated, truncated, executed, trace, tags };
  }

  private resetOne(i: number): void {
    const obs = this.envs[i].reset(this.seed + this.firstEnv + i + this.resetCount[i] * this.totalEnvs);
    this.resetCount[i]++;
    this.stepCount[i] = 0;
    this.rawObs.set(obs, i * this.spec.obsDim);
  }

  /** The trace point of env i in its current state [Dt] (e.g. the reset pose, before any step). */
  tracePoint(i: number): Float32Array {
    const out = new Float32Array(this.traceDim);
    this.envs[i].trace?.(out);
    return out;
  }

  private disposeNow(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const e of this.envs) e.dispose();
    this.envs.length = 0;
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('VectorEnv was used after dispose(); create a new one instead.');
  }
}
