/** `dppo eval`: success rate and return of a checkpoint over N episodes in eval mode. */
import { initTf } from '../../policy/tfSetup';
import { taskSpec } from '../../sim/registry';
import { evaluate } from '../../train/evaluate';
import type { Parsed } from '../args';
import { loadCheckpointRef, taskOfCheckpoint } from '../assets';
import { envFactory } from '../envs';
import type { Output } from '../output';

export async function cmdEval(p: Parsed, out: Output): Promise<void> {
  const ckpt = p.str('ckpt');
  const checkpoint = loadCheckpointRef(ckpt);
  const task = p.opts.has('task') ? p.str('task') : taskOfCheckpoint(ckpt, checkpoint);
  taskSpec(task);
  await initTf((p.opts.get('backend') ?? 'wasm') as 'wasm');
  const summary = await evaluate({
    task,
    checkpoint,
    episodes: p.num('episodes', 50),
    seed: p.num('seed', 0),
    actionNoise: p.num('action-noise', 0),
    deterministic: p.str('mode', 'eval') !== 'explore',
    makeVecEnv: envFactory(p),
  });
  out.summary({ ...summary, ckpt });
}
