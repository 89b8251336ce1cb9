/**
 * The `dppo` CLI contract (design/architecture.md §4): one JSON object per line with --json, summary last,
 * errors as {"error": …} with a non-zero exit. `info` runs through the real bin (as `npx dppo` does).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from './main';
import { PACKAGE_ROOT } from './assets';
import { runDppo } from './runBin';
import { captureCliOutput } from './captureOutput';

const lines = captureCliOutput();

const json = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('dppo CLI', () => {
  it('`npx dppo info --json` reports MuJoCo engine 3.14.0 (@mujoco/mujoco), the tasks and bundled assets', async () => {
    vi.restoreAllMocks();
    const r = await runDppo(['info', '--json']);
    expect(r.status).toBe(0);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const info = out[out.length - 1];
    expect(info.final).toBe(true);
    expect(info.mujoco.engine).toBe('3.14.0');
    expect(info.mujoco.package).toBe('@mujoco/mujoco@3.14.0');
    expect(info.tasks).toEqual(expect.arrayContaining(['avoid-m1', 'avoid-m2', 'avoid-m3', 'hopper', 'walker2d', 'halfcheetah']));
    expect(info.backends.find((b: { name: string }) => b.name === 'wasm').available).toBe(true);
    expect(info.checkpoints).toContain('builtin:avoid-m2/diffusion-mlp');
    expect(info.datasets).toContain('builtin:avoid-m2/train');
  });

  it('unknown commands and bad options fail with an {"error"} line and a non-zero exit', async () => {
    expect(await main(['frobnicate', '--json'])).not.toBe(0);
    expect(json().at(-1)).toEqual({ error: expect.stringContaining('unknown command') });
    lines.length = 0;
    expect(await main(['finetune', '--task', 'avoid-m9', '--json'])).toBe(1);
    expect(String(json().at(-1)?.error)).toMatch(/Unknown task "avoid-m9"/);
    lines.length = 0;
    expect(await main(['finetune', '--task', 'avoid-m2', '--set', 'nonsense=1', '--json'])).toBe(1);
    expect(String(json().at(-1)?.error)).toMatch(/Unknown fine-tuning setting "nonsense"/);
  });

  it('inspect describes the bundled dataset and rejects a corrupt checkpoint', async () => {
    expect(await main(['inspect', 'builtin:avoid-m2/train', '--json'])).toBe(0);
    const summary = json().at(-1)!;
    expect(summary).toMatchObject({ kind: 'dataset', format: 'dppo-npz', episodes: 100, obs_dim: 4, act_dim: 2, has_normalization: true, suggested_task: 'avoid-m2' });
    const dir = mkdtempSync(join(tmpdir(), 'dppo-cli-'));
    const bad = join(dir, 'bad.safetensors');
    writeFileSync(bad, readFileSync(join(PACKAGE_ROOT, 'package.json')));
    lines.length = 0;
    expect(await main(['inspect', bad, '--json'])).toBe(1);
    expect(json().at(-1)).toHaveProperty('error');
  });

  it('`eval --workers 2` runs the envs in the sim worker pool with the same numbers as in-process', async () => {
    vi.restoreAllMocks();
    const run = async (workers: string) => {
      const r = await runDppo(['eval', '--ckpt', 'builtin:avoid-m1/gmm-mlp', '--episodes', '6', '--workers', workers, '--json']);
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
      return { task: out.task, success_rate: out.success_rate, avg_return: out.avg_return, episodes: out.episodes };
    };
    const pooled = await run('2');
    expect(pooled.task).toBe('avoid-m1');
    expect(pooled.episodes).toBe(6);
    expect(pooled).toEqual(await run('0'));
  }, 120_000);
});
