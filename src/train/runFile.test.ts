/**
 * A run as a file (issue 10; here in train/ because it builds a real config through the task registry): build → read gives back the same run, curves (NaN included), final checkpoint
 * and training state; a foreign, damaged or edited file is refused with a specific message.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { UserError } from '../core/errors';
import { decodeCheckpoint } from '../policy/checkpoint';
import { taskFamily } from '../sim/registry';
import { buildRunFile, readRunFile, RUN_FILE_FORMAT, sha256Hex } from '../data/runFile';
import type { StoredPoint, StoredRun } from '../data/runs';

const task = taskFamily('two-goals').tasks[0].id;
const ckptBytes = new Uint8Array(readFileSync(join(process.cwd(), 'public/checkpoints/avoid-m2/diffusion-mlp.safetensors')));

/** A minimal safetensors file with the training-state format (the real encoder is tested in train/). */
function fakeState(): Uint8Array {
  const json = JSON.stringify({ __metadata__: { format: 'dppo-workbench-trainstate/1', state: '{}' } }).padEnd(64, ' ');
  const head = strToU8(json);
  const out = new Uint8Array(8 + head.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  return out;
}

function sample(): { run: StoredRun; points: StoredPoint[] } {
  const config = taskFamily('two-goals').presets.reference(task, 'dppo', 7);
  const run: StoredRun = {
    id: 'run-abc-1', label: 'DPPO · two-goals · reference · s7', config, checkpoint: 'builtin:avoid-m2/diffusion-mlp', preset: 'reference',
    createdAt: 1_700_000_000_000, status: 'interrupted', colorIndex: 3, pinned: true, hidden: false, totalIterations: config.nTrainItr,
    envStepsPerIteration: 320, savedState: { itr: 3, savedAt: 1_700_000_100_000, bytes: 100 },
    warnings: [{ itr: 1, kind: 'kl', metric: 'losses/approx_kl', message: 'KL high' }],
  };
  const points: StoredPoint[] = [0, 1, 2].map((itr) => ({
    runId: run.id, itr, envSteps: 320 * itr, wallS: 1.5 * itr,
    metrics: { 'charts/success_rate': itr / 4, 'charts/avg_return': itr === 0 ? NaN : -0.25 * itr, 'losses/approx_kl': 1e-7 * (itr + 1) },
  }));
  return { run, points };
}

async function build(): Promise<Uint8Array> {
  const { run, points } = sample();
  return buildRunFile({
    run, points, appVersion: '0.1.0',
    saved: { itr: 3, state: fakeState().slice().buffer, checkpoint: ckptBytes.slice().buffer },
    baseCheckpoint: { ref: run.checkpoint, sha256: await sha256Hex(ckptBytes) },
    dataset: { ref: 'builtin:avoid-m2/train', sha256: null },
  });
}

function rezip(bytes: Uint8Array, edit: (files: Record<string, Uint8Array>) => void): Uint8Array {
  const files = unzipSync(bytes);
  edit(files);
  return zipSync(files);
}

describe('run files', () => {
  it('round-trips run, curves, checkpoint, state and provenance', async () => {
    const bytes = await build();
    const { run, points } = sample();
    const f = await readRunFile(bytes, 'r.zip');
    expect(f.run.id).toBe(run.id);
    expect(f.run.config).toEqual(run.config);
    expect(f.run.config.seed).toBe(7);
    expect(f.run.warnings).toEqual(run.warnings);
    expect(f.run.savedState).toEqual(run.savedState);
    expect('pinned' in f.run).toBe(false);
    expect(f.points).toEqual(points.map(({ runId: _r, ...p }) => p));
    expect(Number.isNaN(f.points[0].metrics['charts/avg_return'])).toBe(true);
    expect(f.points[2].metrics['losses/approx_kl']).toBe(3e-7);
    expect(f.policy?.bytes).toEqual(ckptBytes);
    expect([...f.policy!.checkpoint.weights.keys()]).toEqual([...decodeCheckpoint(ckptBytes).weights.keys()]);
    expect(f.state).toEqual(fakeState());
    expect(f.provenance.appVersion).toBe('0.1.0');
    expect(f.provenance.baseCheckpoint.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(f.provenance.dataset?.ref).toBe('builtin:avoid-m2/train');
    expect(Object.keys(f.provenance.files).sort()).toEqual(['metrics.json', 'policy.safetensors', 'training-state.safetensors']);
    expect(f.provenance.files['policy.safetensors']).toBe(await sha256Hex(ckptBytes));
    // A run without a saved state is a run file too (curves only).
    const bare = await buildRunFile({ run, points, saved: null, appVersion: '0.1.0', baseCheckpoint: { ref: run.checkpoint, sha256: null }, dataset: null });
    const g = await readRunFile(bare);
    expect(g.policy).toBeNull();
    expect(g.state).toBeNull();
    expect(g.points.length).toBe(3);
  });

  it('refuses foreign, damaged and edited files with specific messages', async () => {
    const good = await build();
    const cases: [string, Uint8Array, RegExp][] = [
      ['random bytes', new Uint8Array(100).fill(7), /not a zip archive/],
      ['truncated zip', good.subarray(0, Math.floor(good.length / 2)), /zip archive is damaged|holds no run\.json/],
      ['zip of something else', zipSync({ 'README.txt': strToU8('hello') }), /holds no run\.json \(it holds README\.txt\)/],
      ['run.json not JSON', rezip(good, (f) => { f['run.json'] = strToU8('{nope'); }), /run\.json is not JSON/],
      ['other format', rezip(good, (f) => { f['run.json'] = strToU8(JSON.stringify({ format: 'something/9' })); }), /format "something\/9", expected "dppo-workbench-run\/1"/],
      ['metrics edited', rezip(good, (f) => { f['metrics.json'] = strToU8('[]'); }), /metrics\.json does not match its SHA-256/],
      ['policy removed', rezip(good, (f) => { delete f['policy.safetensors']; }), /policy\.safetensors is listed in run\.json but missing/],
    ];
    for (const [name, bytes, re] of cases) {
      await expect(readRunFile(bytes, 'x.zip'), name).rejects.toThrow(re);
      await expect(readRunFile(bytes, 'x.zip'), name).rejects.toBeInstanceOf(UserError);
    }
    // A consistent file whose checkpoint or config is not valid: named as such.
    const badCkpt = rezip(good, (f) => {
      f['policy.safetensors'] = strToU8('not a checkpoint at all');
      const head = JSON.parse(new TextDecoder().decode(f['run.json']));
      head.provenance.files['policy.safetensors'] = null;
      delete head.provenance.files['policy.safetensors'];
      f['run.json'] = strToU8(JSON.stringify(head));
    });
    await expect(readRunFile(badCkpt, 'x.zip')).rejects.toThrow(/policy\.safetensors is not a valid checkpoint/);
    const badConfig = rezip(good, (f) => {
      const head = JSON.parse(new TextDecoder().decode(f['run.json']));
      head.run.config.nEnvs = -3;
      f['run.json'] = strToU8(JSON.stringify(head));
    });
    await expect(readRunFile(badConfig, 'x.zip')).rejects.toThrow(/config is not valid here: .*nEnvs/);
    expect(RUN_FILE_FORMAT).toBe('dppo-workbench-run/1');
  });
});
