/**
 * The viewer follows one env of a run live (issue 9): a FollowTap over the run's VecEnv streams the
 * followed env's actions, and the viewer's task scene replaying them shows exactly that env's pose — bit for
 * bit, across episode ends (auto-reset seeds), a switch of the followed env mid-episode, and with the envs in
 * the sim worker pool. Hopper, random actions, short episodes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { FollowTap, type LiveSteps } from './liveFollow';
import { loadMujoco } from './mujoco';
import { createPooledVecEnv } from './pool';
import { poseFrameSize, type LiveScene } from './sceneDesc';
import type { VecEnv, VecEnvOptions } from './types';
import { createVectorEnv, type VectorEnv } from './vectorEnv';
import { createViewerScene } from './viewerScenes';

const open: { dispose(): unknown }[] = [];
afterAll(async () => {
  for (const o of open) await o.dispose();
});

const OPTS: VecEnvOptions = { taskId: 'hopper', nEnvs: 3, actSteps: 4, seed: 5, maxEpisodeSteps: 30 };
const Ta = 4;

function randomChunks(venv: VecEnv, rng: Rng): Float32Array {
  const a = new Float32Array(venv.nEnvs * Ta * venv.spec.actDim);
  for (let i = 0; i < a.length; i++) a[i] = rng.range(-1, 1);
  return a;
}

async function scene(): Promise<LiveScene> {
  const s = createViewerScene(await loadMujoco(), 'hopper', 0);
  open.push(s);
  return s;
}

/** Plays every received action (several long ticks: catch-up, the hold after an ended episode, the next one). */
function catchUp(s: LiveScene): void {
  for (let i = 0; i < 6; i++) s.advance(100);
}

function posesOf(ref: VectorEnv, env: number, ngeom: number): Float32Array {
  return ref.env(env).poses!(new Float32Array(poseFrameSize(ngeom)));
}

describe('live follow: FollowTap → LiveReplay', () => {
  it('the viewer scene shows the followed env exactly, across resets and a switch of env', async () => {
    const ref = await createVectorEnv(OPTS);
    open.push(ref);
    const batches: LiveSteps[] = [];
    let clock = 0;
    const tap = new FollowTap(ref, OPTS, { onSteps: (s) => batches.push(s), env: 1, minIntervalMs: 100, now: () => clock });
    const view = await scene();
    const ngeom = view.desc.geoms.length;
    const out = new Float32Array(poseFrameSize(ngeom));
    await tap.reset();
    expect(batches).toMatchObject([{ env: 1, episode: 0, seed: OPTS.seed + 1, from: 0, ended: false }]);
    for (const b of batches.splice(0)) view.followLive!(b);
    const rng = new Rng(3);
    let ends = 0;
    let compared = 0;
    let moved = 0;
    let prev: Float32Array | null = null;
    for (let c = 0; c < 40; c++) {
      if (c === 9) {
        tap.follow(1); // the same env again: its episode is resent from action 0; the scene keeps only what is new
        expect(batches[0]).toMatchObject({ env: 1, from: 0 });
        for (const b of batches.splice(0)) view.followLive!(b);
      }
      if (c === 17) {
        tap.follow(2); // its episode so far goes out at once
        expect(batches.length).toBe(1);
        expect(batches[0]).toMatchObject({ env: 2, from: 0 });
        for (const b of batches.splice(0)) view.followLive!(b);
      }
      clock += 40; // a batch goes out about every third chunk step, and at once when the episode ends
      const res = await tap.stepChunk(randomChunks(tap, rng), Ta);
      ends += res.terminated[tap.followedEnv] | res.truncated[tap.followedEnv];
      // Every batch sends all the actions not sent yet: after one, the scene can catch up completely.
      const sent = batches.length > 0;
      for (const b of batches.splice(0)) view.followLive!(b);
      catchUp(view);
      if (!sent) continue;
      view.readPoses(out);
      expect(Buffer.compare(Buffer.from(out.buffer), Buffer.from(posesOf(ref, tap.followedEnv, ngeom).buffer)), `chunk ${c}, env ${tap.followedEnv}`).toBe(0);
      compared++;
      if (prev && Buffer.compare(Buffer.from(prev.buffer), Buffer.from(out.buffer)) !== 0) moved++;
      prev = out.slice();
    }
    expect(ends).toBeGreaterThanOrEqual(3);
    expect(compared).toBeGreaterThanOrEqual(10);
    // The body moved between the comparisons (the poses compared are not all one pose).
    expect(moved).toBeGreaterThanOrEqual(compared - ends - 1);
  });

  it('batches come at most every minIntervalMs, each episode starting at action 0 and carrying its reset seed', async () => {
    const ref = await createVectorEnv(OPTS);
    open.push(ref);
    const batches: LiveSteps[] = [];
    let clock = 0;
    const tap = new FollowTap(ref, OPTS, { onSteps: (s) => batches.push(s), minIntervalMs: 100, now: () => clock });
    await tap.reset();
    const rng = new Rng(9);
    for (let c = 0; c < 30; c++) {
      clock += 25;
      await tap.stepChunk(randomChunks(tap, rng), Ta);
    }
    const episodes = [...new Set(batches.map((b) => b.episode))];
    expect(episodes.length).toBeGreaterThanOrEqual(3);
    for (const k of episodes) {
      const bs = batches.filter((b) => b.episode === k);
      expect(bs[0].from).toBe(0);
      expect(bs.every((b) => b.env === 0 && b.seed === OPTS.seed + 0 + k * OPTS.nEnvs)).toBe(true);
      for (let j = 1; j < bs.length; j++) expect(bs[j].from).toBe(bs[j - 1].from + bs[j - 1].actions.length / 3);
    }
    // 30 chunk steps × 25 ms = 750 ms: about 8 timed batches plus one per episode boundary, not one per chunk.
    expect(batches.length).toBeLessThan(20);
  });

  it('follows an env of the sim worker pool (checked against the same envs in-process)', async () => {
    const pool = await createPooledVecEnv(OPTS, { workers: 2 });
    open.push(pool);
    const ref = await createVectorEnv(OPTS);
    open.push(ref);
    const batches: LiveSteps[] = [];
    const tap = new FollowTap(pool, OPTS, { onSteps: (s) => batches.push(s), env: 2, minIntervalMs: 0 });
    const view = await scene();
    const ngeom = view.desc.geoms.length;
    const out = new Float32Array(poseFrameSize(ngeom));
    await Promise.all([tap.reset(), ref.reset()]);
    const rng = new Rng(4);
    for (let c = 0; c < 20; c++) {
      const a = randomChunks(tap, rng);
      await Promise.all([tap.stepChunk(a, Ta), ref.stepChunk(a, Ta)]);
      for (const b of batches.splice(0)) view.followLive!(b);
      catchUp(view);
      view.readPoses(out);
      expect(Buffer.compare(Buffer.from(out.buffer), Buffer.from(posesOf(ref, 2, ngeom).buffer)), `chunk ${c}`).toBe(0);
    }
  });

  it('passes snapshot/restore through only where the wrapped env has them; after a restore it streams from the next reset', async () => {
    const ref = await createVectorEnv(OPTS);
    open.push(ref);
    const batches: LiveSteps[] = [];
    const tap = new FollowTap(ref, OPTS, { onSteps: (s) => batches.push(s), minIntervalMs: 0 });
    await tap.reset();
    const rng = new Rng(5);
    for (let c = 0; c < 3; c++) await tap.stepChunk(randomChunks(tap, rng), Ta);
    const snap = await tap.snapshot!();
    await tap.restore!(snap);
    batches.length = 0;
    for (let c = 0; c < 12; c++) await tap.stepChunk(randomChunks(tap, rng), Ta);
    // Env 0's episode in progress (reset 0) is not streamed; its next one (reset 1, seed + 0 + 1·n) is, from action 0.
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.every((b) => b.episode >= 1)).toBe(true);
    expect(batches[0]).toMatchObject({ episode: 1, seed: OPTS.seed + OPTS.nEnvs, from: 0 });
    const pool = new FollowTap({ ...ref, snapshot: undefined, restore: undefined, spec: ref.spec, nEnvs: ref.nEnvs } as VecEnv, OPTS, { onSteps: () => {} });
    expect(pool.snapshot).toBeUndefined();
    expect(pool.restore).toBeUndefined();
  });

  it('streams nothing for envs whose initial-state noise is widened (the viewer could not reproduce their starts)', async () => {
    const opts = { ...OPTS, initNoiseScale: 3 };
    const ref = await createVectorEnv(opts);
    open.push(ref);
    const batches: LiveSteps[] = [];
    const tap = new FollowTap(ref, opts, { onSteps: (s) => batches.push(s), minIntervalMs: 0 });
    await tap.reset();
    await tap.stepChunk(randomChunks(tap, new Rng(1)), Ta);
    expect(batches).toEqual([]);
  });

  it('endLive and reset return the scene to its own motion', async () => {
    const view = await scene();
    view.followLive!({ env: 0, episode: 0, seed: 5, from: 0, actions: new Float32Array(3 * 4).fill(0.5), actDim: 3, ended: false });
    view.advance(1);
    expect(view.time).toBeCloseTo(4 * 0.008, 9);
    view.advance(1); // no more actions: it holds
    expect(view.time).toBeCloseTo(4 * 0.008, 9);
    view.endLive!();
    view.advance(0.1);
    expect(view.time).toBeGreaterThan(0.05); // the idle gait steps on its own again
  });
});
