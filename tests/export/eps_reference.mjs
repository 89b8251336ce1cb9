#!/usr/bin/env node
// The workbench's own ε-network output for tests/export/test_export.py: loads a checkpoint file through the
// importer (src/data/checkpoints) and the policy factory, runs ε(x, t, obs) on the inputs in a JSON file
// {x: [N][Ta·Da], t: [N], obs: [N][To·Do]} and prints {eps: [N][Ta·Da]} (tfjs wasm backend).
//   node tests/export/eps_reference.mjs CKPT INPUTS.json
import { readFileSync } from 'node:fs';
import { tsImport } from 'tsx/esm/api';

const [ckptPath, inputsPath] = process.argv.slice(2);
const { importCheckpointFiles } = await tsImport('../../src/data/checkpoints/index.ts', import.meta.url);
const { policyFromCheckpoint } = await tsImport('../../src/policy/index.ts', import.meta.url);
const { initTf, tf } = await tsImport('../../src/policy/tfSetup.ts', import.meta.url);
await initTf('wasm');
const { checkpoint } = importCheckpointFiles([{ name: ckptPath, bytes: new Uint8Array(readFileSync(ckptPath)) }]);
const inputs = JSON.parse(readFileSync(inputsPath, 'utf8'));
const { policy } = policyFromCheckpoint(checkpoint);
const net = policy.actorFt ?? policy.base;
const eps = tf.tidy(() => net.forward(tf.tensor2d(inputs.x), net.timeFeatures(inputs.t), tf.tensor2d(inputs.obs)).arraySync());
process.stdout.write(JSON.stringify({ eps }) + '\n');
policy.dispose();
