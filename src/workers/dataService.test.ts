import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fixtureBytes } from '../data/readers/testing/fixtures';
import type { DataResponse } from './dataProtocol';
import { createDataService } from './dataService';

function service() {
  const out: DataResponse[] = [];
  const s = createDataService((m) => out.push(m), async (path) => new Uint8Array(readFileSync(join(PACKAGE_ROOT, 'public', path))));
  return { s, out, last: () => out[out.length - 1] };
}

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const blob = (name: string) => ({ name, blob: new Blob([new Uint8Array(fixtureBytes(name))]) });

describe('data worker service', () => {
  it('reads a dropped file with progress, suggests the task, analyses it, serves episodes and training arrays', async () => {
    const { s, out, last } = service();
    await s.handle({ type: 'read', reqId: 1, files: [blob('minari_main_data.hdf5')] });
    const done = last();
    if (done.type !== 'read-done') throw new Error(JSON.stringify(done));
    expect(out.some((m) => m.type === 'progress')).toBe(true);
    expect(done.view.summary).toMatchObject({ format: 'minari-hdf5', episodes: 11, obs_dim: 17, act_dim: 6 });
    expect(done.view.task).toBe('halfcheetah');
    expect(done.view.analysis.sanity.chunk).toBeGreaterThan(0);
    expect(done.view.preview.kind).toBe('obs');
    await s.handle({ type: 'episode', reqId: 2, key: done.view.key, index: 10 });
    const ep = last();
    if (ep.type !== 'episode') throw new Error(JSON.stringify(ep));
    expect(ep.episode.obs.length).toBe(ep.episode.length * 17);
    await s.handle({ type: 'training-data', reqId: 3, key: done.view.key });
    const td = last();
    if (td.type !== 'training-data') throw new Error(JSON.stringify(td));
    expect(td.data.states.length).toBe(done.view.summary.steps * 17);
  });

  it('train.npz + normalization.npz dropped together are paired by content; a bundled dataset uses its task view', async () => {
    const { s, last } = service();
    await s.handle({ type: 'read', reqId: 1, files: [blob('dppo_normalization.npz'), blob('dppo_train.npz')] });
    const r = last();
    if (r.type !== 'read-done') throw new Error(JSON.stringify(r));
    expect(r.view.summary.has_normalization).toBe(true);
    await s.handle({ type: 'read-bundled', reqId: 2, ref: 'builtin:avoid-m2/train' });
    const b = last();
    if (b.type !== 'read-done') throw new Error(JSON.stringify(b));
    expect(b.view.task).toBe('avoid-m2');
    expect(b.view.preview.kind).toBe('task');
  });

  it('bad files and cancelled reads answer with an error, and the service keeps working', async () => {
    const { s, last } = service();
    await s.handle({ type: 'read', reqId: 1, files: [{ name: 'x.bin', blob: new Blob([new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])]) }] });
    expect(last()).toMatchObject({ type: 'error', reqId: 1, message: expect.stringMatching(/not a format we read/) });
    const p = s.handle({ type: 'read', reqId: 2, files: [blob('robomimic_lowdim.hdf5')] });
    await s.handle({ type: 'cancel', reqId: 2 });
    await p;
    expect(last()).toMatchObject({ type: 'error', reqId: 2, cancelled: true });
    await s.handle({ type: 'read', reqId: 3, files: [blob('lerobot_file-000.parquet')] });
    expect(last()).toMatchObject({ type: 'read-done', reqId: 3 });
  });
});
