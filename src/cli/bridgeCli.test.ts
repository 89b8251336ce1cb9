/**
 * Runs on bridge-hosted envs against a REAL `dppo-bridge --backend mujoco` (.venv/bin/dppo-bridge):
 * - `dppo finetune --bridge URL --token T` (the real bin) trains Hopper on the bridge and records the
 *   bridge (URL, backend, session — not the token) in the checkpoint's provenance;
 * - `dppo bench sim --bridge` reports bridge env steps/s beside the in-process figure;
 * - options are checked: --bridge without a token, --workers with --bridge, a refused token;
 * - a bridge killed mid-run ends the fine-tuning run with a UserError naming the lost connection, after
 *   whole iterations only.
 * Skipped with a warning when .venv/bin/dppo-bridge is absent (`node scripts/ensure-pyenv.mjs` creates it).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeEnvFactory } from '../bridge/bridgeVecEnv';
import type { WebSocketCtor } from '../bridge/client';
import { bridgeAvailable, BRIDGE_BIN, startBridge, type BridgeProcess } from '../bridge/spawnBridge';
import { untrainedCheckpoint } from '../bridge/testFixtures';
import { resolveFinetuneConfig } from '../config/finetune';
import { UserError } from '../core/errors';
import { decodeCheckpoint } from '../policy/checkpoint';
import { initTf } from '../policy/tfSetup';
import { taskFamily } from '../sim/registry';
import { finetunePpo } from '../train/finetunePpo';
import { runDppo } from './runBin';

const HAVE_BRIDGE = bridgeAvailable();
if (!HAVE_BRIDGE) console.warn(`\n*** SKIPPED: bridge CLI tests need ${BRIDGE_BIN}; create it with: node scripts/ensure-pyenv.mjs ***\n`);

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const jsonLines = (out: string) => out.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

describe.skipIf(!HAVE_BRIDGE)('CLI and training on bridge-hosted envs (real dppo-bridge)', () => {
  let bridge: BridgeProcess;
  let dir: string;
  let ckpt: string;

  beforeAll(async () => {
    bridge = await startBridge(['--backend', 'mujoco']);
    dir = mkdtempSync(join(tmpdir(), 'dppo-bridge-cli-'));
    await initTf('cpu');
    ckpt = join(dir, 'hopper-untrained.ckpt');
    writeFileSync(ckpt, untrainedCheckpoint('hopper'));
  });
  afterAll(async () => {
    await bridge?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('dppo finetune --bridge trains on the bridge and records it (not the token) with the checkpoint', async () => {
    const out = join(dir, 'tuned.ckpt');
    const r = await runDppo([
      'finetune', '--task', 'hopper', '--ckpt', ckpt, '--bridge', bridge.url, '--token', bridge.token, '--iters', '2',
      '--set', 'nEnvs=2', '--set', 'nSteps=4', '--set', 'batchSize=16', '--set', 'updateEpochs=1', '--set', 'ftDenoisingSteps=2',
      '--backend', 'cpu', '--no-final-eval', '--out', out, '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.filter((l) => 'itr' in l && !('final' in l)).map((l) => l.itr)).toEqual([0, 1]);
    const summary = lines[lines.length - 1];
    expect(summary.final).toBe(true);
    expect(String(summary.env)).toMatch(new RegExp(`^mujoco bridge ${escape(bridge.url)} \\(session \\S+\\)$`));
    const saved = decodeCheckpoint(new Uint8Array(readFileSync(out)));
    expect(saved.provenance.env).toMatchObject({ kind: 'bridge', url: bridge.url, backend: 'mujoco' });
    expect(JSON.stringify(saved.provenance)).not.toContain(bridge.token);
  });

  it('dppo bench sim --bridge measures the bridge beside the in-process envs', async () => {
    const r = await runDppo(['bench', 'sim', '--task', 'hopper', '--workers', '0', '--envs', '8', '--seconds', '2', '--native', 'off', '--bridge', bridge.url, '--token', bridge.token, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const s = jsonLines(r.stdout).pop()!;
    expect(s.bench).toBe('sim');
    expect(s.env_steps_per_s as number).toBeGreaterThan(0);
    expect(s.bridge_env_steps_per_s as number).toBeGreaterThan(0);
    expect(s.bridge).toMatchObject({ kind: 'bridge', backend: 'mujoco', url: bridge.url });
  });

  it('refuses --bridge without a token, --workers with --bridge, and says when the token is wrong', async () => {
    const noToken = await runDppo(['eval', '--ckpt', ckpt, '--bridge', bridge.url]);
    expect(noToken.status).not.toBe(0);
    expect(noToken.stderr).toMatch(/--bridge needs --token T/);
    const both = await runDppo(['eval', '--ckpt', ckpt, '--bridge', bridge.url, '--token', bridge.token, '--workers', '2']);
    expect(both.stderr).toMatch(/--workers and --bridge exclude each other/);
    const wrong = await runDppo(['eval', '--ckpt', ckpt, '--episodes', '1', '--backend', 'cpu', '--bridge', bridge.url, '--token', 'nope']);
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toMatch(/refused the token/);
  });

  it('a bridge killed mid-run ends the run with a UserError after whole iterations', async () => {
    // A copy into a plain Uint8Array, as the CLI reads checkpoints (decodeCheckpoint misreads a Node Buffer:
    // Buffer.slice is a view, not a copy).
    const checkpoint = decodeCheckpoint(new Uint8Array(readFileSync(ckpt)));
    const config = resolveFinetuneConfig(taskFamily('hopper').presets.laptop('hopper', 'dppo', 0), {
      nEnvs: 2, nSteps: 4, nTrainItr: 50, batchSize: 16, updateEpochs: 1, ftDenoisingSteps: 2,
    });
    const doomed = await startBridge(['--backend', 'mujoco']);
    const seen: number[] = [];
    let caught: unknown = null;
    try {
      await finetunePpo({
        config,
        checkpoint,
        makeVecEnv: bridgeEnvFactory({ url: doomed.url, token: doomed.token, WebSocket: WebSocket as unknown as WebSocketCtor }),
        sink: (ev) => {
          if (ev.type !== 'iteration') return;
          seen.push(ev.itr);
          if (ev.itr === 0) void doomed.stop();
        },
      });
    } catch (err) {
      caught = err;
    } finally {
      await doomed.stop();
    }
    expect(caught).toBeInstanceOf(UserError);
    const msg = (caught as Error).message;
    expect(msg).toContain(doomed.url);
    expect(msg).toMatch(/envs on the bridge are gone with the connection/);
    expect(seen[0]).toBe(0);
    expect(seen.length).toBeLessThan(50);
  });
});
