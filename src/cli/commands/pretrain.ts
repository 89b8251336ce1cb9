/**
 * `dppo pretrain --task T --policy P --data FILE|builtin --epochs N --out CKPT`: behaviour cloning on a DPPO
 * npz dataset (normalization.npz read from the same folder). Writes one checkpoint (EMA weights + config +
 * normalisation; spec §6.4–6.5).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../../core/errors';
import { actorConfigFor, isBuiltin, resolveBuiltin, taskSpec } from '../../sim/registry';
import { loadDppoNpz } from '../../data/dppoNpz';
import { encodeCheckpoint } from '../../policy/checkpoint';
import { initTf } from '../../policy/tfSetup';
import { BC_DEFAULTS, pretrainBc } from '../../train/pretrainBc';
import type { Parsed } from '../args';
import { PUBLIC_DIR } from '../assets';
import type { Output } from '../output';

export async function cmdPretrain(p: Parsed, out: Output): Promise<void> {
  const task = p.str('task');
  const spec = taskSpec(task);
  const kind = p.str('policy', 'diffusion-mlp');
  const actorConfig = actorConfigFor(task, kind);
  if (actorConfig.obsDim !== spec.obsDim || actorConfig.actionDim !== spec.actDim) {
    throw new Error(`The ${task} task's ${kind} network is sized for obs ${actorConfig.obsDim} / act ${actorConfig.actionDim}, but its spec says ${spec.obsDim} / ${spec.actDim}.`);
  }
  const dataRef = p.str('data', 'builtin');
  const trainPath = dataRef === 'builtin' || isBuiltin(dataRef) ? join(PUBLIC_DIR, resolveBuiltin(dataRef === 'builtin' ? `builtin:${task}/train` : dataRef).path) : dataRef;
  const normPath = join(dirname(trainPath), 'normalization.npz');
  for (const f of [trainPath, normPath]) if (!existsSync(f)) throw new UserError(`Dataset file not found: ${f} (train.npz needs normalization.npz beside it).`);
  const ds = loadDppoNpz(new Uint8Array(readFileSync(trainPath)), new Uint8Array(readFileSync(normPath)));
  if (!ds.normalization) throw new UserError(`${normPath} holds no normalisation statistics.`);
  if (ds.obsDim !== actorConfig.obsDim || ds.actDim !== actorConfig.actionDim) {
    throw new UserError(`Dataset dims (obs ${ds.obsDim}, act ${ds.actDim}) do not match ${task} (obs ${actorConfig.obsDim}, act ${actorConfig.actionDim}).`);
  }
  await initTf((p.opts.get('backend') ?? 'wasm') as 'wasm');
  const epochs = p.num('epochs', 100);
  const seed = p.num('seed', 0);
  const { checkpoint, finalLoss } = await pretrainBc({
    ...BC_DEFAULTS,
    actorConfig,
    dataset: { states: ds.obs, actions: ds.act, trajLengths: ds.episodeLengths },
    normalization: ds.normalization,
    epochs,
    batchSize: p.num('batch-size', BC_DEFAULTS.batchSize),
    lr: p.num('lr', BC_DEFAULTS.lr),
    minLr: p.num('min-lr', BC_DEFAULTS.minLr),
    seed,
    provenance: { command: 'dppo pretrain', task, policy: kind, data: dataRef },
    sink: (ev) => {
      if (ev.type === 'pretrain-epoch' && (ev.epoch % 10 === 0 || ev.epoch === ev.totalEpochs - 1)) {
        out.line({ epoch: ev.epoch, loss: ev.loss, lr: ev.lr, wall_s: Math.round(ev.wallS * 10) / 10 });
      }
    },
  });
  const outPath = p.str('out');
  mkdirSync(dirname(outPath) || '.', { recursive: true });
  const bytes = encodeCheckpoint(checkpoint);
  writeFileSync(outPath, bytes);
  out.summary({ task, policy: kind, epochs, final_loss: finalLoss, samples: ds.obs.length / ds.obsDim, episodes: ds.episodeLengths.length, out: outPath, bytes: bytes.length });
}
