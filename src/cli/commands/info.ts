/** `dppo info`: versions, available backends, registered tasks, bundled checkpoints and datasets. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initTf } from '../../policy/tfSetup';
import { wasmKernelsLabel } from '../../policy/wasmKernels';
import { loadMujoco } from '../../sim/mujoco';
import { MUJOCO_PACKAGE_VERSION } from '../assets';
import { bundledCheckpoints, bundledDatasets, taskIds } from '../../sim/registry';
import type { CommandSpec, Parsed } from '../args';
import { PACKAGE_ROOT, PUBLIC_DIR } from '../assets';
import type { Output } from '../output';

export const infoSpec: CommandSpec = { options: {} };

export async function cmdInfo(_p: Parsed, out: Output): Promise<void> {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  const mj = await loadMujoco();
  const backends: { name: string; available: boolean; reason: string }[] = [];
  for (const name of ['wasm', 'cpu'] as const) {
    try {
      await initTf(name);
      backends.push({ name, available: true, reason: name === 'wasm' ? `default in Node (SIMD, 1 thread, ${wasmKernelsLabel()})` : 'reference backend (slow)' });
    } catch (err) {
      backends.push({ name, available: false, reason: (err as Error).message });
    }
  }
  backends.push(
    { name: 'webgpu', available: false, reason: "not probed: in Node, --backend webgpu uses Dawn's bindings (the optional webgpu package) on a real GPU adapter, or says what is missing" },
    { name: 'webgl', available: false, reason: 'browser only' },
  );
  await initTf('wasm');
  const present = (path: string) => existsSync(join(PUBLIC_DIR, path));
  const info = {
    app: 'dppo-workbench',
    version: pkg.version,
    mujoco: { engine: mj.mj_versionString(), package: `@mujoco/mujoco@${MUJOCO_PACKAGE_VERSION}` },
    tfjs: { version: tf.version.tfjs, backend: tf.getBackend() },
    node: process.versions.node,
    backends,
    tasks: taskIds(),
    checkpoints: bundledCheckpoints().filter((a) => present(a.path)).map((a) => a.id),
    datasets: bundledDatasets().filter((a) => a.kind === 'dataset' && present(a.path)).map((a) => a.id),
  };
  if (out.json) out.summary(info);
  else {
    out.line({}, `DPPO Workbench ${info.version}  MuJoCo ${info.mujoco.engine}  tfjs ${info.tfjs.version} (${info.tfjs.backend})  node ${info.node}`);
    out.line({}, `backends: ${backends.map((b) => `${b.name}${b.available ? '' : ' (n/a)'}`).join(', ')}`);
    out.line({}, `tasks: ${info.tasks.join(', ')}`);
    out.line({}, `checkpoints: ${info.checkpoints.join(', ') || '(none)'}`);
    out.line({}, `datasets: ${info.datasets.join(', ') || '(none)'}`);
  }
}
