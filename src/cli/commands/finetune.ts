/** `dppo finetune`: PPO fine-tuning (DPPO / Gaussian-PPO / GMM-PPO) with per-iteration JSON lines. */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { ALGOS, resolveFinetuneConfig, validateAgainstActor, type Algo } from '../../config/finetune';
import type { ActorConfig } from '../../config/model';
import { UserError } from '../../core/errors';
import { defaultCheckpointFor, taskFamily } from '../../sim/registry';
import type { PresetName } from '../../sim/types';
import { encodeCheckpoint, type Checkpoint } from '../../policy/checkpoint';
import { initTf } from '../../policy/tfSetup';
import { DivergenceError } from '../../train/divergence';
import { finetunePpo, type FinetuneResult, type SavedState } from '../../train/finetunePpo';
import { decodeTrainingState, encodeTrainingState, type TrainingState } from '../../train/trainingState';
import { checkStateEvery, STATE_EVERY_DEFAULT } from '../../config/runState';
import { BRIDGE_OPTION, envFactory, TOKEN_OPTION, WORKERS_OPTION } from '../envs';
import type { BridgeEnvSource } from '../../bridge/bridgeVecEnv';
import { SET_OPTION, type CommandSpec, type Parsed } from '../args';
import { checkOutputPath, loadCheckpointRef, taskOfCheckpoint } from '../assets';
import type { Output } from '../output';

export const finetuneSpec: CommandSpec = {
  options: {
    task: { type: 'string', value: 'T', help: "task id (default: the --ckpt checkpoint's task)" },
    algo: { type: 'string', value: 'dppo|gaussian|gmm', help: "algorithm (default: the checkpoint's kind, else dppo)" },
    ckpt: { type: 'string', value: 'CKPT', help: "checkpoint to fine-tune (default: the task's bundled one for the algorithm)" },
    preset: { type: 'string', value: 'laptop|reference', help: 'preset the settings start from (default laptop)' },
    iters: { type: 'string', value: 'N', help: "fine-tuning iterations (nTrainItr; default: the preset's)" },
    seed: { type: 'string', value: 'S', help: 'seed (default 0)' },
    set: SET_OPTION,
    out: { type: 'string', value: 'CKPT', help: 'write the fine-tuned checkpoint here' },
    workers: WORKERS_OPTION,
    bridge: BRIDGE_OPTION,
    token: TOKEN_OPTION,
    backend: { type: 'string', value: 'B', help: 'tfjs backend (default wasm)' },
    'no-final-eval': { type: 'boolean', help: 'skip the deterministic evaluation after training' },
    'save-state': { type: 'string', value: 'FILE', help: 'keep the training state here (replaced every --state-every iterations) so the run can be resumed' },
    'state-every': { type: 'string', value: 'N', help: `save the training state every N complete iterations (default ${STATE_EVERY_DEFAULT})` },
    resume: { type: 'string', value: 'FILE', help: 'continue the run whose --save-state FILE this is (same --ckpt; --iters may change)' },
  },
};

/** The algorithm that fine-tunes an actor kind. */
function algoOf(actor: ActorConfig): Algo {
  return actor.kind === 'gaussian-mlp' ? 'gaussian' : actor.kind === 'gmm-mlp' ? 'gmm' : 'dppo';
}

/** A --resume FILE: the training state a --save-state run wrote (train/trainingState.ts). */
function readStateFile(path: string): TrainingState {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UserError(`--resume ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
  try {
    return decodeTrainingState(bytes);
  } catch (e) {
    throw new UserError(`--resume ${path}: ${(e as Error).message}`);
  }
}

export async function cmdFinetune(p: Parsed, out: Output): Promise<void> {
  const statePath = p.opts.get('save-state');
  if (statePath !== undefined) checkOutputPath(statePath, '--save-state');
  const stateEvery = p.opts.has('state-every') ? checkStateEvery(p.str('state-every'), '--state-every') : STATE_EVERY_DEFAULT;
  if (p.opts.has('resume') && (p.opts.has('task') || p.opts.has('algo') || p.opts.has('preset') || p.opts.has('seed'))) {
    throw new UserError('--resume continues a run with its own task, algorithm and settings: leave out --task, --algo, --preset and --seed (--iters may change).');
  }
  const resume = p.opts.has('resume') ? readStateFile(p.str('resume')) : null;
  // Without --task the task (and without --algo the algorithm) is the checkpoint's (with --resume, the saved run's).
  const ckptOption = p.opts.get('ckpt');
  let checkpoint: Checkpoint | null = ckptOption !== undefined ? loadCheckpointRef(ckptOption) : null;
  if (!p.opts.has('task') && !checkpoint && !resume) throw new UserError('dppo finetune needs --task T, or --ckpt CKPT to fine-tune that checkpoint on its own task.');
  const task = resume ? resume.config.task : p.opts.has('task') ? p.str('task') : taskOfCheckpoint(ckptOption as string, checkpoint as Checkpoint);
  const presets = taskFamily(task).presets;
  const algo = resume ? resume.config.algo : p.opts.has('algo') ? p.choice('algo', ALGOS) : checkpoint ? algoOf(checkpoint.actorConfig) : 'dppo';
  if (checkpoint && algoOf(checkpoint.actorConfig) !== algo) {
    throw new UserError(`--algo ${algo} cannot fine-tune --ckpt ${ckptOption}, a ${checkpoint.actorConfig.kind} checkpoint (that needs --algo ${algoOf(checkpoint.actorConfig)}).`);
  }
  const presetName = p.choice('preset', Object.keys(presets) as PresetName[], 'laptop');
  const preset = presets[presetName];
  const overrides: Record<string, unknown> = { ...p.sets };
  if (p.opts.has('iters')) overrides.nTrainItr = p.setting('iters', 'nTrainItr');
  const config = resolveFinetuneConfig(resume ? resume.config : preset(task, algo, p.setting('seed', 'seed', 0)), overrides);
  const outOption = p.opts.get('out');
  if (outOption !== undefined) checkOutputPath(outOption, '--out');
  // Bridge-hosted envs are recorded with the run (URL, backend, session; never the token).
  let envSource: BridgeEnvSource | null = null;
  const makeVecEnv = envFactory(p, (s) => {
    envSource = s;
  });
  const backend = p.choice('backend', ['wasm', 'cpu'] as const, 'wasm');
  const ckptRef = ckptOption ?? defaultCheckpointFor(task, algo);
  checkpoint ??= loadCheckpointRef(ckptRef);
  validateAgainstActor(config, checkpoint.actorConfig);
  await initTf(backend);
  const outPath = p.opts.get('out');
  const provenance = (): Record<string, unknown> => ({ command: 'dppo finetune', ckpt: ckptRef, config, ...(envSource ? { env: envSource } : {}) });
  // --save-state: written whole to FILE.tmp, then renamed over FILE, so a killed process leaves the last state.
  const onState = statePath === undefined ? undefined : (saved: SavedState) => {
    if (!saved.state) {
      out.line({ warning: 'no-state', message: `No training state is saved: ${saved.reason}.` }, `warning: no training state is saved: ${saved.reason}`);
      return;
    }
    writeFileSync(`${statePath}.tmp`, encodeTrainingState(saved.state));
    renameSync(`${statePath}.tmp`, statePath);
  };
  let result: FinetuneResult;
  try {
    result = await finetunePpo({
      config,
      checkpoint,
      finalEval: !p.has('no-final-eval'),
      makeVecEnv,
      resume: resume ?? undefined,
      onState,
      stateEvery,
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
            rollout_s: round(m['time/rollout_s'] ?? NaN),
            update_s: round(m['time/update_s'] ?? NaN),
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
    writeFileSync(outPath, encodeCheckpoint({ ...good.checkpoint, provenance: { ...good.checkpoint.provenance, ...provenance(), itr: good.itr, last_good: true, diverged: err.message } }));
    out.line(
      { diverged: true, itr: err.itr, quantity: err.quantity, last_good_itr: good.itr, out: outPath },
      `diverged at itr ${err.itr} (${err.quantity}); wrote the last good weights (after itr ${good.itr}) to ${outPath}`,
    );
    throw new UserError(`${err.message} Wrote them to ${outPath}; evaluate them with: npx dppo eval --ckpt ${outPath}`);
  }
  try {
    if (outPath) {
      const ckpt = result.checkpoint();
      writeFileSync(outPath, encodeCheckpoint({ ...ckpt, provenance: { ...ckpt.provenance, ...provenance(), summary: result.summary } }));
    }
    const env = envSource as BridgeEnvSource | null;
    out.summary({ ...result.summary, wall_s: round(Number(result.summary.wall_s)), ckpt: ckptRef, preset: presetName, ...(env ? { env: `${env.backend} bridge ${env.url} (session ${env.sessionId})` } : {}) });
  } finally {
    result.dispose();
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
