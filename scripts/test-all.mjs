#!/usr/bin/env node
// `npm test`: every test suite in order, each step's result printed, non-zero exit if any failed.
// Steps run even after a failure so one run reports everything. Add a suite = add one entry to STEPS.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** name → commands run in sequence (a step fails at its first failing command). */
const STEPS = [
  { name: 'static (tsc, eslint layer rules)', commands: [['npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']], ['npx', ['eslint', 'src', 'e2e', 'bench', 'scripts']]] },
  {
    name: 'unit (vitest)',
    commands: [
      // The dataset readers' fixtures are written by the formats' own Python tools (h5py, pyarrow, numpy).
      ['node', ['scripts/ensure-pyenv.mjs']],
      ['.venv/bin/python', ['tests/fixtures/make_datasets.py']],
      ['npx', ['vitest', 'run']],
    ],
  },
  {
    name: 'parity with Gymnasium (pytest, native MuJoCo 3.14.0)',
    commands: [
      ['node', ['scripts/ensure-pyenv.mjs']],
      ['.venv/bin/python', ['-m', 'pytest', 'tests/parity', '-q']],
    ],
  },
  {
    name: 'checkpoint export (pytest: safetensors + numpy forward, torch.save .pt fixtures, refused pickles)',
    commands: [
      ['node', ['scripts/ensure-pyenv.mjs']],
      ['.venv/bin/python', ['-m', 'pytest', 'tests/export', '-q']],
    ],
  },
  {
    name: 'bridge (pytest, real processes)',
    commands: [
      ['node', ['scripts/ensure-pyenv.mjs']],
      ['.venv/bin/python', ['-m', 'pytest', 'bridge/tests', '-q']],
    ],
  },
  {
    name: 'e2e (Chromium, built app)',
    commands: [
      ['node', ['scripts/ensure-chromium.mjs']],
      ['npx', ['vite', 'build']],
      ['node', ['e2e/run.mjs']],
    ],
  },
];

const results = [];
for (const step of STEPS) {
  console.log(`\n=== ${step.name} ===`);
  const t0 = Date.now();
  let ok = true;
  for (const [cmd, args] of step.commands) {
    console.log(`$ ${cmd} ${args.join(' ')}`);
    const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
    if (r.status !== 0) {
      ok = false;
      console.log(`--- ${cmd} ${args.join(' ')} failed (${r.error ? r.error.message : `exit ${r.status ?? r.signal}`})`);
      break;
    }
  }
  results.push({ name: step.name, ok, seconds: (Date.now() - t0) / 1000 });
}

console.log('\n=== summary ===');
for (const r of results) console.log(`${r.ok ? 'PASS' : 'FAIL'}  ${r.name}  (${r.seconds.toFixed(1)} s)`);
const failed = results.filter((r) => !r.ok).length;
console.log(`steps: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
