/**
 * `dppo pretrain --task T --policy P --data FILE|builtin --epochs N --out CKPT`: behaviour cloning on a DPPO
 * npz dataset (normalization.npz read from the same folder). Writes one checkpoint (EMA weights + config +
 * normalisation; spec §6.4–6.5).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../../core/errors';
import { actorConfigFor, isBuiltin, resolveBuiltin, taskSpec } from '../../sim/registry';
import { loadDppoNpz } from '../../data/dppoNpz';
import { encodeCheckpoint } from '../../policy/checkpoint';
import { initTf } from '../../policy/tfSetup';
import { BC_DEFAULTS, pretrainBc } from '../../train/pretrainBc';
import type { CommandSpec, Parsed } from '../args';
import { checkOutputPath, PUBLIC_DIR, readInputFile } from '../assets';
import type { Output } from '../output';

export const pretrainSpec: CommandSpec = {
  options: {
    task: { type: 'string', value: 'T', help: 'task id' },
    policy: { type: 'string', value: 'P', help: 'diffusion-mlp (default), gaussian-mlp or gmm-mlp' },
    data: { type: 'string', value: 'FILE|builtin', help: "DPPO train.npz (normalization.npz beside it) or builtin (the task's bundled demos)" },
    epochs: { type: 'string', value: 'N', help: 'epochs (default 100)' },
    'batch-size': { type: 'string', value: 'N', help: `minibatch (default ${BC_DEFAULTS.batchSize})` },
    lr: { type: 'string', value: 'LR', help: `learning rate (default ${BC_DEFAULTS.lr})` },
    'min-lr': { type: 'string', value: 'LR', help: `cosine floor (default ${BC_DEFAULTS.minLr})` },
    seed: { type: 'string', value: 'S', help: 'seed (default 0)' },
    out: { type: 'string', value: 'CKPT', help: 'where to write the checkpoint (.safetensors)' },
    backend: { type: 'string', value: 'B', help: 'tfjs backend (default wasm)' },
  },
};

export async function cmdPretrain(p: Parsed, out: Output): Promise<void> {
  const task = p.str('task');
  const spec = taskSpec(task);
  const kind = p.str('policy', 'diffusion-mlp');
  const actorConfig = actorConfigFor(task, kind);
  if (actorConfig.obsDim !== spec.obsDim || actorConfig.actionDim !== spec.actDim) {
    throw new Error(`The ${task} task's ${kind} network is sized for obs ${actorConfig.obsDim} / act ${actorConfig.actionDim}, but its spec says ${spec.obsDim} / ${spec.actDim}.`);
  }
  const epochs = p.int('epochs', { min: 1, max: 1_000_000 }, 100);
  const batchSize = p.int('batch-size', { min: 1, max: 10_000_000 }, BC_DEFAULTS.batchSize);
  const lr = p.num('lr', BC_DEFAULTS.lr);
  const minLr = p.num('min-lr', BC_DEFAULTS.minLr);
  if (!(lr > 0)) throw new UserError(`--lr must be a number > 0, got ${lr}.`);
  if (!(minLr >= 0)) throw new UserError(`--min-lr must be a number ≥ 0, got ${minLr}.`);
  const seed = p.setting('seed', 'seed', 0);
  const backend = p.choice('backend', ['wasm', 'cpu'] as const, 'wasm');
  const outPath = p.str('out');
  checkOutputPath(outPath, '--out');
  const dataRef = p.str('data', 'builtin');
  const bundled = dataRef === 'builtin' || isBuiltin(dataRef);
  const trainPath = bundled ? join(PUBLIC_DIR, resolveBuiltin(dataRef === 'builtin' ? `builtin:${task}/train` : dataRef).path) : dataRef;
  const normPath = join(dirname(trainPath), 'normalization.npz');
  if (bundled) for (const f of [trainPath, normPath]) if (!existsSync(f)) throw new UserError(`Bundled dataset file ${f} is missing; run the commands in docs/checkpoints.md to rebuild it.`);
  const trainBytes = readInputFile(trainPath, '--data', 'npz');
  if (!existsSync(normPath)) throw new UserError(`--data ${dataRef} needs normalization.npz beside it (${normPath} does not exist); dppo demos writes both.`);
  const ds = loadDppoNpz(trainBytes, readInputFile(normPath, `--data's normalization.npz (${normPath})`, 'npz'));
  if (!ds.normalization) throw new UserError(`${normPath} holds no normalisation statistics.`);
  if (ds.obsDim !== actorConfig.obsDim || ds.actDim !== actorConfig.actionDim) {
    throw new UserError(`Dataset dims (obs ${ds.obsDim}, act ${ds.actDim}) do not match ${task} (obs ${actorConfig.obsDim}, act ${actorConfig.actionDim}).`);
  }
  await initTf(backend);
  const { checkpoint, finalLoss } = await pretrainBc({
    ...BC_DEFAULTS,
    actorConfig,
    dataset: { states: ds.obs, actions: ds.act, trajLengths: ds.episodeLengths },
    normalization: ds.normalization,
    epochs,
    batchSize,
    lr,
    minLr,
    seed,
    provenance: { command: 'dppo pretrain', task, policy: kind, data: dataRef },
    sink: (ev) => {
      if (ev.type === 'pretrain-epoch' && (ev.epoch % 10 === 0 || ev.epoch === ev.totalEpochs - 1)) {
        out.line({ epoch: ev.epoch, loss: ev.loss, lr: ev.lr, wall_s: Math.round(ev.wallS * 10) / 10 });
      }
    },
  });
  mkdirSync(dirname(outPath) || '.', { recursive: true });
  const bytes = encodeCheckpoint(checkpoint);
  writeFileSync(outPath, bytes);
  out.summary({ task, policy: kind, epochs, final_loss: finalLoss, samples: ds.obs.length / ds.obsDim, episodes: ds.episodeLengths.length, out: outPath, bytes: bytes.length });
}
