/**
 * `VecEnv` over a bridge connection (docs/bridge-protocol.md; the contract is src/sim/types.ts): `make`
 * creates this connection's envs on the bridge and answers their spec, `reset` answers a RESULT with obs,
 * `stepChunk` sends the action chunks as one STEP frame and reads the RESULT's tensors as views of the
 * received bytes (no copy). MultiStep semantics (spec/dppo-reference.md §7.6) are the bridge's, the same
 * as the in-process VectorEnv's, so the training loop cannot tell them apart.
 *
 * The bridge's spec must match this app's task (obs/action dims, horizon): the policy and its normaliser
 * were built for it. A dropped connection rejects the pending step with a UserError that says so; the
 * training loop then ends the run with that message after its last complete iteration (train/finetunePpo.ts
 * records only whole iterations), so nothing half-done is kept.
 *
 * Legend: n nEnvs, Ta chunk length given, Te actSteps, Da action dim, Do obs dim, Dt trace dim, G tags.
 */
import { UserError } from '../core/errors';
import { getTask, isTaskId } from '../sim/registry';
import type { ChunkStepResult, EnvSpec, VecEnv, VecEnvOptions } from '../sim/types';
import { checkVecEnvOptions } from '../sim/vectorEnv';
import { BridgeClient, type ConnectOptions } from './client';
import { expectTensor, FRAME_RESULT, nowNs, type Frame, type SpecMsg } from './protocol';

/** Where bridge-hosted envs come from, as recorded with a run (never the token). */
export interface BridgeEnvSource {
  kind: 'bridge';
  url: string;
  backend: string;
  sessionId: string;
}

export class BridgeVecEnv implements VecEnv {
  readonly spec: EnvSpec;
  readonly nEnvs: number;
  readonly actSteps: number;
  readonly maxEpisodeSteps: number;
  readonly traceDim: number;
  readonly tagKeys: readonly string[];
  private disposed = false;
  private busy = false;

  private constructor(
    readonly client: BridgeClient,
    msg: SpecMsg,
    private readonly ownsClient: boolean,
  ) {
    const s = msg.spec;
    this.spec = {
      taskId: s.task_id,
      obsDim: s.obs_dim,
      actDim: s.act_dim,
      actLow: s.act_low,
      actHigh: s.act_high,
      controlDt: s.control_dt,
      maxEpisodeSteps: s.max_episode_steps,
      bestRewardThresholdForSuccess: s.best_reward_threshold_for_success,
    };
    this.nEnvs = msg.n_envs;
    this.actSteps = msg.act_steps;
    this.maxEpisodeSteps = s.max_episode_steps;
    this.traceDim = msg.trace_dim;
    this.tagKeys = msg.tag_keys;
  }

  /** Creates the envs on an open connection (`ownsClient`: dispose() also closes the connection). */
  static async create(client: BridgeClient, opts: VecEnvOptions, ownsClient = false): Promise<BridgeVecEnv> {
    checkVecEnvOptions(opts);
    // The bridge protocol's `make` has no initial-state noise scale: refuse rather than run the task's own.
    if (opts.initNoiseScale !== undefined && opts.initNoiseScale !== 1) {
      throw new UserError(`The bridge's envs reset with their own initial-state noise; an init-noise scale of ${opts.initNoiseScale} runs only in this app's envs (drop --bridge).`);
    }
    const tasks = client.welcome.capabilities.tasks;
    if (!tasks.includes(opts.taskId)) {
      throw new UserError(`The bridge at ${client.url} (${client.backend} backend) has no task "${opts.taskId}"; it offers ${tasks.join(', ') || 'none'}.`);
    }
    if (opts.nEnvs > client.welcome.limits.max_envs) {
      throw new UserError(`The bridge at ${client.url} hosts at most ${client.welcome.limits.max_envs} envs per connection; nEnvs is ${opts.nEnvs}.`);
    }
    const msg = await client.request<SpecMsg>({
      op: 'make',
      id: client.newId(),
      task: opts.taskId,
      n_envs: opts.nEnvs,
      act_steps: opts.actSteps,
      seed: opts.seed,
      ...(opts.maxEpisodeSteps !== undefined ? { max_episode_steps: opts.maxEpisodeSteps } : {}),
    }, `the ${opts.taskId} envs`);
    const venv = new BridgeVecEnv(client, msg, ownsClient);
    venv.checkAgainst(opts);
    return venv;
  }

  /** Where these envs live, for a run's record (no token). */
  get source(): BridgeEnvSource {
    return { kind: 'bridge', url: this.client.url, backend: this.client.backend, sessionId: this.client.sessionId };
  }

  async reset(): Promise<Float32Array> {
    const frame = await this.exclusive('reset', () => this.client.request<Frame>({ op: 'reset', id: this.client.newId() }, 'reset'));
    return this.tensor(frame, 'obs', 'f32', [this.nEnvs, this.spec.obsDim]);
  }

  async stepChunk(actions: Float32Array, Ta: number): Promise<ChunkStepResult> {
    const { nEnvs: n, actSteps: Te, traceDim: Dt } = this;
    const Da = this.spec.actDim;
    if (!Number.isInteger(Ta) || Ta < Te) throw new UserError(`Action chunks of ${Ta} steps are shorter than the ${Te} steps executed per chunk.`);
    if (actions.length !== n * Ta * Da) throw new UserError(`stepChunk got ${actions.length} action values; ${n} envs × ${Ta} steps × ${Da} dims need ${n * Ta * Da}.`);
    const frame = await this.exclusive('step', () => {
      const seq = this.client.newId();
      return this.client.step({ kind: 1, seq, tNs: nowNs(), tensors: [{ name: 'actions', dtype: 'f32', shape: [n, Ta, Da], data: actions }] });
    });
    return {
      obs: this.tensor(frame, 'obs', 'f32', [n, this.spec.obsDim]),
      reward: this.tensor(frame, 'reward', 'f32', [n]),
      terminated: this.tensor(frame, 'terminated', 'u8', [n]),
      truncated: this.tensor(frame, 'truncated', 'u8', [n]),
      executed: this.tensor(frame, 'executed', 'u8', [n]),
      trace: this.tensor(frame, 'trace', 'f32', [n, Te, Dt]),
      tags: this.tensor(frame, 'tags', 'f32', [n, this.tagKeys.length]),
    };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    try {
      if (this.client.open) await this.client.request({ op: 'close_envs', id: this.client.newId() }, 'close_envs');
    } catch {
      // The connection went away: the bridge drops a connection's envs with it.
    } finally {
      if (this.ownsClient) this.client.close('closed after the run');
    }
  }

  /** One request at a time: the protocol answers in order, and the loop never overlaps them. */
  private async exclusive<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.disposed) throw new UserError(`The bridge envs were disposed; cannot ${what}.`);
    if (this.busy) throw new UserError(`A bridge ${what} was asked while another request was still running.`);
    this.busy = true;
    try {
      return await fn();
    } catch (err) {
      // A lost connection takes the bridge's envs with it: say so once, in the words the run shows.
      if (err instanceof UserError && !this.client.open && !/envs on the bridge are gone/.test(err.message)) {
        throw new UserError(`${err.message} The envs on the bridge are gone with the connection; start the bridge again and a new run (completed iterations are kept).`);
      }
      throw err;
    } finally {
      this.busy = false;
    }
  }

  private tensor<D extends 'f32' | 'u8'>(frame: Frame, name: Parameters<typeof expectTensor>[1], dtype: D, shape: number[]) {
    if (frame.kind !== FRAME_RESULT) throw new UserError(`The bridge answered with a frame of kind ${frame.kind}, not RESULT.`);
    try {
      return expectTensor(frame, name, dtype, shape);
    } catch (err) {
      this.client.close('closed: the bridge sent a RESULT of the wrong shape');
      throw new UserError(`The bridge at ${this.client.url} sent a RESULT that does not fit its envs (${(err as Error).message}).`);
    }
  }

  /** The bridge's envs must be the ones the policy was built for (same task spec as this app's). */
  private checkAgainst(opts: VecEnvOptions): void {
    const problems: string[] = [];
    if (this.spec.taskId !== opts.taskId) problems.push(`task ${this.spec.taskId} instead of ${opts.taskId}`);
    if (this.nEnvs !== opts.nEnvs) problems.push(`${this.nEnvs} envs instead of ${opts.nEnvs}`);
    if (this.actSteps !== opts.actSteps) problems.push(`act_steps ${this.actSteps} instead of ${opts.actSteps}`);
    if (isTaskId(opts.taskId)) {
      const local = getTask(opts.taskId).spec;
      if (local.obsDim !== this.spec.obsDim) problems.push(`obs dim ${this.spec.obsDim} instead of ${local.obsDim}`);
      if (local.actDim !== this.spec.actDim) problems.push(`action dim ${this.spec.actDim} instead of ${local.actDim}`);
      const horizon = opts.maxEpisodeSteps ?? local.maxEpisodeSteps;
      if (horizon !== this.maxEpisodeSteps) problems.push(`horizon ${this.maxEpisodeSteps} instead of ${horizon}`);
    }
    if (problems.length) {
      throw new UserError(`The bridge at ${this.client.url} made envs that do not match this app's ${opts.taskId}: ${problems.join(', ')}.`);
    }
  }
}

export interface BridgeEnvOptions extends Omit<ConnectOptions, 'url' | 'token'> {
  url: string;
  token: string;
  /** Told where each VecEnv lives once it is made (a run records it). */
  onSource?: (s: BridgeEnvSource) => void;
}

/**
 * A `makeVecEnv` for the training loops, the evaluator and the benchmarks: every call opens its own
 * connection (the bridge keeps one env set per connection) and the VecEnv closes it on dispose.
 */
export function bridgeEnvFactory(o: BridgeEnvOptions): (opts: VecEnvOptions) => Promise<VecEnv> {
  return async (opts) => {
    const client = await BridgeClient.connect(o);
    try {
      const venv = await BridgeVecEnv.create(client, opts, true);
      o.onSource?.(venv.source);
      return venv;
    } catch (err) {
      client.close('closed: the envs could not be made');
      throw err;
    }
  };
}
