/**
 * Test helper: the format-faithful fixtures written by tests/fixtures/make_datasets.py (h5py, pyarrow,
 * numpy from .venv). Regenerated when the folder is missing or its STAMP differs from the script's VERSION,
 * so a data test run alone still has its files. Node only (tests).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const FIXTURE_DIR = join(ROOT, 'tests/fixtures/generated');
const SCRIPT = join(ROOT, 'tests/fixtures/make_datasets.py');

function scriptVersion(): string {
  const m = /^VERSION = (\d+)/m.exec(readFileSync(SCRIPT, 'utf8'));
  return m ? m[1] : '?';
}

let ensured = false;

/** Makes sure the fixtures exist (runs the Python script through .venv, creating it when needed). */
export function ensureFixtures(): string {
  if (ensured) return FIXTURE_DIR;
  const stamp = join(FIXTURE_DIR, 'STAMP');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== scriptVersion()) {
    const py = join(ROOT, '.venv/bin/python');
    const ensurePyenv = () => {
      const r = spawnSync('node', [join(ROOT, 'scripts/ensure-pyenv.mjs')], { stdio: 'inherit' });
      if (r.status !== 0) throw new Error('could not create .venv for the dataset fixtures (node scripts/ensure-pyenv.mjs)');
    };
    if (!existsSync(py)) ensurePyenv();
    let r = spawnSync(py, [SCRIPT, FIXTURE_DIR], { encoding: 'utf8' });
    if (r.status !== 0 && /ModuleNotFoundError/.test(r.stderr ?? '')) {
      // An older .venv without h5py/pyarrow: bring it up to requirements-dev.txt and try again.
      ensurePyenv();
      r = spawnSync(py, [SCRIPT, FIXTURE_DIR], { encoding: 'utf8' });
    }
    if (r.status !== 0) throw new Error(`tests/fixtures/make_datasets.py failed: ${r.stderr || r.stdout}`);
  }
  ensured = true;
  return FIXTURE_DIR;
}

export function fixturePath(name: string): string {
  return join(ensureFixtures(), name);
}

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(name)));
}

export interface Expected {
  episodes: number;
  lengths: number[];
  obs_dim: number;
  act_dim: number;
  obs: number[];
  act: number[];
  rew?: number[];
  terminals?: number[];
  env_name?: string;
  obs_keys?: string[];
  masks?: string[];
  valid_lengths?: number[];
  valid_obs?: number[];
  error?: string;
}

export function expected(name: string): Expected {
  return JSON.parse(readFileSync(fixturePath(`${name}.expected.json`), 'utf8')) as Expected;
}
