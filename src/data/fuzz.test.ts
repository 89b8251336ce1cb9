/**
 * Fuzzing `dppo inspect` (issue: "a corpus of at least 200 mutated, truncated and random files across all
 * formats; each gives a specific error: non-zero exit, one {"error": …} line, no stack trace, ≤ 10 s").
 * Seeds: every dataset fixture (D4RL, robomimic, Minari HDF5; LeRobot parquet snappy + gzip; DPPO train.npz and
 * normalization.npz) and checkpoints (a bundled safetensors, the importer's ONNX export of a bundled policy, a
 * PyTorch-style zip with data.pkl, ONNX-like protobuf, a TF.js model.json). Mutations: truncation, byte flips in the header region and anywhere, zeroed
 * windows, inserted chunks, a valid magic followed by noise, pure noise. A mutation that only touches data
 * values can leave a valid file: then exit 0 with a summary is right, and such files do not count toward
 * the 200. All files run in a few node processes (tests/fuzz/runInspect.mjs), each file under a watchdog.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync, strToU8 } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { decodeCheckpoint } from '../policy/checkpoint';
import { exportCheckpoint } from './checkpoints';
import { fixtureBytes } from './readers/testing/fixtures';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RUNNER = join(ROOT, 'tests/fuzz/runInspect.mjs');
const PER_FILE_MS = 10_000;

async function seeds(): Promise<{ name: string; bytes: Uint8Array }[]> {
  const fx = ['d4rl_hopper.hdf5', 'd4rl_old.hdf5', 'robomimic_lowdim.hdf5', 'minari_main_data.hdf5', 'lerobot_file-000.parquet', 'lerobot_gzip.parquet', 'dppo_train.npz', 'dppo_normalization.npz'];
  const out = fx.map((name) => ({ name, bytes: fixtureBytes(name) }));
  out.push({ name: 'gaussian.safetensors', bytes: new Uint8Array(readFileSync(join(ROOT, 'public/checkpoints/avoid-m1/gaussian-mlp.safetensors'))) });
  // The checkpoint importer's own ONNX export of a bundled diffusion policy (src/data/checkpoints).
  const diffusion = decodeCheckpoint(new Uint8Array(readFileSync(join(ROOT, 'public/checkpoints/avoid-m1/diffusion-mlp.safetensors'))));
  for (const f of await exportCheckpoint(diffusion, 'onnx')) out.push({ name: f.name, bytes: f.bytes });
  // PyTorch's zip layout (torch.save): <name>/data.pkl (pickle protocol 2), <name>/data/0 (storage), <name>/version.
  const pkl = new Uint8Array([0x80, 0x02, 0x7d, 0x71, 0x00, 0x58, 0x05, 0x00, 0x00, 0x00, 0x65, 0x70, 0x6f, 0x63, 0x68, 0x71, 0x01, 0x4b, 0x0a, 0x73, 0x2e]);
  out.push({ name: 'state.pt', bytes: zipSync({ 'archive/data.pkl': [pkl, { level: 0 }], 'archive/data/0': [new Uint8Array(64), { level: 0 }], 'archive/version': [strToU8('3\n'), { level: 0 }] }) });
  // ONNX ModelProto: ir_version (field 1), producer_name (field 2) …
  out.push({ name: 'policy.onnx', bytes: new Uint8Array([0x08, 0x08, 0x12, 0x07, ...strToU8('pytorch'), 0x1a, 0x03, ...strToU8('2.1'), 0x3a, 0x10, ...new Uint8Array(16).fill(7)]) });
  out.push({ name: 'model.json', bytes: strToU8(JSON.stringify({ format: 'layers-model', modelTopology: { class_name: 'Sequential' }, weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'd/kernel', shape: [4, 2], dtype: 'float32' }] }] })) });
  return out;
}

type Mutation = (b: Uint8Array, rng: Rng) => Uint8Array;

const MUTATIONS: [string, Mutation][] = [
  ['truncated', (b, rng) => b.slice(0, Math.max(1, Math.floor(b.length * rng.uniform())))],
  ['truncated-early', (b, rng) => b.slice(0, 1 + rng.int(Math.min(b.length, 600)))],
  ['header-flips', (b, rng) => flip(b, rng, 1 + rng.int(12), Math.min(b.length, 4096))],
  ['flips', (b, rng) => flip(b, rng, 1 + rng.int(40), b.length)],
  ['zeroed-window', (b, rng) => {
    const c = b.slice();
    const at = rng.int(Math.max(1, c.length - 256));
    c.fill(0, at, at + 256);
    return c;
  }],
  ['inserted-chunk', (b, rng) => {
    const at = rng.int(b.length);
    const junk = Uint8Array.from({ length: 1 + rng.int(300) }, () => rng.int(256));
    const c = new Uint8Array(b.length + junk.length);
    c.set(b.subarray(0, at));
    c.set(junk, at);
    c.set(b.subarray(at), at + junk.length);
    return c;
  }],
  ['magic-then-noise', (b, rng) => {
    const keep = Math.min(b.length, 8 + rng.int(64));
    const c = new Uint8Array(keep + rng.int(4000));
    c.set(b.subarray(0, keep));
    for (let i = keep; i < c.length; i++) c[i] = rng.int(256);
    return c;
  }],
];

function flip(b: Uint8Array, rng: Rng, n: number, within: number): Uint8Array {
  const c = b.slice();
  for (let k = 0; k < n; k++) c[rng.int(within)] ^= 1 + rng.int(255);
  return c;
}

interface Record {
  i: number;
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the runner over `files`, restarting after a hang (killed at PER_FILE_MS) or an HDF5 abort exit. */
function runAll(files: string[], listPath: string): Promise<Map<number, Record | 'timeout'>> {
  const results = new Map<number, Record | 'timeout'>();
  writeFileSync(listPath, JSON.stringify(files));
  const runFrom = (from: number): Promise<number> =>
    new Promise((done, fail) => {
      const child = spawn(process.execPath, [RUNNER, listPath, String(from)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let buf = '';
      let current = from;
      let timer: NodeJS.Timeout | null = null;
      let errText = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (errText += d));
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const msg = JSON.parse(line) as { start?: number } & Partial<Record>;
          if (msg.start !== undefined) {
            current = msg.start;
            if (timer) clearTimeout(timer);
            timer = setTimeout(() => {
              results.set(current, 'timeout');
              child.kill('SIGKILL');
            }, PER_FILE_MS);
          } else {
            if (timer) clearTimeout(timer);
            results.set(msg.i!, msg as Record);
          }
        }
      });
      child.on('error', fail);
      child.on('close', (code) => {
        if (timer) clearTimeout(timer);
        if (code !== 0 && code !== 3 && !results.has(current)) fail(new Error(`runner exited ${code}: ${errText.slice(-2000)}`));
        else done(code === 0 ? files.length : current + 1);
      });
    });
  return (async () => {
    let next = 0;
    while (next < files.length) next = await runFrom(next);
    return results;
  })();
}

const GENERIC = /undefined|\[object |is not a function|Cannot read prop|of null|NaN|Maximum call stack|out of bounds|Invalid typed array/;

describe('dppo inspect on a fuzzed corpus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dppo-fuzz-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('≥ 200 damaged files across all formats each give one specific {"error"} line, exit 1, no stack, ≤ 10 s', async () => {
    const rng = new Rng(20261201);
    const files: { path: string; what: string }[] = [];
    const all = await seeds();
    all.forEach((s, si) => {
      for (let k = 0; k < 21; k++) {
        const [mname, m] = MUTATIONS[k % MUTATIONS.length];
        const path = join(dir, `f${si}-${k}-${mname}.bin`);
        writeFileSync(path, m(s.bytes, rng));
        files.push({ path, what: `${s.name} ${mname}` });
      }
    });
    for (let k = 0; k < 24; k++) {
      const path = join(dir, `random-${k}.bin`);
      writeFileSync(path, Uint8Array.from({ length: 1 + rng.int(3000) }, () => rng.int(256)));
      files.push({ path, what: 'random bytes' });
    }
    const t0 = Date.now();
    const results = await runAll(files.map((f) => f.path), join(dir, 'list.json'));
    const wall = (Date.now() - t0) / 1000;
    const problems: string[] = [];
    let errors = 0;
    let accepted = 0;
    let slowest = 0;
    files.forEach((f, i) => {
      const r = results.get(i);
      if (!r) return problems.push(`${f.what}: no result`);
      if (r === 'timeout') return problems.push(`${f.what}: ran past ${PER_FILE_MS / 1000} s`);
      slowest = Math.max(slowest, r.ms);
      if (/\n\s+at /.test(r.stderr) || /uncaught/.test(r.stderr)) return problems.push(`${f.what}: stack trace: ${r.stderr.slice(0, 300)}`);
      const lines = r.stdout.trim().split('\n');
      if (lines.length !== 1) return problems.push(`${f.what}: ${lines.length} stdout lines`);
      const obj = JSON.parse(lines[0]) as { error?: string; final?: boolean };
      if (r.code === 0 && obj.final) return void accepted++;
      if (r.code !== 1 || typeof obj.error !== 'string') return problems.push(`${f.what}: exit ${r.code}, ${lines[0].slice(0, 200)}`);
      if (obj.error.length < 25 || GENERIC.test(obj.error)) return problems.push(`${f.what}: vague error "${obj.error}"`);
      errors++;
    });
    console.log(`fuzz: ${files.length} files, ${errors} specific errors, ${accepted} still valid, slowest ${slowest} ms, ${wall.toFixed(1)} s wall`);
    expect(problems, problems.slice(0, 15).join('\n')).toEqual([]);
    expect(errors).toBeGreaterThanOrEqual(200);
  }, 240_000);
});
