/**
 * Observation/action normalisation around any VecEnv (spec/dppo-reference.md §6.2; the reference's
 * env wrappers `mujoco_locomotion_lowdim`, `d3il_lowdim` normalise obs and un-normalise actions). Owned by
 * the training side so the env implementations (in-process, worker pool, bridge) stay in raw task units.
 * Legend: n = nEnvs, Ta = chunk length, Da = action dim, Do = obs dim.
 */
import type { Normalizer } from '../policy/normalizer';
import type { ChunkStepResult, VecEnv } from '../sim/types';

export class NormalizedVecEnv {
  readonly nEnvs: number;
  readonly actSteps: number;

  constructor(
    readonly inner: VecEnv,
    private readonly normalizer: Normalizer | null,
  ) {
    const { obsDim, actDim, taskId } = inner.spec;
    if (normalizer && (normalizer.obsDim !== obsDim || normalizer.actionDim !== actDim)) {
      throw new Error(`Normalizer dims (obs ${normalizer.obsDim}, action ${normalizer.actionDim}) do not match task ${taskId} (obs ${obsDim}, action ${actDim}).`);
    }
    this.nEnvs = inner.nEnvs;
    this.actSteps = inner.actSteps;
  }

  /** Resets every env; normalised first observations [n, Do]. */
  async reset(): Promise<Float32Array> {
    return this.obsOut(await this.inner.reset());
  }

  /**
   * Un-normalises the chunks [n, Ta, Da] and steps them; `obs` of the result is normalised, everything
   * else (rewards, traces, tags) stays raw.
   */
  async stepChunk(actionsNorm: Float32Array, Ta: number): Promise<ChunkStepResult> {
    const raw = this.normalizer ? this.normalizer.unnormalizeAction(actionsNorm) : actionsNorm;
    const res = await this.inner.stepChunk(raw, Ta);
    return { ...res, obs: this.obsOut(res.obs) };
  }

  private obsOut(raw: Float32Array): Float32Array {
    return this.normalizer ? this.normalizer.normalizeObs(raw) : raw;
  }
}
