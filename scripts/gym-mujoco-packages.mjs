// One-off comparison of two MuJoCo WASM packages on the same driver and the same MJCF (not part of npm test):
// our pinned `@mujoco/mujoco` 3.14.0 against an older package installed OUTSIDE the repo, by default
// `mujoco@3.1.16` (engine 3.5.1), and native Python `mujoco` (bench/native_sim.py) when the project's .venv
// exists. Models: the Gym family's hopper, walker2d and halfcheetah XML (src/sim/tasks/gym/mjcf.ts).
//
//   npm i --prefix /tmp/oldmj mujoco@3.1.16
//   node scripts/gym-mujoco-packages.mjs --old /tmp/oldmj/node_modules/mujoco [--envs 40] [--blocks 5] [--block-seconds 1] [--python PATH]
//
// Driver (the Gym env's, src/sim/tasks/gym/gymEnv.ts, and native_sim.py's): `envs` MjData on one MjModel,
// chunks of 4 random actions uniform in [-1, 1], ctrl <- action, frame skip x mj_step, reward, observation
// [qpos[1:], clip(qvel)], the health rule; an env that falls or reaches 1000 steps resets (qpos0 + noise).
// The configurations run in alternating blocks (this VM's speed drifts); figures are medians, in env steps/s
// and mj_step/s. Prints one JSON line per model, then a Markdown table.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const oldDir = opt('old', '/tmp/oldmj/node_modules/mujoco');
const nEnvs = Number(opt('envs', 40));
const blocks = Number(opt('blocks', 5));
const blockMs = Number(opt('block-seconds', 1)) * 1000;
const models = opt('models', 'hopper,walker2d,halfcheetah').split(',');
const actSteps = 4;
const maxSteps = 1000;

const root = fileURLToPath(new URL('..', import.meta.url));
const { gymMjcf } = await tsImport('../src/sim/tasks/gym/mjcf.ts', import.meta.url);
const { GYM_TASK_DEFS } = await tsImport('../src/sim/tasks/gym/tasks.ts', import.meta.url);
const { gymNativeRule } = await tsImport('../src/sim/tasks/gym/native.ts', import.meta.url);
const { venvPython } = await tsImport('../bench/nativeSim.ts', import.meta.url);

async function loadPackage(dir) {
  const pkg = JSON.parse((await import('node:fs')).readFileSync(join(dir, 'package.json'), 'utf8'));
  const factory = (await import(pathToFileURL(join(dir, 'mujoco.js')).href)).default;
  const mj = await factory();
  return { label: `${pkg.name}@${pkg.version} (engine ${mj.mj_versionString()})`, mj };
}

/** Compiles XML with whichever loader the package has (from_xml_string, or the VFS + mj_loadXML). */
function compile(mj, xml, name) {
  if (typeof mj.MjModel.from_xml_string === 'function') return mj.MjModel.from_xml_string(xml);
  const path = `/tmp/${name}.xml`;
  try {
    mj.FS.mkdir('/tmp');
  } catch {
    /* exists */
  }
  mj.FS.writeFile(path, xml);
  return mj.MjModel.mj_loadXML(path);
}

/** Small seeded generator (sfc32), the same sequence for both packages. */
function rng(seed) {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed | 0;
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** The Gym driver over one package: returns run(ms) → env steps/s. */
function wasmDriver(mj, xml, id) {
  const def = GYM_TASK_DEFS[id];
  const model = compile(mj, xml, id);
  const datas = Array.from({ length: nEnvs }, () => new mj.MjData(model));
  const nq = model.nq;
  const nv = model.nv;
  const Da = model.nu;
  const qpos0 = Float64Array.from(model.qpos0);
  const dt = model.opt.timestep * def.frameSkip;
  // Views are re-taken when a growing (non-shared) heap detached them (length 0), as src/sim/mjEnv.ts does.
  const views = datas.map((d) => ({ d, qpos: d.qpos, qvel: d.qvel, ctrl: d.ctrl }));
  const live = (v) => {
    if (v.qpos.length === 0) Object.assign(v, { qpos: v.d.qpos, qvel: v.d.qvel, ctrl: v.d.ctrl });
    return v;
  };
  const steps = new Int32Array(nEnvs);
  const obs = new Float32Array(nq - 1 + nv);
  const action = new Float64Array(Da);
  const random = rng(1);
  const s = def.resetNoiseScale;
  const healthy = (qpos, qvel) => {
    const h = def.health;
    if (!h) return true;
    if (!(h.z[0] < qpos[1] && qpos[1] < h.z[1] && h.pitch[0] < qpos[2] && qpos[2] < h.pitch[1])) return false;
    if (h.stateAbs !== undefined) {
      for (let i = 2; i < nq; i++) if (!(Math.abs(qpos[i]) < h.stateAbs)) return false;
      for (let i = 0; i < nv; i++) if (!(Math.abs(qvel[i]) < h.stateAbs)) return false;
    }
    return true;
  };
  const reset = (v) => {
    mj.mj_resetData(model, v.d);
    live(v);
    for (let i = 0; i < nq; i++) v.qpos[i] = qpos0[i] + s * (2 * random() - 1);
    for (let i = 0; i < nv; i++) v.qvel[i] = s * (2 * random() - 1);
    mj.mj_forward(model, v.d);
  };
  views.forEach(reset);
  let sink = 0;
  const run = (ms) => {
    const t0 = performance.now();
    let count = 0;
    let now = t0;
    while (now - t0 < ms) {
      for (let e = 0; e < nEnvs; e++) {
        const v = live(views[e]);
        for (let k = 0; k < actSteps; k++) {
          let sq = 0;
          for (let j = 0; j < Da; j++) {
            action[j] = 2 * random() - 1;
            sq += action[j] * action[j];
          }
          const xBefore = v.qpos[0];
          v.ctrl.set(action);
          for (let f = 0; f < def.frameSkip; f++) mj.mj_step(model, v.d);
          live(v);
          sink += (v.qpos[0] - xBefore) / dt + def.healthyReward - def.ctrlCostWeight * sq;
          for (let i = 1; i < nq; i++) obs[i - 1] = v.qpos[i];
          const c = def.obsQvelClip ?? Infinity;
          for (let i = 0; i < nv; i++) obs[nq - 1 + i] = Math.max(-c, Math.min(c, v.qvel[i]));
          steps[e]++;
          count++;
          if (!healthy(v.qpos, v.qvel) || steps[e] >= maxSteps) {
            steps[e] = 0;
            reset(v);
            break;
          }
        }
      }
      now = performance.now();
    }
    return count / ((now - t0) / 1000);
  };
  const dispose = () => {
    for (const d of datas) d.delete();
    model.delete();
  };
  return { run, dispose, sink: () => sink };
}

async function nativeDriver(id, xml) {
  const python = opt('python') ?? venvPython();
  if (!python) return null;
  const dir = mkdtempSync(join(tmpdir(), 'dppo-pkgs-'));
  const xmlPath = join(dir, `${id}.xml`);
  writeFileSync(xmlPath, xml);
  const cfgPath = join(dir, 'config.json');
  const def = GYM_TASK_DEFS[id];
  writeFileSync(cfgPath, JSON.stringify({
    xml_path: xmlPath, n_envs: nEnvs, act_steps: actSteps, frame_skip: def.frameSkip, max_episode_steps: maxSteps,
    act_low: new Array(def.actDim).fill(-1), act_high: new Array(def.actDim).fill(1), seed: 0, rule: gymNativeRule(def),
  }));
  const child = spawn(python, [join(root, 'bench', 'native_sim.py'), cfgPath], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const ready = JSON.parse((await lines.next()).value);
  return {
    label: `native Python mujoco ${ready.mujoco}`,
    run: async (ms) => {
      child.stdin.write(`run ${ms / 1000}\n`);
      const r = JSON.parse((await lines.next()).value);
      return r.env_steps / r.seconds;
    },
    dispose: () => {
      child.stdin.end('quit\n');
      child.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    },
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

if (!existsSync(join(oldDir, 'mujoco.js'))) {
  console.error(`No package at ${oldDir}: install it outside the repo first, e.g. npm i --prefix /tmp/oldmj mujoco@3.1.16`);
  process.exit(2);
}
const packages = [await loadPackage(join(root, 'node_modules', '@mujoco', 'mujoco')), await loadPackage(oldDir)];
const rows = [];
for (const id of models) {
  const xml = gymMjcf(id);
  const frameSkip = GYM_TASK_DEFS[id].frameSkip;
  const drivers = packages.map((p) => ({ label: p.label, ...wasmDriver(p.mj, xml, id) }));
  const native = await nativeDriver(id, xml);
  const all = native ? [...drivers, native] : drivers;
  for (const d of all) await d.run(300); // warm-up
  const series = all.map(() => []);
  for (let b = 0; b < blocks; b++) for (const [k, d] of all.entries()) series[k].push(await d.run(blockMs));
  const result = { model: id, envs: nEnvs, frame_skip: frameSkip, blocks, block_s: blockMs / 1000 };
  all.forEach((d, k) => {
    result[d.label] = { env_steps_per_s: Math.round(median(series[k])), mj_steps_per_s: Math.round(median(series[k]) * frameSkip), blocks: series[k].map(Math.round) };
  });
  console.log(JSON.stringify(result));
  rows.push(result);
  for (const d of all) d.dispose();
}

const labels = Object.keys(rows[0]).filter((k) => typeof rows[0][k] === 'object' && !Array.isArray(rows[0][k]));
console.log(`\n| model (env steps/s, median of ${blocks} × ${blockMs / 1000} s, ${nEnvs} envs) | ${labels.join(' | ')} | new ÷ old |${labels.length > 2 ? ' new ÷ native |' : ''}`);
console.log(`|---|${labels.map(() => '---|').join('')}---|${labels.length > 2 ? '---|' : ''}`);
for (const r of rows) {
  const v = labels.map((l) => r[l].env_steps_per_s);
  const extra = labels.length > 2 ? ` ${(v[0] / v[2]).toFixed(2)} |` : '';
  console.log(`| ${r.model} | ${v.map((x) => x.toLocaleString('en-US')).join(' | ')} | ${(v[0] / v[1]).toFixed(2)} |${extra}`);
}
