#!/usr/bin/env node
// Makes sure the repo's Python environment for the parity tests exists: `.venv/` (git-ignored) with the
// packages of requirements-dev.txt from PyPI (mujoco 3.14.0 = the WASM build's engine, Gymnasium with the
// v4 envs, numpy, pytest; the bridge package `./bridge` (editable) with websockets, ray and vermin for its
// tests). Idempotent: a stamp file in .venv records the requirements and the interpreter
// it was built with; when both match and the packages import, nothing is installed.
// Needs python3 with the venv module (Debian/Ubuntu: python3-venv). When it is missing and we run as root
// with apt-get, installs it like ensure-chromium.mjs installs chromium; otherwise says what to do and exits 1.
// $PYTHON picks another interpreter (default python3).
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const venv = join(root, '.venv');
const venvPython = join(venv, 'bin', 'python');
const requirementsFile = join(root, 'requirements-dev.txt');
const stampFile = join(venv, '.dppo-requirements.stamp');
const python = process.env.PYTHON ?? 'python3';

function log(msg) {
  console.log(`ensure-pyenv: ${msg}`);
}

function fail(msg) {
  console.error(`ensure-pyenv: ${msg}`);
  process.exit(1);
}

/** Runs a command quietly; returns {ok, out}. */
function probe(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

/** Runs a command with inherited output; exits with a message when it fails. */
function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) fail(`${what} failed (${r.error ? r.error.message : `exit ${r.status ?? r.signal}`}).`);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = probe('sh', ['-c', 'command -v apt-get']).ok;

/** python3 with a working `venv` + `ensurepip` (Debian splits them into python3-venv). */
function pythonReady() {
  return probe(python, ['-c', 'import venv, ensurepip']).ok;
}

function ensurePython() {
  if (pythonReady()) return;
  const haveInterpreter = probe(python, ['--version']).ok;
  const missing = haveInterpreter ? `${python} has no venv/ensurepip module` : `no ${python} on PATH`;
  if (!isRoot || !hasApt || process.env.PYTHON) {
    fail(
      `${missing}. Install Python 3.10+ with venv support (Debian/Ubuntu: sudo apt-get install -y python3 python3-venv), ` +
        'or set PYTHON to such an interpreter, then run the tests again.',
    );
  }
  log(`${missing}; installing Debian's python3 and python3-venv with apt-get…`);
  try {
    execSync('apt-get update && apt-get install -y python3 python3-venv', { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch {
    fail('apt-get could not install python3-venv. Install it by hand or set PYTHON to an interpreter with venv.');
  }
  if (!pythonReady()) fail(`python3-venv installed but ${python} still cannot create environments; set PYTHON.`);
}

/** What the stamp records: the requirement lines and the interpreter the venv was made from. */
function wantedStamp() {
  const requirements = readFileSync(requirementsFile, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const version = probe(venvPython, ['-c', 'import sys; print(sys.version)']).out;
  return JSON.stringify({ requirements, python: version }, null, 1);
}

function importsWork() {
  return probe(venvPython, ['-c', 'import mujoco, gymnasium, numpy, pytest, websockets, ray, vermin, dppo_bridge; assert mujoco.__version__ == "3.14.0", mujoco.__version__']).ok;
}

if (existsSync(venvPython) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === wantedStamp() && importsWork()) {
  log(`${venv} is up to date`);
  process.exit(0);
}

if (!existsSync(venvPython) || !probe(venvPython, ['-c', 'import pip']).ok) {
  ensurePython();
  if (existsSync(venv)) rmSync(venv, { recursive: true, force: true });
  log(`creating ${venv} with ${python} -m venv`);
  run(python, ['-m', 'venv', venv], `${python} -m venv .venv`);
}
log('installing requirements-dev.txt from PyPI (mujoco 3.14.0, gymnasium, numpy, pytest, ./bridge with websockets, ray, vermin)…');
run(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', '-r', requirementsFile], 'pip install -r requirements-dev.txt');
if (!importsWork()) fail('the packages installed but do not import (mujoco 3.14.0, gymnasium, numpy, pytest, websockets, ray, vermin, dppo_bridge expected); delete .venv and run again.');
writeFileSync(stampFile, wantedStamp());
log(`${venv} ready`);
