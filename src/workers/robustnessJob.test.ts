/**
 * The train worker's 'robustness' checkpoint job (checkpointJobs.ts) through its own message handler, as the
 * Policies page drives it: every cell arrives as a progress message before the result, a 'cancel' job stops
 * the study inside a cell and is answered at once, and a checkpoint of another task is refused by name.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTf } from '../policy/tfSetup';
import { handleCheckpointMessage } from './checkpointJobs';
import type { CheckpointJob, CheckpointJobResult, CheckpointResponse, RobustnessCell } from './checkpointProtocol';
import { setAssetReader } from './runAssets';

const PUBLIC = new URL('../../public/', import.meta.url);
let nextId = 9000;

interface Sent {
  id: number;
  done: Promise<CheckpointJobResult>;
  cells: RobustnessCell[];
  progress: number[];
}

function send(job: CheckpointJob): Sent {
  const id = nextId++;
  const cells: RobustnessCell[] = [];
  const progress: number[] = [];
  const done = new Promise<CheckpointJobResult>((resolve, reject) => {
    handleCheckpointMessage({ type: 'checkpoint', requestId: id, job }, (r: CheckpointResponse) => {
      if (r.type === 'checkpoint-progress') {
        progress.push(r.fraction);
        if (r.cell) cells.push(r.cell);
      } else if (r.type === 'checkpoint-result') resolve(r.result);
      else reject(new Error(r.message));
    });
  });
  return { id, done, cells, progress };
}

const HOPPER = [
  { name: 'DPPO', ref: 'builtin:hopper/diffusion-mlp' },
  { name: 'Gaussian', ref: 'builtin:hopper/gaussian-mlp' },
];

describe("train worker 'robustness' job", () => {
  beforeAll(async () => {
    await initTf('cpu');
    setAssetReader(async (path) => new Uint8Array(await readFile(new URL(path, PUBLIC))));
  });
  afterAll(() => setAssetReader(null));

  it('streams every cell of both policies, then the result', async () => {
    const s = send({ kind: 'robustness', task: 'hopper', policies: HOPPER, sigmas: [0, 0.3], initNoiseScales: [1, 4], episodes: 1, seed: 1, maxEpisodeSteps: 40 });
    const r = await s.done;
    if (r.kind !== 'robustness') throw new Error(`unexpected result ${r.kind}`);
    expect(r.result.cancelled).toBe(false);
    expect(r.result.cells.map((c) => [c.policy, c.action_noise, c.init_noise_scale])).toEqual([
      ['DPPO', 0, 1],
      ['DPPO', 0.3, 1],
      ['DPPO', 0, 4],
      ['Gaussian', 0, 1],
      ['Gaussian', 0.3, 1],
      ['Gaussian', 0, 4],
    ]);
    expect(s.cells).toEqual(r.result.cells);
    for (const c of r.result.cells) expect(Number.isFinite(c.avg_return)).toBe(true);
    expect(s.progress.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= s.progress[i - 1]))).toBe(true);
  }, 60_000);

  it('a cancel job stops the study inside a cell and is answered before it ends', async () => {
    const s = send({ kind: 'robustness', task: 'hopper', policies: HOPPER, sigmas: [0, 0.1], initNoiseScales: [1], episodes: 1, seed: 0, maxEpisodeSteps: 1000 });
    // Wait for some progress inside the first cell (DPPO, 1,000 steps), then cancel.
    while (s.progress.length < 3) await new Promise((r) => setTimeout(r, 20));
    const cancel = send({ kind: 'cancel', target: s.id });
    const c = await cancel.done;
    expect(c).toEqual({ kind: 'cancel', found: true });
    const r = await s.done;
    if (r.kind !== 'robustness') throw new Error(`unexpected result ${r.kind}`);
    expect(r.result.cancelled).toBe(true);
    expect(r.result.cells.length).toBeLessThan(4);
    // Cancelling a finished request finds nothing.
    expect(await send({ kind: 'cancel', target: s.id }).done).toEqual({ kind: 'cancel', found: false });
  }, 60_000);

  it('refuses a checkpoint of another task with its name', async () => {
    const s = send({ kind: 'robustness', task: 'hopper', policies: [{ name: 'x', ref: 'builtin:avoid-m2/diffusion-mlp' }], sigmas: [0], initNoiseScales: [1], episodes: 1, seed: 0 });
    await expect(s.done).rejects.toThrow(/builtin:avoid-m2\/diffusion-mlp was trained on avoid-m2, not hopper/);
  });
});
