/**
 * Cheap copies of a run's trainable weights (the fine-tuned actor and the critic) taken after each
 * iteration: the divergence guard keeps the last good one (divergence.ts), and a stop mid-update puts the
 * last complete iteration's weights back. Only the variables fine-tuning changes are copied (for diffusion
 * the actor_ft copy, not the frozen base actor), as plain Float32Arrays.
 */
import * as tf from '@tensorflow/tfjs';
import { InternalError } from '../core/errors';
import { firstNonFinite } from './divergence';

export interface WeightSnapshot {
  /** The iteration after which the weights were taken; −1 = before the first. */
  itr: number;
  actor: Float32Array[];
  critic: Float32Array[];
  /** Which part held a non-finite value, if any (the copy is still made). */
  nonFinite: 'actor parameters' | 'critic parameters' | null;
}

async function copy(vars: tf.Variable[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const v of vars) out.push(Float32Array.from((await v.data()) as Float32Array));
  return out;
}

/** Copies the values of `actorVars` and `criticVars` (in their order). */
export async function takeSnapshot(itr: number, actorVars: tf.Variable[], criticVars: tf.Variable[]): Promise<WeightSnapshot> {
  const actor = await copy(actorVars);
  const critic = await copy(criticVars);
  const bad = (xs: Float32Array[]) => xs.some((x) => firstNonFinite(x) >= 0);
  return { itr, actor, critic, nonFinite: bad(actor) ? 'actor parameters' : bad(critic) ? 'critic parameters' : null };
}

/** Writes a snapshot back into the same variables it was taken from. */
export function restoreSnapshot(snap: WeightSnapshot, actorVars: tf.Variable[], criticVars: tf.Variable[]): void {
  const put = (vars: tf.Variable[], data: Float32Array[]) => {
    if (vars.length !== data.length) throw new InternalError(`A weight snapshot of ${data.length} variables cannot restore ${vars.length}.`);
    tf.tidy(() => {
      vars.forEach((v, i) => {
        if (v.size !== data[i].length) throw new InternalError(`Snapshot size ${data[i].length} does not match variable ${v.name} (${v.size}).`);
        v.assign(tf.tensor(data[i], v.shape, 'float32'));
      });
    });
  };
  put(actorVars, snap.actor);
  put(criticVars, snap.critic);
}
