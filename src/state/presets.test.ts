/**
 * Every task preset goes through the settings schema: it has exactly the schema's keys, passes its checks,
 * fits the task's own networks (K′ ≤ K, rollout memory), and takes its success threshold from the task's
 * spec (one source; a run may override it).
 */
import { describe, expect, it } from 'vitest';
import { ALGOS, FINETUNE_KEYS, resolveFinetuneConfig, validateAgainstActor } from '../config/finetune';
import { actorConfigFor, taskFamilies, taskSpec } from '../sim/registry';
import { kindForAlgo } from './pretrain';
import { PRESET_NAMES, taskPreset } from './taskCatalog';

describe('task presets and the settings schema', () => {
  const cases = taskFamilies().flatMap((f) => f.tasks.flatMap((t) => PRESET_NAMES.flatMap((p) => ALGOS.map((a) => [t.id, p, a] as const))));
  it.each(cases)('%s %s %s', (task, preset, algo) => {
    const cfg = taskPreset(task, preset)(task, algo, 0);
    expect(Object.keys(cfg).sort()).toEqual([...FINETUNE_KEYS].sort());
    const resolved = resolveFinetuneConfig(cfg);
    expect(() => validateAgainstActor(resolved, actorConfigFor(task, kindForAlgo(algo)))).not.toThrow();
    expect(cfg.bestRewardThresholdForSuccess).toBe(taskSpec(task).bestRewardThresholdForSuccess);
  });
});
