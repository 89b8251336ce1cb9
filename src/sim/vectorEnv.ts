/**
 * In-process vector env with DPPO's MultiStep semantics (spec/dppo-reference.md §7.6, §4.1):
 * `stepChunk(actions [n, Ta, Da] normalised)` un-normalises and executes the first `actSteps` actions of
 * every env's chunk, sums the rewards, stops an env's chunk early when it is done, derives
 * terminated/truncated (own step counter ≥ max_episode_steps ⇒ truncated), and resets done envs inside
 * the step (reset_within_step), so the returned obs is the new episode's first obs. Observations come
 * back normalised with the policy's Normalizer (§6.2); without one they are raw.
 * Legend: n = nEnvs, Ta = chunk length given, Da = action dim, Do = obs dim.
 */
import { UserError } from '../core/errors';
import type { Normalizer } from '../policy/normalizer';
import { loadMujoco, type Mujoco } from './mujoco';
import { getTask } from './registry';
import type { ChunkStepResult, Env, EnvSpec, StepInfo } from './types';

export interface VectorEnvOptions {
  taskId: string;
  nEnvs: number;
  /** Actions executed per chunk (DPPO act_steps); chunks may be longer (horizon_steps). */
  actSteps: number;
  /** Normalises obs and un-normalises actions; omitted ⇒ raw units both ways. */
  normalizer?: Normalizer;
  /** Env i's k-th reset uses seed + i + k·nEnvs. */
  seed: number;
  /** Override of the task's truncation horizon (env steps). */
  maxEpisodeSteps?: number;
  /** Keep every episode's tip path for the trajectory plot (see takePaths()). */
  recordPaths?: boolean;
}

/** Loads MuJoCo (once per thread) and builds a VectorEnv; same as VectorEnv.create. */
export function createVectorEnv(opts: VectorEnvOptions): Promise<VectorEnv> {
  return VectorEnv.create(opts);
}

/** One finished episode's tip path (recordPaths). */
export interface EpisodePath {
  env: number;
  /** Tip xy from the reset pose on, [steps + 1, 2]. */
  xy: Float32Array;
  /** Sum of the per-step rewards. */
  episodeReturn: number;
  steps: number;
  terminated: boolean;
  truncated: boolean;
  /** Task info at the last step. */
  info: StepInfo;
}

export class VectorEnv {
  readonly spec: EnvSpec;
  readonly nEnvs: number;
  readonly actSteps: number;
  readonly maxEpisodeSteps: number;
  private readonly envs: Env[] = [];
  private readonly normalizer?: Normalizer;
  private readonly seed: number;
  private readonly stepCount: Int32Array;
  private readonly resetCount: Int32Array;
  private readonly rawObs: Float32Array;
  private readonly recordPaths: boolean;
  private readonly paths: number[][];
  private readonly returns: Float64Array;
  private finished: EpisodePath[] = [];
  private started = false;
  private disposed = false;

  /** Loads MuJoCo (once per thread) and builds the envs. */
  static async create(opts: VectorEnvOptions): Promise<VectorEnv> {
    return new VectorEnv(await loadMujoco(), opts);
  }

  constructor(mj: Mujoco, opts: VectorEnvOptions) {
    const task = getTask(opts.taskId);
    if (!Number.isInteger(opts.nEnvs) || opts.nEnvs < 1) throw new UserError(`nEnvs must be a positive integer, got ${opts.nEnvs}.`);
    if (!Number.isInteger(opts.actSteps) || opts.actSteps < 1) throw new UserError(`actSteps must be a positive integer, got ${opts.actSteps}.`);
    this.spec = task.spec;
    if (opts.normalizer && (opts.normalizer.obsDim !== this.spec.obsDim || opts.normalizer.actionDim !== this.spec.actDim)) {
      throw new UserError(
        `Normalizer dims (obs ${opts.normalizer.obsDim}, action ${opts.normalizer.actionDim}) do not match task ${task.id} (obs ${this.spec.obsDim}, action ${this.spec.actDim}).`,
      );
    }
    this.nEnvs = opts.nEnvs;
    this.actSteps = opts.actSteps;
    this.maxEpisodeSteps = opts.maxEpisodeSteps ?? this.spec.maxEpisodeSteps;
    this.normalizer = opts.normalizer;
    this.seed = opts.seed;
    this.stepCount = new Int32Array(this.nEnvs);
    this.resetCount = new Int32Array(this.nEnvs);
    this.rawObs = new Float32Array(this.nEnvs * this.spec.obsDim);
    this.recordPaths = opts.recordPaths ?? false;
    this.paths = Array.from({ length: this.nEnvs }, () => []);
    this.returns = new Float64Array(this.nEnvs);
    try {
      for (let i = 0; i < this.nEnvs; i++) this.envs.push(task.create(mj));
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  get obsDim(): number {
    return this.spec.obsDim;
  }

  get actDim(): number {
    return this.spec.actDim;
  }

  /** Env i (for viewer poses); owned by this vector env. */
  env(i: number): Env {
    this.assertLive();
    return this.envs[i];
  }

  /** Resets every env; returns the (normalised) first observations [n, Do]. */
  reset(): Float32Array {
    this.assertLive();
    for (let i = 0; i < this.nEnvs; i++) this.resetOne(i);
    this.started = true;
    return this.outputObs();
  }

  /**
   * Executes the first actSteps actions of every chunk.
   * @param actions normalised chunks [n, Ta, Da]
   * @param Ta chunk length (≥ actSteps)
   */
  stepChunk(actions: Float32Array, Ta: number): ChunkStepResult {
    this.assertLive();
    if (!this.started) throw new UserError('VectorEnv: call reset() before stepChunk().');
    const n = this.nEnvs;
    const Da = this.spec.actDim;
    const Do = this.spec.obsDim;
    if (Ta < this.actSteps) throw new UserError(`Chunk length Ta=${Ta} is shorter than actSteps=${this.actSteps}.`);
    if (actions.length !== n * Ta * Da) throw new UserError(`Actions must be [${n}, ${Ta}, ${Da}] = ${n * Ta * Da} values, got ${actions.length}.`);
    const reward = new Float32Array(n);
    const terminated = new Uint8Array(n);
    const truncated = new Uint8Array(n);
    const trace = new Float32Array(n * this.actSteps * 2);
    const info: StepInfo[] = new Array(n);
    const raw = new Float32Array(Da);
    for (let i = 0; i < n; i++) {
      const env = this.envs[i];
      let sum = 0;
      let done = false;
      let s = 0;
      let lastInfo: StepInfo = {};
      for (; s < this.actSteps && !done; s++) {
        const a = actions.subarray((i * Ta + s) * Da, (i * Ta + s + 1) * Da);
        if (this.normalizer) this.normalizer.unnormalizeAction(a, raw);
        else raw.set(a);
        const res = env.step(raw);
        sum += res.reward;
        this.stepCount[i]++;
        this.returns[i] += res.reward;
        this.rawObs.set(res.obs, i * Do);
        lastInfo = res.info;
        const [tx, ty] = tracePoint(env, res.obs);
        trace[(i * this.actSteps + s) * 2] = tx;
        trace[(i * this.actSteps + s) * 2 + 1] = ty;
        if (this.recordPaths) this.paths[i].push(tx, ty);
        // §7.6: terminated from the env; truncated from the env's time limit or our own counter.
        if (res.terminated) terminated[i] = 1;
        else if (res.truncated || this.stepCount[i] >= this.maxEpisodeSteps) truncated[i] = 1;
        done = terminated[i] === 1 || truncated[i] === 1;
      }
      // After an early stop the remaining trace points repeat the last one.
      for (let k = s; k < this.actSteps; k++) {
        trace[(i * this.actSteps + k) * 2] = trace[(i * this.actSteps + s - 1) * 2];
        trace[(i * this.actSteps + k) * 2 + 1] = trace[(i * this.actSteps + s - 1) * 2 + 1];
      }
      reward[i] = sum;
      info[i] = lastInfo;
      if (done) {
        if (this.recordPaths) this.finishPath(i, terminated[i] === 1, truncated[i] === 1, lastInfo);
        this.resetOne(i); // reset_within_step
      }
    }
    return { obs: this.outputObs(), reward, terminated, truncated, trace, info };
  }

  /** Finished episodes' tip paths since the last call (empty unless recordPaths). */
  takePaths(): EpisodePath[] {
    const out = this.finished;
    this.finished = [];
    return out;
  }

  /** Current (unfinished) episode's tip path of env i, [T + 1, 2] (recordPaths). */
  currentPath(i: number): Float32Array {
    return Float32Array.from(this.paths[i]);
  }

  /** Frees every env once; later calls are no-ops, later use throws. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const e of this.envs) e.dispose();
    this.envs.length = 0;
  }

  private resetOne(i: number): void {
    const env = this.envs[i];
    const obs = env.reset(this.seed + i + this.resetCount[i] * this.nEnvs);
    this.resetCount[i]++;
    this.stepCount[i] = 0;
    this.returns[i] = 0;
    this.rawObs.set(obs, i * this.spec.obsDim);
    if (this.recordPaths) {
      const [x, y] = tracePoint(env, obs);
      this.paths[i] = [x, y];
    }
  }

  private finishPath(i: number, terminated: boolean, truncated: boolean, info: StepInfo): void {
    const xy = Float32Array.from(this.paths[i]);
    this.finished.push({ env: i, xy, episodeReturn: this.returns[i], steps: this.stepCount[i], terminated, truncated, info });
  }

  private outputObs(): Float32Array {
    return this.normalizer ? this.normalizer.normalizeObs(this.rawObs) : Float32Array.from(this.rawObs);
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('VectorEnv was used after dispose(); create a new one instead.');
  }
}

/** The env's trace point, or the obs' first two values for envs without one. */
function tracePoint(env: Env, obs: Float32Array): [number, number] {
  return env.tracePoint ? env.tracePoint() : [obs[0], obs[1]];
}
