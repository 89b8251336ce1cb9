/**
 * BridgeVecEnv against a REAL `dppo-bridge --backend mujoco` process (.venv/bin/dppo-bridge, started on a
 * free port) over real WebSockets (the `ws` package, as the CLI uses it):
 * - the handshake: welcome, a wrong token refused with a message about the token, an unreachable bridge;
 * - parity: the bridge's native-MuJoCo Hopper and the in-process WASM VectorEnv on the same seed and the
 *   same action chunks give the same MultiStep results (tolerances of tests/parity/test_gym_parity.py);
 * (Runs on bridge-hosted envs — CLI, training, a bridge killed mid-run — are src/cli/bridgeCli.test.ts.)
 * Without .venv/bin/dppo-bridge (run `node scripts/ensure-pyenv.mjs`) the suite is skipped with a warning.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import type { ChunkStepResult, VecEnv } from '../sim/types';
import { createVectorEnv } from '../sim/vectorEnv';
import { bridgeEnvFactory, BridgeVecEnv } from './bridgeVecEnv';
import { BridgeClient, type WebSocketCtor } from './client';
import { bridgeAvailable, BRIDGE_BIN, startBridge, type BridgeProcess } from './spawnBridge';

const WS = WebSocket as unknown as WebSocketCtor;
const HAVE_BRIDGE = bridgeAvailable();
if (!HAVE_BRIDGE) {
  console.warn(`\n*** SKIPPED: bridge tests need ${BRIDGE_BIN}; create it with: node scripts/ensure-pyenv.mjs ***\n`);
}

/** tests/parity/test_gym_parity.py: float32 obs vs float64 (6e-8 relative) and last-bit differences of WASM vs native. */
const OBS_RTOL = 1e-6;
const FREE_REWARD_TOL = 1e-6;
/** Free-running steps compared per episode (chaos grows ~1000× per 25 steps, see the parity test). */
const FREE_RUN_STEPS = 50;

describe.skipIf(!HAVE_BRIDGE)('BridgeVecEnv over a real dppo-bridge (mujoco backend)', () => {
  let bridge: BridgeProcess;

  beforeAll(async () => {
    bridge = await startBridge(['--backend', 'mujoco']);
  });
  afterAll(async () => {
    await bridge?.stop();
  });

  it('connects with the token and says what is wrong with a bad token or an unreachable bridge', async () => {
    const c = await BridgeClient.connect({ url: bridge.url, token: bridge.token, WebSocket: WS });
    try {
      expect(c.welcome.backend).toBe('mujoco');
      expect(c.welcome.capabilities.tasks).toContain('hopper');
      // Heartbeats at 10 Hz give a round-trip latency within a few ticks.
      await new Promise((r) => setTimeout(r, 400));
      expect(c.latencyMs).toBeGreaterThanOrEqual(0);
      expect(c.latencyMs).toBeLessThan(1000);
    } finally {
      c.close();
    }
    await expect(BridgeClient.connect({ url: bridge.url, token: 'wrong-token', WebSocket: WS })).rejects.toThrow(/refused the token/);
    await expect(BridgeClient.connect({ url: 'ws://127.0.0.1:9', token: 'x', WebSocket: WS, timeoutMs: 3000 })).rejects.toThrow(/Could not connect to the bridge at ws:\/\/127\.0\.0\.1:9/);
  });

  it('hopper on the bridge matches the in-process env on the same seed and actions', async () => {
    const opts = { taskId: 'hopper', nEnvs: 4, actSteps: 4, seed: 3 };
    const Ta = 6; // longer chunks than executed: only the first Te actions may count
    const remote = await bridgeEnvFactory({ url: bridge.url, token: bridge.token, WebSocket: WS })(opts);
    const local: VecEnv = await createVectorEnv(opts);
    try {
      expect(remote).toBeInstanceOf(BridgeVecEnv);
      expect(remote.spec).toEqual(local.spec);
      expect([remote.traceDim, remote.tagKeys]).toEqual([local.traceDim, local.tagKeys]);
      const close = (a: Float32Array, b: Float32Array, what: string) => {
        expect(a.length, what).toBe(b.length);
        for (let i = 0; i < a.length; i++) {
          expect(Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`).toBeLessThanOrEqual(OBS_RTOL);
        }
      };
      close(await remote.reset(), await local.reset(), 'reset obs');
      const { actDim: Da } = local.spec;
      const rng = new Rng(7);
      const actions = new Float32Array(opts.nEnvs * Ta * Da);
      /** Env steps into the current episode (compared while ≤ FREE_RUN_STEPS); −1 once an env left the window. */
      const stepInEp = new Int32Array(opts.nEnvs);
      let compared = 0;
      let episodes = 0;
      for (let chunk = 0; chunk < 60; chunk++) {
        for (let i = 0; i < actions.length; i++) actions[i] = rng.uniform() * 2 - 1;
        const r: ChunkStepResult = await remote.stepChunk(actions, Ta);
        const l: ChunkStepResult = await local.stepChunk(actions, Ta);
        for (let e = 0; e < opts.nEnvs; e++) {
          if (stepInEp[e] < 0) continue;
          const where = `chunk ${chunk} env ${e}`;
          expect([r.executed[e], r.terminated[e], r.truncated[e]], where).toEqual([l.executed[e], l.terminated[e], l.truncated[e]]);
          expect(Math.abs(r.reward[e] - l.reward[e]), `${where} reward`).toBeLessThanOrEqual(FREE_REWARD_TOL * Math.max(1, Math.abs(l.reward[e])));
          close(r.obs.subarray(e * 11, (e + 1) * 11), l.obs.subarray(e * 11, (e + 1) * 11), `${where} obs`);
          close(r.trace.subarray(e * 4 * remote.traceDim, (e + 1) * 4 * remote.traceDim), l.trace.subarray(e * 4 * local.traceDim, (e + 1) * 4 * local.traceDim), `${where} trace`);
          close(r.tags.subarray(e * remote.tagKeys.length, (e + 1) * remote.tagKeys.length), l.tags.subarray(e * local.tagKeys.length, (e + 1) * local.tagKeys.length), `${where} tags`);
          compared++;
          if (l.terminated[e] || l.truncated[e]) {
            stepInEp[e] = 0; // a new episode from the next reset seed: in sync again
            episodes++;
          } else {
            stepInEp[e] += l.executed[e];
            if (stepInEp[e] > FREE_RUN_STEPS) stepInEp[e] = -1;
          }
        }
      }
      // Random actions topple Hopper within a few dozen steps: resets (and their seeds) are covered.
      expect(episodes).toBeGreaterThanOrEqual(4);
      expect(compared).toBeGreaterThan(100);
    } finally {
      await remote.dispose();
      await local.dispose();
    }
  });
});
