import { spawn as spawnProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng';
import { isTaskId } from '../registry';
import type { ChunkStepResult, VecEnv, VecEnvOptions } from '../types';
import { createVectorEnv } from '../vectorEnv';
import { createPooledVecEnv, defaultPoolWorkers, logicalCores, nodeSpawn, splitEnvs, WorkerPoolVecEnv, type PoolEndpoint, type SpawnPoolWorker } from './index';
import type { PoolRequest } from './protocol';

const open: VecEnv[] = [];
afterAll(async () => {
  await Promise.all(open.map((v) => v.dispose()));
});

async function pool(opts: VecEnvOptions, workers: number, transport: 'shared' | 'transfer' = 'shared', spawn?: SpawnPoolWorker): Promise<WorkerPoolVecEnv> {
  const p = await WorkerPoolVecEnv.create(opts, { workers, transport, spawn: spawn ?? nodeSpawn() });
  open.push(p);
  return p;
}

/** Random raw chunks [n, Ta, Da] inside the spec's action bounds (a little beyond, for clamping tasks). */
function randomChunks(venv: VecEnv, Ta: number, rng: Rng): Float32Array {
  const { actDim: Da, actLow, actHigh } = venv.spec;
  const a = new Float32Array(venv.nEnvs * Ta * Da);
  for (let i = 0; i < a.length; i++) a[i] = rng.range(actLow[i % Da] * 1.2, actHigh[i % Da] * 1.2);
  return a;
}

/** Bitwise equality of two chunk results, field by field (NaN-safe: compares the bytes). */
function expectSameResult(a: ChunkStepResult, b: ChunkStepResult, where: string): void {
  for (const key of ['obs', 'reward', 'terminated', 'truncated', 'executed', 'trace', 'tags'] as const) {
    const x = new Uint8Array(a[key].buffer, a[key].byteOffset, a[key].byteLength);
    const y = new Uint8Array(b[key].buffer, b[key].byteOffset, b[key].byteLength);
    expect(x.length, `${where}: ${key} length`).toBe(y.length);
    expect(Buffer.compare(x, y), `${where}: ${key} differs`).toBe(0);
  }
}

/**
 * Steps the in-process VectorEnv and the pool with the same seed and actions and compares every result
 * bitwise; chunk lengths vary (Ta ≥ Te), so the shared action slab is regrown mid-run. Returns how many
 * episodes ended (so a test can check that resets, and their seeds, were exercised).
 */
async function compareWithInProcess(opts: VecEnvOptions, workers: number, transport: 'shared' | 'transfer', chunks: number): Promise<number> {
  const ref = await createVectorEnv(opts);
  const p = await pool(opts, workers, transport);
  try {
    expect(p.workers).toBe(Math.min(workers, opts.nEnvs));
    expect(p.transport).toBe(transport);
    expect([p.spec, p.maxEpisodeSteps, p.traceDim, [...p.tagKeys]]).toEqual([ref.spec, ref.maxEpisodeSteps, ref.traceDim, [...ref.tagKeys]]);
    const o0 = await ref.reset();
    const o1 = await p.reset();
    expect(Buffer.compare(Buffer.from(o0.buffer), Buffer.from(o1.buffer))).toBe(0);
    const rng = new Rng(11);
    let ended = 0;
    for (let c = 0; c < chunks; c++) {
      const Ta = opts.actSteps + (c % 3 === 2 ? 4 : 0);
      const actions = randomChunks(ref, Ta, rng);
      const a = await ref.stepChunk(actions, Ta);
      const b = await p.stepChunk(actions, Ta);
      expectSameResult(a, b, `${opts.taskId} chunk ${c}`);
      for (let i = 0; i < opts.nEnvs; i++) ended += a.terminated[i] | a.truncated[i];
    }
    return ended;
  } finally {
    await ref.dispose();
    await p.dispose();
  }
}

describe('WorkerPoolVecEnv', () => {
  it('splits envs in contiguous slices that differ by at most one', () => {
    expect(splitEnvs(5, 2)).toEqual([{ first: 0, count: 2 }, { first: 2, count: 3 }]);
    expect(splitEnvs(3, 8)).toEqual([{ first: 0, count: 1 }, { first: 1, count: 1 }, { first: 2, count: 1 }]);
    expect(splitEnvs(40, 3).map((s) => s.count)).toEqual([13, 13, 14]);
  });

  it('two-goals: 2 workers give bitwise the in-process results (shared slabs and transferables)', async () => {
    const opts = { taskId: 'two-goals', nEnvs: 5, actSteps: 4, seed: 3 };
    expect(await compareWithInProcess(opts, 2, 'shared', 16)).toBeGreaterThan(0);
    expect(await compareWithInProcess(opts, 2, 'transfer', 16)).toBeGreaterThan(0);
  });

  it.skipIf(!isTaskId('hopper'))('hopper: 2 workers give bitwise the in-process results, resets (and their seeds) included', async () => {
    const opts = { taskId: 'hopper', nEnvs: 5, actSteps: 4, seed: 7, maxEpisodeSteps: 40 };
    // Random actions topple the Hopper within a few dozen steps; the horizon of 40 truncates the rest.
    expect(await compareWithInProcess(opts, 2, 'shared', 40)).toBeGreaterThan(10);
    expect(await compareWithInProcess({ ...opts, nEnvs: 3 }, 2, 'transfer', 20)).toBeGreaterThan(3);
  });

  it('defaults to one worker per core in Node (at least 1, at most 8)', () => {
    expect(defaultPoolWorkers()).toBe(Math.max(1, Math.min(8, logicalCores())));
  });

  it('createPooledVecEnv: workers 0 is the in-process env, workers ≥ 1 a pool of threads', async () => {
    const opts = { taskId: 'two-goals', nEnvs: 2, actSteps: 4, seed: 0 };
    const inProc = await createPooledVecEnv(opts, { workers: 0 });
    expect(inProc).not.toBeInstanceOf(WorkerPoolVecEnv);
    await inProc.dispose();
    const one = await createPooledVecEnv(opts, { workers: 1 });
    expect(one).toBeInstanceOf(WorkerPoolVecEnv);
    expect((one as WorkerPoolVecEnv).workers).toBe(1);
    await one.reset();
    await one.dispose();
  });

  it("rejects with the worker's error: unknown task at start-up, a failing step; bad calls before any worker steps", async () => {
    await expect(WorkerPoolVecEnv.create({ taskId: 'no-such-task', nEnvs: 2, actSteps: 4, seed: 0 }, { workers: 2, spawn: nodeSpawn() })).rejects.toThrow(
      /Unknown task "no-such-task"/,
    );

    // A spawn that corrupts the next step request on its way to worker 1 (Ta = 1 < actSteps): the worker's
    // VectorEnv throws, and the pool must reject with that message.
    let corrupt = false;
    const base = nodeSpawn();
    const tampering: SpawnPoolWorker = (index) => {
      const ep = base(index);
      return {
        ...ep,
        post: (msg: PoolRequest, transfer: ArrayBuffer[]) => {
          if (index === 1 && corrupt && msg.type === 'step') {
            corrupt = false;
            ep.post({ ...msg, Ta: 1 }, transfer);
          } else ep.post(msg, transfer);
        },
      } satisfies PoolEndpoint;
    };
    const p = await pool({ taskId: 'two-goals', nEnvs: 4, actSteps: 4, seed: 0 }, 2, 'shared', tampering);
    await expect(p.stepChunk(new Float32Array(4 * 4 * 2), 4)).rejects.toThrow(/reset\(\) must come before stepChunk/);
    await p.reset();
    await expect(p.stepChunk(new Float32Array(3), 4)).rejects.toThrow(/Actions must be \[4, 4, 2\]/);
    await expect(p.stepChunk(new Float32Array(4 * 2 * 2), 2)).rejects.toThrow(/Ta=2 is shorter than actSteps=4/);
    corrupt = true;
    await expect(p.stepChunk(new Float32Array(4 * 4 * 2), 4)).rejects.toThrow(/Chunk length Ta=1 is shorter than actSteps=4/);
    // The pool stays usable after a reported error, as the in-process env does.
    const r = await p.stepChunk(new Float32Array(4 * 4 * 2), 4);
    expect(r.executed).toEqual(Uint8Array.of(4, 4, 4, 4));
  });

  it('a worker that dies fails the pending call and every later one clearly; dispose still completes', async () => {
    const faulty = nodeSpawn({ entry: new URL('./testdata/faultyWorker.mjs', import.meta.url) });
    const opts = { taskId: 'two-goals', nEnvs: 4, actSteps: 4, seed: 0 };
    for (const [Ta, why] of [
      [4, /sim worker \d stopped: the worker thread exited \(code 3\)/],
      [5, /sim worker \d stopped: boom outside a request/],
    ] as const) {
      const p = await pool(opts, 2, 'transfer', faulty);
      await p.reset();
      await expect(p.stepChunk(new Float32Array(4 * Ta * 2), Ta)).rejects.toThrow(why);
      await expect(p.reset()).rejects.toThrow(/unusable: sim worker \d stopped earlier/);
      await p.dispose();
    }
  });

  it('dispose frees the envs and stops every worker once; later calls reject', async () => {
    const terminated: number[] = [];
    const base = nodeSpawn();
    const counting: SpawnPoolWorker = (index) => {
      const ep = base(index);
      return { ...ep, terminate: () => (terminated.push(index), ep.terminate()) } satisfies PoolEndpoint;
    };
    const p = await pool({ taskId: 'two-goals', nEnvs: 3, actSteps: 4, seed: 0 }, 3, 'shared', counting);
    await p.reset();
    const pending = p.stepChunk(new Float32Array(3 * 4 * 2), 4);
    const d1 = p.dispose();
    const d2 = p.dispose();
    await expect(pending).resolves.toBeDefined(); // a call in flight still gets its answer
    await Promise.all([d1, d2]);
    expect(terminated.sort()).toEqual([0, 1, 2]);
    await expect(p.reset()).rejects.toThrow(/used after dispose/);
  });

  it('an idle pool that was never disposed does not keep a Node process alive', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dppo-pool-'));
    const script = join(dir, 'forgotten.mts');
    const index = fileURLToPath(new URL('./index.ts', import.meta.url));
    writeFileSync(
      script,
      `import { createPooledVecEnv } from ${JSON.stringify(index)};
const p = await createPooledVecEnv({ taskId: 'two-goals', nEnvs: 2, actSteps: 4, seed: 0 }, { workers: 2 });
await p.reset();
await p.stepChunk(new Float32Array(16), 4);
console.log('stepped');
`,
    );
    try {
      const tsx = fileURLToPath(new URL('../../../node_modules/tsx/dist/cli.mjs', import.meta.url));
      const child = spawnProcess(process.execPath, [tsx, script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const code = await new Promise<number | string>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve('hung');
        }, 30_000);
        child.on('exit', (c) => {
          clearTimeout(timer);
          resolve(c ?? -1);
        });
      });
      expect({ code, out: out.trim() }).toEqual({ code: 0, out: 'stepped' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
