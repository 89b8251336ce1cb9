/**
 * The readers against files written by the formats' own Python tools (tests/fixtures/make_datasets.py: h5py,
 * pyarrow, numpy): the values we read equal what Python wrote, episode boundaries follow each format's rule.
 */
import { describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors';
import { episodeView } from '../episodes';
import { expected, fixtureBytes } from './testing/fixtures';
import { ReadCancelled, detectDataset, readDataset, sourceFromBytes, sortNumeric, type ReadProgress, type ReadResult } from './index';

async function read(name: string, opts: Parameters<typeof readDataset>[1] = {}): Promise<ReadResult> {
  return readDataset(sourceFromBytes(fixtureBytes(name), name), opts);
}

/** Exact float32 equality with what Python wrote (JSON doubles of float32 values round-trip through fround). */
function expectValues(got: ArrayLike<number>, want: number[], what: string): void {
  expect(got.length, `${what} length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== Math.fround(want[i])) throw new Error(`${what}[${i}] = ${got[i]}, Python wrote ${want[i]}`);
  }
}

function expectMatches(r: ReadResult, name: string): void {
  const e = expected(name);
  const ds = r.dataset;
  expect([...ds.episodeLengths]).toEqual(e.lengths);
  expect(ds.obsDim).toBe(e.obs_dim);
  expect(ds.actDim).toBe(e.act_dim);
  expectValues(ds.obs, e.obs, 'obs');
  expectValues(ds.act, e.act, 'act');
  if (e.rew) expectValues(ds.rew!, e.rew, 'rew');
  if (e.terminals) expect([...ds.terminals!]).toEqual(e.terminals);
}

describe('format detection by content', () => {
  it.each([
    ['d4rl_hopper.hdf5', 'd4rl-hdf5'],
    ['robomimic_lowdim.hdf5', 'robomimic-hdf5'],
    ['minari_main_data.hdf5', 'minari-hdf5'],
    ['lerobot_file-000.parquet', 'lerobot-parquet'],
    ['dppo_train.npz', 'dppo-npz'],
  ])('%s → %s, whatever the file is called', async (file, format) => {
    expect(await detectDataset(sourceFromBytes(fixtureBytes(file), 'renamed.bin'))).toBe(format);
  });

  it('a normalization.npz, a checkpoint-shaped file and random bytes get specific errors', async () => {
    await expect(detectDataset(sourceFromBytes(fixtureBytes('dppo_normalization.npz'), 'n.npz'))).rejects.toThrow(/normalization\.npz.*goes with a train\.npz/);
    const st = new Uint8Array(24);
    new DataView(st.buffer).setBigUint64(0, 2n, true);
    st.set([0x7b, 0x7d], 8);
    await expect(detectDataset(sourceFromBytes(st, 'c.bin'))).rejects.toThrow(/safetensors checkpoint, not a dataset/);
    await expect(detectDataset(sourceFromBytes(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), 'r.bin'))).rejects.toThrow(/first bytes 01 02 03/);
    await expect(detectDataset(sourceFromBytes(new Uint8Array(0), 'e.bin'))).rejects.toThrow(/empty/);
  });
});

describe('D4RL HDF5', () => {
  it('episodes end at terminals OR timeouts; a trailing unflagged tail is its own episode; values exact (gzip)', async () => {
    const r = await read('d4rl_hopper.hdf5');
    expectMatches(r, 'd4rl_hopper.hdf5');
    expect(r.mapping.ends).toEqual(['terminals', 'timeouts']);
    expect(r.notes.join(' ')).toMatch(/last 4 steps have no terminal or timeout/);
    // Episode 1 ends at a timeout, not a terminal: its last terminal flag is 0.
    const ends = [...r.dataset.episodeLengths].reduce<number[]>((a, l) => [...a, (a.at(-1) ?? -1) + l], []);
    expect(r.dataset.terminals![ends[1]]).toBe(0);
    expect(r.dataset.terminals![ends[0]]).toBe(1);
  });

  it('pre-v2 files without timeouts and rewards [N, 1]', async () => {
    const r = await read('d4rl_old.hdf5');
    expectMatches(r, 'd4rl_old.hdf5');
    expect(r.notes.join(' ')).toMatch(/no 'timeouts'/);
  });
});

describe('robomimic HDF5', () => {
  it('demos in numeric order (demo_10 after demo_9), low-dim keys in the reference order, images skipped', async () => {
    const r = await read('robomimic_lowdim.hdf5');
    expectMatches(r, 'robomimic_lowdim.hdf5');
    const e = expected('robomimic_lowdim.hdf5');
    expect(r.mapping.obs.map((o) => o.key)).toEqual(e.obs_keys!.map((k) => `obs/${k}`));
    expect(r.mapping.unused).toEqual(['robot0_joint_pos']);
    expect(r.notes.join(' ')).toMatch(/agentview_image/);
    expect(r.hint.envName).toBe('Lift');
    expect(r.filterKeys).toEqual(e.masks);
    expect(sortNumeric(['demo_10', 'demo_9', 'demo_1', 'demo_2', 'x'], 'demo_')).toEqual(['demo_1', 'demo_2', 'demo_9', 'demo_10']);
  });

  it('mask/<key> keeps only the listed demos; an unknown filter names the ones there are', async () => {
    const r = await read('robomimic_lowdim.hdf5', { filterKey: 'valid' });
    const e = expected('robomimic_lowdim.hdf5');
    expect([...r.dataset.episodeLengths]).toEqual(e.valid_lengths);
    expectValues(r.dataset.obs, e.valid_obs!, 'valid obs');
    await expect(read('robomimic_lowdim.hdf5', { filterKey: 'better' })).rejects.toThrow(/no filter 'better'.*train, valid/);
  });

  it('a key order from the task registry is used, and a key it needs but the file lacks is named', async () => {
    const r = await read('robomimic_lowdim.hdf5', { obsKeyOrder: () => ['object', 'robot0_eef_pos'] });
    expect(r.dataset.obsDim).toBe(13);
    const e = expected('robomimic_lowdim.hdf5');
    // First row: object (the last 10 of the reference row) then eef_pos (its first 3).
    const row0 = e.obs.slice(0, 19).map(Math.fround);
    expect([...episodeView(r.dataset, 0).obs.subarray(0, 13)]).toEqual([...row0.slice(9, 19), ...row0.slice(0, 3)]);
    await expect(read('robomimic_lowdim.hdf5', { obsKeyOrder: () => ['robot1_eef_pos'] })).rejects.toThrow(/lacks robot1_eef_pos/);
  });
});

describe('Minari HDF5', () => {
  it('observations have one more row than actions: the last one is dropped; episodes numeric; terminations', async () => {
    const r = await read('minari_main_data.hdf5');
    expectMatches(r, 'minari_main_data.hdf5');
    expect(r.dataset.episodeLengths.length).toBe(11); // episode_10 is read after episode_9
    expect(r.hint.envName).toBe('mujoco/halfcheetah/expert-v0');
  });
});

describe('LeRobot v3 parquet', () => {
  it('interleaved frames regroup by episode_index in frame order (several row groups, snappy)', async () => {
    const r = await read('lerobot_file-000.parquet');
    expectMatches(r, 'lerobot_file-000.parquet');
    expect(r.notes.join(' ')).toMatch(/interleaved/);
  });

  it('gzip-compressed columns', async () => {
    expectMatches(await read('lerobot_gzip.parquet'), 'lerobot_gzip.parquet');
  });

  it('a missing frame is named with its episode', async () => {
    await expect(read('lerobot_gap.parquet')).rejects.toThrow(/episode_index 2: frame_index 4 is missing/);
  });
});

describe('DPPO npz', () => {
  it('train.npz written by numpy.savez_compressed, with its normalization.npz', async () => {
    const r = await read('dppo_train.npz', { normalization: sourceFromBytes(fixtureBytes('dppo_normalization.npz'), 'normalization.npz') });
    expectMatches(r, 'dppo_train.npz');
    expect(r.dataset.normalized).toBe(true);
    expect([...r.dataset.normalization!.actionMax]).toEqual([0.01, 0.01].map(Math.fround));
  });
});

describe('progress and cancel', () => {
  it('reports progress with an ETA that reaches 0, and an aborted read throws ReadCancelled', async () => {
    const seen: ReadProgress[] = [];
    await read('robomimic_lowdim.hdf5', { onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)!.etaS).toBe(0);
    const ac = new AbortController();
    const p = read('minari_main_data.hdf5', {
      signal: ac.signal,
      onProgress: () => ac.abort(),
    });
    await expect(p).rejects.toBeInstanceOf(ReadCancelled);
    await expect(p).rejects.toBeInstanceOf(UserError);
  });
});
