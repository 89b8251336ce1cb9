/**
 * What the Python bridge's native-MuJoCo backend (bridge/dppo_bridge/backends/mujoco_gym.py) needs to run
 * the Gym tasks exactly like GymEnv: each task's MJCF (the same text GymEnv compiles) and one tasks.json entry
 * per task with the spec, frame skip, the native rule (observation, reward, health, reset noise), the trace
 * rule and the tag keys. Reached through gymFamily.bridgeAssets; scripts/export-bridge-assets.ts writes every
 * family's files into bridge/dppo_bridge/assets/ (committed), and src/sim/bridgeAssets.test.ts fails when the
 * committed files differ from the generators.
 */
import { bridgeSpecJson } from '../../bridgeSpec';
import type { BridgeAssetExport } from '../../types';
import { gymFamily } from './index';
import { gymMjcf } from './mjcf';
import { gymNativeRule } from './native';
import { GYM_TASK_DEFS, GYM_TASKS } from './tasks';

/** The Gym tasks' MJCF files and tasks.json entries. */
export function gymBridgeAssets(): BridgeAssetExport {
  const files: Record<string, string> = {};
  const tasks: Record<string, unknown> = {};
  for (const id of GYM_TASKS) {
    const def = GYM_TASK_DEFS[id];
    const info = gymFamily.tasks.find((t) => t.id === id);
    if (!info) throw new Error(`no task info for ${id}`);
    const s = info.spec;
    files[`${id}.xml`] = gymMjcf(id);
    tasks[id] = {
      xml: `${id}.xml`,
      reference_env: def.referenceEnv,
      frame_skip: def.frameSkip,
      spec: bridgeSpecJson(s),
      rule: gymNativeRule(def),
      // GymEnv.trace: [qpos[0], qpos[1] + heightOffset] (torso x, height).
      trace: { qpos: [0, 1], offset: [0, def.heightOffset] },
      // GymInfo.fell = the step's terminated.
      tag_keys: gymFamily.tags.map((t) => t.key),
    };
  }
  return { files, tasks };
}
