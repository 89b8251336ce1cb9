/** `dppo finetune`: PPO fine-tuning (DPPO / Gaussian-PPO / GMM-PPO) with per-iteration JSON lines. */
import { writeFileSync } from 'node:fs';
import { resolveFinetuneConfig, type Algo } from '../../config/finetune';
import { UserError } from '../../core/errors';
import { defaultCheckpointFor, taskFamily } from '../../sim/registry';
import type { PresetName } from '../../sim/types';
import { encodeCheckpoint } from '../../policy/checkpoint';
import { initTf } from '../../policy/tfSetup';
import { DivergenceError } from '../../train/divergence';
import { finetunePpo, type FinetuneResult } from '../../train/finetunePpo';
import { envFactory } from '../envs';
import type { Parsed } from '../args';
import { loadCheckpointRef } from '../assets';
import type { Output } from '../output';

export async function cmdFinetune(p: Parsed, out: Output): Promise<void> {
  const task = p.str('task');
  const presets = taskFamily(task).presets;
  const algo = p.str('algo', 'dppo') as Algo;
  if (!['dppo', 'gaussian', 'gmm'].includes(algo)) throw new UserError(`--algo must be dppo, gaussian or gmm, got "${algo}"`);
  const presetName = p.str('preset', 'laptop') as PresetName;
  const preset = Object.prototype.hasOwnProperty.call(presets, presetName) ? presets[presetName] : undefined;
  if (!preset) throw new UserError(`--preset must be one of ${Object.keys(presets).join(', ')}, got "${presetName}"`);
  const overrides: Record<string, unknown> = { ...p.sets };
  if (p.opts.has('iters')) overrides.nTrainItr = p.num('iters');
  const config = resolveFinetuneConfig(preset(task, algo, p.num('seed', 0)), overrides);
  await initTf((p.opts.get('backend') ?? 'wasm') as 'wasm');
  const ckptRef = p.str('ckpt', defaultCheckpointFor(task, algo));
  const checkpoint = loadCheckpointRef(ckptRef);
  const outPath = p.opts.get('out');
  const provenance = { command: 'dppo finetune', ckpt: ckptRef, config };
  let result: FinetuneResult;
  try {
    result = await finetunePpo({
      config,
      checkpoint,
      finalEval: !p.has('no-final-eval'),
      makeVecEnv: envFactory(p),
      sink: (ev) => {
        if (ev.type === 'iteration') {
          const m = ev.metrics;
          out.line({
            itr: ev.itr,
            env_steps: ev.envSteps,
            wall_s: round(ev.wallS),
            success_rate: m['charts/success_rate'],
            avg_return: m['charts/avg_return'],
            clipfrac: m['losses/clipfrac'],
            approx_kl: m['losses/approx_kl'],
            v_loss: m['losses/value_loss'],
            explained_variance: m['losses/explained_variance'],
          });
        } else if (ev.type === 'warning') {
          out.line({ warning: ev.kind, itr: ev.itr, message: ev.message }, `warning (itr ${ev.itr}): ${ev.message}`);
        }
      },
    });
  } catch (err) {
    // Divergence: --out gets the last good weights (divergence.ts), and the error says so.
    if (!(err instanceof DivergenceError) || !err.lastGood || !outPath) throw err;
    const good = err.lastGood;
    writeFileSync(outPath, encodeCheckpoint({ ...good.checkpoint, provenance: { ...good.checkpoint.provenance, ...provenance, itr: good.itr, last_good: true, diverged: err.message } }));
    out.line(
      { diverged: true, itr: err.itr, quantity: err.quantity, last_good_itr: good.itr, out: outPath },
      `diverged at itr ${err.itr} (${err.quantity}); wrote the last good weights (after itr ${good.itr}) to ${outPath}`,
    );
    throw new UserError(`${err.message} Wrote them to ${outPath}; evaluate them with: npx dppo eval --ckpt ${outPath}`);
  }
  try {
    if (outPath) {
      const ckpt = result.checkpoint();
      writeFileSync(outPath, encodeCheckpoint({ ...ckpt, provenance: { ...ckpt.provenance, ...provenance, summary: result.summary } }));
    }
    out.summary({ ...result.summary, wall_s: round(Number(result.summary.wall_s)), ckpt: ckptRef, preset: presetName });
  } finally {
    result.dispose();
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
