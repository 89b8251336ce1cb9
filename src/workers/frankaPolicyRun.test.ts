/**
 * A policy run on a REAL `dppo-bridge --backend franka --sim-robot` (the simulated arm behind the same safety
 * layer as a real Panda), with inference through the train worker's own entry point (the 'act' checkpoint
 * job of src/workers/checkpointJobs.ts, on the cpu backend) — the path the connector page uses. Asserts what a
 * user would notice: the arm moves toward the scripted target, every command and every reported pose stay
 * within the 5 cm / 0.5 rad clamps and the workspace box, `stop` halts the arm within 300 ms and disarms, and a
 * checkpoint of another shape is refused by name. Skipped with a warning without .venv/bin/dppo-bridge.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTf } from '../policy/tfSetup';
import { handleCheckpointMessage } from './checkpointJobs';
import type { CheckpointJob, CheckpointJobResult } from './checkpointProtocol';
import { BridgeClient, type WebSocketCtor } from '../bridge/client';
import { FRANKA_DEFAULT_LIMITS, FRANKA_SCRIPTED_REF, FRANKA_SCRIPTED_TARGET, runFrankaPolicy, type FrankaPolicyStep } from '../bridge/frankaPolicy';
import type { StatusMsg } from '../bridge/protocol';
import { bridgeAvailable, startBridge, type BridgeProcess } from '../bridge/spawnBridge';
import { untrainedCheckpoint } from '../bridge/testFixtures';

const WS = WebSocket as unknown as WebSocketCtor;
let nextId = 1;

/** A checkpoint job through the train worker's message handler. */
function workerJob(job: CheckpointJob): Promise<CheckpointJobResult> {
  return new Promise((resolve, reject) => {
    handleCheckpointMessage({ type: 'checkpoint', requestId: nextId++, job }, (r) => {
      if (r.type === 'checkpoint-result') resolve(r.result);
      else if (r.type === 'checkpoint-error') reject(new Error(r.message));
    });
  });
}

function waitFor(c: BridgeClient, pred: (s: StatusMsg) => boolean, ms = 5000): Promise<StatusMsg> {
  return new Promise((resolve, reject) => {
    if (c.lastStatus && pred(c.lastStatus)) return resolve(c.lastStatus);
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching status within ${ms} ms`));
    }, ms);
    const off = c.onStatus((s) => {
      if (!pred(s)) return;
      clearTimeout(timer);
      off();
      resolve(s);
    });
  });
}

/** Rotation angle between two unit quaternions [w, x, y, z]. */
function quatAngle(a: readonly number[], b: readonly number[]): number {
  const d = Math.abs(a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3]);
  return 2 * Math.acos(Math.min(1, d));
}

describe.skipIf(!bridgeAvailable())('a policy on the Franka (simulated arm) under the clamps', () => {
  let bridge: BridgeProcess;
  beforeAll(async () => {
    await initTf('cpu');
    bridge = await startBridge(['--backend', 'franka', '--sim-robot']);
  });
  afterAll(async () => {
    await workerJob({ kind: 'act-release' }).catch(() => undefined);
    await bridge?.stop();
  });

  it('moves the arm toward the target within the clamps and box, and stop halts it within 300 ms', async () => {
    const c = await BridgeClient.connect({ url: bridge.url, token: bridge.token, WebSocket: WS });
    try {
      const poses: { t: number; s: StatusMsg }[] = [];
      c.onStatus((s) => poses.push({ t: performance.now(), s }));
      await waitFor(c, (s) => s.ee_pos !== undefined);
      await c.request({ op: 'arm', id: c.newId(), confirm: 'ARM' });
      const armed = await waitFor(c, (s) => s.state === 'armed' && s.controller === true);
      const start = armed.ee_pos!;
      const dist = (p: readonly number[]) => Math.hypot(p[0] - FRANKA_SCRIPTED_TARGET[0], p[1] - FRANKA_SCRIPTED_TARGET[1], p[2] - FRANKA_SCRIPTED_TARGET[2]);

      const steps: FrankaPolicyStep[] = [];
      const ctl = new AbortController();
      const run = runFrankaPolicy({
        client: c,
        signal: ctl.signal,
        act: async (obs) => {
          const r = await workerJob({ kind: 'act', ref: FRANKA_SCRIPTED_REF, obs: Array.from(obs), fit: 'franka' });
          if (r.kind !== 'act') throw new Error('not an act result');
          return r.action;
        },
        onStep: (s) => steps.push(s),
      });
      await new Promise((r) => setTimeout(r, 1500));
      // STOP as the page does it: the bridge first, then the loop.
      const tStop = performance.now();
      c.stop();
      ctl.abort();
      const result = await run;
      const stopped = await waitFor(c, (s) => s.state !== 'armed' && s.state !== 'running', 1000);
      const stopMs = performance.now() - tStop;
      await new Promise((r) => setTimeout(r, 500));

      expect(result.end).toBe('stopped');
      expect(steps.length).toBeGreaterThanOrEqual(8); // ~10 Hz for 1.5 s
      expect(stopped.controller).toBe(false);
      expect(stopMs).toBeLessThan(300);
      // The arm moved toward the scripted target.
      const at = stopped.ee_pos!;
      expect(dist(at)).toBeLessThan(dist(start) - 0.05);
      // Every command: translation ≤ 5 cm; rotation commands are zero; in [−1, 1].
      for (const s of steps) {
        expect(Math.hypot(...s.commandedM)).toBeLessThanOrEqual(FRANKA_DEFAULT_LIMITS.maxTranslation + 1e-9);
        for (const a of s.action) expect(Math.abs(a)).toBeLessThanOrEqual(1);
      }
      // Every reported pose: inside the box; between consecutive commands ≤ 5 cm and ≤ 0.5 rad.
      const { workspaceLow: lo, workspaceHigh: hi } = FRANKA_DEFAULT_LIMITS;
      for (const { s } of poses) {
        for (let i = 0; i < 3; i++) {
          expect(s.ee_pos![i]).toBeGreaterThanOrEqual(lo[i] - 1e-6);
          expect(s.ee_pos![i]).toBeLessThanOrEqual(hi[i] + 1e-6);
        }
      }
      for (let k = 1; k < steps.length; k++) {
        const a = steps[k - 1].poseBefore;
        const b = steps[k].poseBefore;
        expect(Math.hypot(b[0] - a[0], b[1] - a[1], b[2] - a[2])).toBeLessThanOrEqual(FRANKA_DEFAULT_LIMITS.maxTranslation + 1e-6);
        expect(quatAngle(steps[k - 1].obs.slice(3), steps[k].obs.slice(3))).toBeLessThanOrEqual(FRANKA_DEFAULT_LIMITS.maxRotation + 1e-6);
      }
      // Halted: no motion reported more than 300 ms after STOP.
      const after = poses.filter((p) => p.t > tStop + 300);
      expect(after.length).toBeGreaterThan(0);
      for (const p of after) expect(Math.hypot(p.s.ee_pos![0] - at[0], p.s.ee_pos![1] - at[1], p.s.ee_pos![2] - at[2])).toBeLessThan(1e-6);
      console.info(`franka policy: ${steps.length} commands in 1.5 s, ${(dist(start) * 100).toFixed(1)} → ${(dist(at) * 100).toFixed(1)} cm from target, disarmed ${stopMs.toFixed(0)} ms after stop`);
    } finally {
      c.close();
    }
  }, 30_000);

  it('a disarm or a NaN action ends the run without another command; a checkpoint of another shape is refused', async () => {
    const c = await BridgeClient.connect({ url: bridge.url, token: bridge.token, WebSocket: WS });
    try {
      await waitFor(c, (s) => s.ee_pos !== undefined);
      await c.request({ op: 'arm', id: c.newId(), confirm: 'ARM' });
      await waitFor(c, (s) => s.state === 'armed' && s.controller === true);
      const steps: FrankaPolicyStep[] = [];
      const run = runFrankaPolicy({
        client: c,
        signal: new AbortController().signal,
        act: async (obs) => ((await workerJob({ kind: 'act', ref: FRANKA_SCRIPTED_REF, obs: Array.from(obs), fit: 'franka' })) as { action: number[] }).action,
        onStep: (s) => steps.push(s),
      });
      await new Promise((r) => setTimeout(r, 400));
      await c.request({ op: 'disarm', id: c.newId() });
      const result = await run;
      expect(result.end).toBe('disarmed');
      expect(steps.length).toBeGreaterThan(0);

      // A policy that goes wrong (NaN on its 3rd step) ends the run before that command is sent.
      await c.request({ op: 'arm', id: c.newId(), confirm: 'ARM' });
      await waitFor(c, (s) => s.state === 'armed' && s.controller === true);
      let calls = 0;
      const bad = await runFrankaPolicy({ client: c, signal: new AbortController().signal, act: async () => (++calls === 3 ? [NaN, 0, 0, 0, 0, 0, 0] : [0.2, 0, 0, 0, 0, 0, 0]) });
      expect(bad.end).toBe('error');
      expect(bad.steps).toBe(2);
      expect(bad.message).toMatch(/NaN\/Inf/);
      c.stop();

      const bytes = untrainedCheckpoint('hopper', 'gaussian-mlp');
      await expect(
        workerJob({ kind: 'act', ref: 'file:hopper.safetensors', bytes: bytes.slice().buffer as ArrayBuffer, obs: [0.5, 0, 0.3, 0, 1, 0, 0], fit: 'franka' }),
      ).rejects.toThrow(/takes 1×11 observations and emits 3-D actions; a Franka policy takes the end-effector pose/);
    } finally {
      c.close();
    }
  }, 30_000);
});
