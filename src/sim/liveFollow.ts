/**
 * The viewer follows one env of a run live (issue 9, "The viewer follows one env of the pool live").
 *
 * No pose crosses threads: the training side's `FollowTap` (a VecEnv decorator, so it works over the
 * in-process env, the worker pool or anything else that keeps the seeding rule) records the actions each env
 * executes in its current episode and streams the followed env's as `LiveSteps` batches at a modest rate;
 * the viewer's one-env scene (`LiveReplay`, used by viewerScenes.ts) resets its env with the same seed and
 * steps the same actions, so it shows the followed env's motion bit for bit (MuJoCo is deterministic on one
 * build; the pool already relies on that, pool/README.md). The seed comes from the VecEnv contract
 * (types.ts VecEnvOptions.seed): env i's k-th reset uses seed + i + k·nEnvs.
 *
 * Legend: n = nEnvs, Ta = chunk length, Te = actSteps, Da = action dim.
 */
import type { ChunkStepResult, Env, VecEnv, VecEnvOptions, VecEnvSnapshot } from './types';

/** One batch of the followed env's executed actions (raw units), in order. */
export interface LiveSteps {
  /** Index of the followed env in the run's batch. */
  env: number;
  /** Which reset of that env began this episode (k), so batches of one episode share (env, episode). */
  episode: number;
  /** The seed env.reset() got for this episode (seed + env + episode·nEnvs). */
  seed: number;
  /** Index of the first action of `actions` within the episode (0 for the first batch). */
  from: number;
  /** [m, Da] actions executed after `from`, flat. */
  actions: Float32Array;
  actDim: number;
  /** The episode ended (terminated or truncated) with the last action of this batch. */
  ended: boolean;
}

/** Growable per-episode action record of one env. */
class EpisodeActions {
  buf: Float32Array;
  length = 0;
  constructor(
    readonly episode: number,
    readonly seed: number,
    private readonly Da: number,
  ) {
    this.buf = new Float32Array(64 * Da);
  }

  push(src: Float32Array): void {
    if ((this.length + 1) * this.Da > this.buf.length) {
      const grown = new Float32Array(this.buf.length * 2);
      grown.set(this.buf);
      this.buf = grown;
    }
    this.buf.set(src, this.length * this.Da);
    this.length++;
  }

  slice(from: number): Float32Array {
    return this.buf.slice(from * this.Da, this.length * this.Da);
  }
}

export interface FollowTapOptions {
  /** Receives each batch (the caller may transfer `actions`). */
  onSteps: (s: LiveSteps) => void;
  /** Env to follow at first (default 0). */
  env?: number;
  /** Least time between two batches of one episode, ms (default 100: at most ~10 messages a second). */
  minIntervalMs?: number;
  /** Clock (tests). */
  now?: () => number;
}

/**
 * A VecEnv that passes everything to `inner` and records every env's executed actions for the current
 * episode, streaming the followed env's. Switching env (`follow`) sends the new env's episode so far, so the
 * viewer can catch up. After `restore` an env's episode in progress is unknown (its earlier actions were
 * not seen): it is streamed from its next reset on.
 */
export class FollowTap implements VecEnv {
  private followed: number;
  private readonly episodes: (EpisodeActions | null)[];
  private readonly resets: number[];
  /** Actions of the followed env's current episode already sent (−1: nothing of this episode yet). */
  private sent = -1;
  private lastSend = -Infinity;
  private readonly minInterval: number;
  private readonly now: () => number;
  private readonly row: Float32Array;
  /** Envs with widened initial-state noise: the viewer's env resets with the task's own, so nothing is streamed. */
  private readonly silent: boolean;

  constructor(
    private readonly inner: VecEnv,
    private readonly opts: VecEnvOptions,
    private readonly tap: FollowTapOptions,
  ) {
    if (opts.nEnvs !== inner.nEnvs) throw new Error(`FollowTap: options say ${opts.nEnvs} envs, the env has ${inner.nEnvs}.`);
    this.followed = clampEnv(tap.env ?? 0, inner.nEnvs);
    this.episodes = Array.from({ length: inner.nEnvs }, () => null);
    this.resets = Array.from({ length: inner.nEnvs }, () => 0);
    this.minInterval = tap.minIntervalMs ?? 100;
    this.now = tap.now ?? (() => performance.now());
    this.row = new Float32Array(inner.spec.actDim);
    this.silent = (opts.initNoiseScale ?? 1) !== 1;
    const { snapshot, restore } = inner;
    if (snapshot) this.snapshot = () => snapshot.call(inner);
    if (restore) this.restore = (s) => this.restoreInner((x) => restore.call(inner, x), s);
  }

  get spec() {
    return this.inner.spec;
  }
  get nEnvs() {
    return this.inner.nEnvs;
  }
  get actSteps() {
    return this.inner.actSteps;
  }
  get maxEpisodeSteps() {
    return this.inner.maxEpisodeSteps;
  }
  get traceDim() {
    return this.inner.traceDim;
  }
  get tagKeys() {
    return this.inner.tagKeys;
  }

  /** The env being followed. */
  get followedEnv(): number {
    return this.followed;
  }

  /**
   * Follows env `env` from now on; its episode so far goes out at once (also when it is the env already
   * followed: a viewer that reloaded its scene catches up without waiting for the next episode).
   */
  follow(env: number): void {
    this.followed = clampEnv(env, this.nEnvs);
    this.sent = -1;
    this.flush(true, false);
  }

  async reset(): Promise<Float32Array> {
    const obs = await this.inner.reset();
    for (let i = 0; i < this.nEnvs; i++) this.begin(i);
    this.flush(true, false);
    return obs;
  }

  async stepChunk(actions: Float32Array, Ta: number): Promise<ChunkStepResult> {
    const res = await this.inner.stepChunk(actions, Ta);
    const Da = this.spec.actDim;
    let followedEnded = false;
    for (let i = 0; i < this.nEnvs; i++) {
      const ep = this.episodes[i];
      if (ep) {
        for (let s = 0; s < res.executed[i]; s++) {
          this.row.set(actions.subarray((i * Ta + s) * Da, (i * Ta + s + 1) * Da));
          ep.push(this.row);
        }
      }
      if (res.terminated[i] || res.truncated[i]) {
        if (i === this.followed) {
          this.flush(true, true);
          followedEnded = true;
        }
        this.begin(i); // reset_within_step: the env is already in its next episode
      }
    }
    this.flush(followedEnded, false);
    return res;
  }

  /** Passes the wrapped env's snapshot through (absent when it has none, as the VecEnv contract says). */
  readonly snapshot?: () => Promise<VecEnvSnapshot>;
  readonly restore?: (s: VecEnvSnapshot) => Promise<void>;

  private async restoreInner(inner: Required<VecEnv>['restore'], s: VecEnvSnapshot): Promise<void> {
    await inner(s);
    for (let i = 0; i < this.nEnvs; i++) {
      this.resets[i] = s.resetCount[i] ?? this.resets[i];
      this.episodes[i] = null;
    }
    this.sent = -1;
  }

  dispose(): Promise<void> {
    return this.inner.dispose();
  }

  /** Env i starts its next episode (its reset number k = resets so far). */
  private begin(i: number): void {
    const k = this.resets[i]++;
    this.episodes[i] = new EpisodeActions(k, this.opts.seed + i + k * this.nEnvs, this.spec.actDim);
    if (i === this.followed) this.sent = -1;
  }

  /** Sends the followed env's unsent actions when due (`force`: now, e.g. at an episode boundary). */
  private flush(force: boolean, ended: boolean): void {
    const ep = this.episodes[this.followed];
    if (!ep || this.silent) return;
    const from = Math.max(0, this.sent);
    const fresh = this.sent < 0;
    if (!fresh && !ended && ep.length === from) return;
    const t = this.now();
    if (!force && !fresh && t - this.lastSend < this.minInterval) return;
    this.lastSend = t;
    this.sent = ep.length;
    this.tap.onSteps({ env: this.followed, episode: ep.episode, seed: ep.seed, from, actions: ep.slice(from), actDim: this.spec.actDim, ended });
  }
}

function clampEnv(env: number, n: number): number {
  return Number.isInteger(env) && env >= 0 && env < n ? env : 0;
}

/** Longest backlog the replay keeps, in seconds of simulated time; beyond it, it catches up at once. */
const MAX_LAG_S = 1.5;
/** Env steps the last pose of an ended episode is held before the next episode starts. */
const HOLD_STEPS = 20;

interface QueuedEpisode {
  env: number;
  episode: number;
  seed: number;
  /** Actions received so far, [received, Da] in chunks. */
  chunks: Float32Array[];
  received: number;
  ended: boolean;
}

/**
 * The viewer's side: replays `LiveSteps` on one env in real time (`advance`), at most MAX_LAG_S behind the
 * newest action received. An ended episode holds its last pose briefly, then the next one starts from its
 * seed. Holds still while no actions arrive (e.g. during the PPO update).
 */
export class LiveReplay {
  private readonly queue: QueuedEpisode[] = [];
  private current: QueuedEpisode | null = null;
  /** Index of the next action of the current episode, as chunk and row. */
  private chunk = 0;
  private row = 0;
  private applied = 0;
  private pending = 0;
  private hold = 0;
  /** Env steps taken in the current episode. */
  steps = 0;

  constructor(
    private readonly env: Env,
    private readonly dt: number,
  ) {}

  /** The env and episode being shown (null before the first batch). */
  get showing(): { env: number; episode: number } | null {
    return this.current ? { env: this.current.env, episode: this.current.episode } : null;
  }

  /**
   * Takes a batch. One that continues the newest known episode is appended; the first batch of another
   * env's episode (the user switched) or of an episode that follows one still playing starts it now; the
   * next episode after an ended one waits until that one has been played out. Anything else (the middle
   * of an episode whose start was never seen, a gap) is dropped; overlapping batches add only what is new.
   */
  push(s: LiveSteps): void {
    const last = this.queue.at(-1) ?? this.current;
    if (last && last.env === s.env && last.episode === s.episode) {
      // Batches may overlap what is already here (follow() of the same env resends from action 0): keep the new tail.
      const skip = last.received - s.from;
      if (last.ended || skip < 0 || skip * s.actDim > s.actions.length) return;
      this.append(last, { ...s, actions: s.actions.subarray(skip * s.actDim) });
      return;
    }
    if (s.from !== 0) return;
    const ep: QueuedEpisode = { env: s.env, episode: s.episode, seed: s.seed, chunks: [], received: 0, ended: false };
    this.append(ep, s);
    if (!this.current || this.current.env !== s.env || !this.current.ended) {
      this.queue.length = 0;
      this.start(ep);
    } else {
      this.queue.splice(0, this.queue.length, ep);
    }
  }

  /** Steps up to `seconds` of simulated time of the received actions (more when too far behind). */
  advance(seconds: number): void {
    const cur = this.current;
    if (!cur) return;
    this.pending += seconds / this.dt;
    let n = Math.floor(this.pending + 1e-9);
    this.pending -= n;
    const backlog = cur.received - this.applied;
    const maxLag = Math.ceil(MAX_LAG_S / this.dt);
    if (backlog > maxLag) n = Math.max(n, backlog - maxLag);
    for (let i = 0; i < n; i++) {
      if (this.applied < cur.received) {
        this.stepOnce(cur);
        continue;
      }
      this.pending = 0; // nothing to play: do not bank time for a burst later
      if (!cur.ended || this.queue.length === 0) return;
      if (++this.hold >= HOLD_STEPS) {
        this.start(this.queue.shift()!);
        return;
      }
    }
  }

  private append(ep: QueuedEpisode, s: LiveSteps): void {
    const m = s.actions.length / s.actDim;
    if (m > 0) ep.chunks.push(s.actions);
    ep.received += m;
    ep.ended = s.ended;
  }

  private start(ep: QueuedEpisode): void {
    this.current = ep;
    this.chunk = 0;
    this.row = 0;
    this.applied = 0;
    this.hold = 0;
    this.pending = 0;
    this.steps = 0;
    this.env.reset(ep.seed);
  }

  private stepOnce(ep: QueuedEpisode): void {
    let c = ep.chunks[this.chunk];
    const Da = this.env.spec.actDim;
    if (this.row * Da >= c.length) {
      this.chunk++;
      this.row = 0;
      c = ep.chunks[this.chunk];
    }
    this.env.step(c.subarray(this.row * Da, (this.row + 1) * Da));
    this.row++;
    this.applied++;
    this.steps++;
  }
}
