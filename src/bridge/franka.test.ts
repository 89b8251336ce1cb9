/**
 * The connector's Franka path against a REAL `dppo-bridge --backend franka --sim-robot` (the bridge's
 * simulated arm behind the same safety layer as a real Panda; docs/bridge-protocol.md §5), over real
 * WebSockets: arming needs the typed word, status pushes carry the pose, a command moves the arm by at most
 * the per-step clamp, and `stop` disarms. Skipped with a warning without .venv/bin/dppo-bridge.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgeClient, type WebSocketCtor } from './client';
import type { StatusMsg } from './protocol';
import { bridgeAvailable, startBridge, type BridgeProcess } from './spawnBridge';

const WS = WebSocket as unknown as WebSocketCtor;

/** Resolves with the first status push that satisfies `pred`. */
function statusWhere(c: BridgeClient, pred: (s: StatusMsg) => boolean, ms = 5000): Promise<StatusMsg> {
  return new Promise((resolve, reject) => {
    if (c.lastStatus && pred(c.lastStatus)) return resolve(c.lastStatus);
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching status within ${ms} ms (last: ${JSON.stringify(c.lastStatus)})`));
    }, ms);
    const off = c.onStatus((s) => {
      if (!pred(s)) return;
      clearTimeout(timer);
      off();
      resolve(s);
    });
  });
}

describe.skipIf(!bridgeAvailable())('Franka over the bridge (simulated arm)', () => {
  let bridge: BridgeProcess;
  beforeAll(async () => {
    bridge = await startBridge(['--backend', 'franka', '--sim-robot']);
  });
  afterAll(async () => {
    await bridge?.stop();
  });

  it('arms only with ARM, moves within the clamp, and stop disarms', async () => {
    const c = await BridgeClient.connect({ url: bridge.url, token: bridge.token, WebSocket: WS });
    try {
      expect(c.welcome.capabilities.franka).toBe(true);
      const first = await statusWhere(c, (s) => s.ee_pos !== undefined);
      expect(first.state).toBe('connected');
      await expect(c.request({ op: 'arm', id: c.newId(), confirm: 'arm' as 'ARM' })).rejects.toThrow(/safety/);
      await c.request({ op: 'arm', id: c.newId(), confirm: 'ARM' });
      const armed = await statusWhere(c, (s) => s.state === 'armed' && s.controller === true);
      const before = armed.ee_pos!;
      // Full +x command: the bridge scales it by max_translation (0.05 m) and clamps it to the workspace.
      const seq = c.newId();
      c.sendFrame({ kind: 1, seq, tNs: 0n, tensors: [{ name: 'actions', dtype: 'f32', shape: [1, 1, 7], data: Float32Array.of(1, 0, 0, 0, 0, 0, 0) }] });
      const moved = await statusWhere(c, (s) => (s as StatusMsg & { last_seq?: number }).last_seq === seq && s.ee_pos![0] > before[0] + 1e-4);
      const dx = moved.ee_pos![0] - before[0];
      expect(dx).toBeGreaterThan(0);
      expect(dx).toBeLessThanOrEqual(0.05 + 1e-6);
      c.stop();
      const stopped = await statusWhere(c, (s) => s.state === 'stopped' || s.state === 'connected');
      expect(stopped.controller).toBe(false);
    } finally {
      c.close();
    }
  });
});
