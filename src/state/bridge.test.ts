/**
 * The connector's state against a real `dppo-bridge --backend mujoco` (the page's WebSocket played by the
 * `ws` package): a pasted start-up banner fills URL and token; a bad URL, an empty token and a wrong token
 * land on their own field; connected, it shows the backend, a latency and Hopper's spec; a bridge that goes
 * away leaves a message at the connection and the state usable (reconnect works against a new bridge).
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeAvailable, startBridge, type BridgeProcess } from '../bridge/spawnBridge';
import { connectBridge, disconnectBridge, setBridgeField, showSpec, useBridge } from './bridge';

const until = async (pred: () => boolean, ms = 10_000) => {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out; state: ${JSON.stringify({ ...useBridge.getState(), log: undefined })}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('connector fields', () => {
  it('a pasted dppo-bridge banner fills URL and token; bad input lands on its field', async () => {
    setBridgeField('urlText', 'Paste into the connector page:\n  URL:   ws://127.0.0.1:8765\n  Token: abc_DEF-1');
    expect(useBridge.getState()).toMatchObject({ urlText: 'ws://127.0.0.1:8765', tokenText: 'abc_DEF-1' });
    setBridgeField('urlText', 'http://127.0.0.1:8765');
    await connectBridge();
    expect(useBridge.getState().error).toMatchObject({ field: 'url', message: expect.stringMatching(/ws:\/\/ or wss:\/\//) });
    setBridgeField('urlText', 'ws://127.0.0.1:8765');
    setBridgeField('tokenText', '  ');
    await connectBridge();
    expect(useBridge.getState().error).toMatchObject({ field: 'token' });
  });
});

describe.skipIf(!bridgeAvailable())('connector state with a real dppo-bridge', () => {
  let bridge: BridgeProcess;
  beforeAll(async () => {
    (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
    bridge = await startBridge(['--backend', 'mujoco']);
  });
  afterAll(async () => {
    disconnectBridge();
    await bridge?.stop();
  });

  it('refuses a wrong token at the token field, connects with the right one, shows latency and spec', async () => {
    setBridgeField('urlText', bridge.url);
    setBridgeField('tokenText', 'wrong');
    await connectBridge();
    expect(useBridge.getState().phase).toBe('closed');
    expect(useBridge.getState().error).toMatchObject({ field: 'token', message: expect.stringMatching(/refused the token/) });

    setBridgeField('tokenText', bridge.token);
    await connectBridge();
    expect(useBridge.getState()).toMatchObject({ phase: 'connected', error: null, info: { backend: 'mujoco', url: bridge.url } });
    expect(useBridge.getState().info!.tasks).toContain('hopper');
    // The first offered task is shown on connect; ask for hopper's spec as a user picking it does.
    await showSpec('hopper');
    expect(useBridge.getState().spec?.spec).toMatchObject({ taskId: 'hopper', obsDim: 11, actDim: 3, maxEpisodeSteps: 1000 });
    await until(() => useBridge.getState().latencyMs !== null);
    expect(useBridge.getState().latencyMs!).toBeLessThan(1000);
    expect(useBridge.getState().log.join('\n')).not.toContain(bridge.token);
  });

  it('a bridge that goes away leaves a message at the connection; reconnecting to a new one works', async () => {
    await bridge.stop();
    await until(() => useBridge.getState().phase === 'closed');
    expect(useBridge.getState().error).toMatchObject({ field: 'connection', message: expect.stringContaining(bridge.url) });
    bridge = await startBridge(['--backend', 'mujoco']);
    setBridgeField('urlText', bridge.url);
    setBridgeField('tokenText', bridge.token);
    await connectBridge();
    expect(useBridge.getState().phase).toBe('connected');
  });
});
