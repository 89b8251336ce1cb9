/**
 * The layer rules of eslint.config.js (design/architecture.md §1, §5b) catch a break: each case lints one line
 * of source as if it were a file at that path (the file need not exist).
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

/** The no-restricted-imports messages for `code` placed at `filePath`. */
async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const _x = 1;\n`, { filePath });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('ESLint enforces the import direction between folders', () => {
  it.each([
    ['src/sim/sceneDesc.ts', "import type { SceneDesc } from '../workers/protocol';", /src\/sim\/ must not import src\/workers\/ \(a higher layer/],
    ['src/sim/tasks/avoid/env.ts', "import { Normalizer } from '../../../policy/normalizer';", /src\/sim\/ must not import src\/policy\/ \(a sibling layer/],
    ['src/rl/gae.ts', "import { tf } from '../policy/tfSetup';", /src\/rl\/ must not import src\/policy\//],
    ['src/data/runs.ts', "import type { TrainEvent } from '../train/events';", /src\/data\/ must not import src\/train\//],
    ['src/data/readers/x.ts', "import { taskSpec } from '../../sim/registry';", /src\/data\/ must not import src\/sim\//],
    ['src/policy/index.ts', "export { x } from '../train/events';", /src\/policy\/ must not import src\/train\//],
    ['src/core/rng.ts', "import { resolveFinetuneConfig } from '../config/finetune';", /src\/core\/ must not import src\/config\//],
    ['src/train/loop.ts', "import { bench } from '../../bench/simBench';", /src\/train\/ must not import bench\//],
    ['bench/simBench.ts', "import { main } from '../src/cli/main';", /bench\/ must not import src\/cli\//],
    ['src/workers/train.worker.ts', "import { x } from '../cli/args';", /src\/workers\/ must not import src\/cli\/ \(a sibling layer/],
    ['src/state/app.ts', "import { Panel } from '../ui/Panel';", /src\/state\/ must not import src\/ui\//],
    ['src/features/metrics/Chart.tsx', "import { App } from '../../app/App';", /src\/features\/ must not import src\/app\//],
    ['src/core/x.ts', "import { useState } from 'react';", /must not import UI libraries/],
    ['src/workers/x.ts', "import * as THREE from 'three';", /must not import UI libraries/],
    ['src/features/viewer/x.tsx', "import * as tf from '@tensorflow/tfjs';", /only through workers/],
    ['src/bridge/bridgeVecEnv.ts', "import { finetunePpo } from '../train/finetunePpo';", /src\/bridge\/ must not import src\/train\/ \(a sibling layer/],
    ['src/bridge/client.ts', "import { x } from '../workers/protocol';", /src\/bridge\/ must not import src\/workers\/ \(a higher layer/],
  ])('%s: %s is an error', async (file, code, message) => {
    const errors = await layerErrors(file, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  });

  it.each([
    ['src/data/dppoNpz.ts', "import { Normalizer } from '../policy/normalizer';"],
    ['src/train/finetunePpo.ts', "import { taskSpec } from '../sim/registry';"],
    ['src/sim/tasks/avoid/env.ts', "import { Rng } from '../../../core/rng';"],
    ['src/sim/tasks/avoid/env.ts', "import { mjModel } from '../../mujoco';"],
    ['src/cli/commands/bench.ts', "import { simBench } from '../../../bench/simBench';"],
    ['bench/policyBench.ts', "import { finetunePpo } from '../src/train/finetunePpo';"],
    ['src/workers/train.worker.ts', "import { finetunePpo } from '../train/finetunePpo';"],
    ['src/features/viewer/Viewer.tsx', "import { SimClient } from '../../workers/simClient';"],
    ['src/app/App.tsx', "import { Panel } from '../ui/Panel';"],
    ['src/workers/trainRuns.ts', "import { bridgeEnvFactory } from '../bridge/bridgeVecEnv';"],
    ['src/cli/envs.ts', "import { bridgeEnvFactory } from '../bridge/bridgeVecEnv';"],
    ['src/state/bridge.ts', "import { BridgeClient } from '../bridge/client';"],
  ])('%s: %s is allowed', async (file, code) => {
    expect(await layerErrors(file, code)).toEqual([]);
  });
});
