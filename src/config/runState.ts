/**
 * Settings of run persistence (issue 10, docs/runs.md): not training hyper-parameters — they change how often
 * a run's training state is saved, never its numbers — so they live outside FINETUNE_SETTINGS, with one schema
 * entry each like every setting (schema.ts). The app, the worker and `dppo finetune --state-every` read them here.
 */
import { UserError } from '../core/errors';
import { checkSetting, numberSetting, type SettingSchema } from './schema';

export const RUN_STATE_SETTINGS = {
  stateEvery: numberSetting(
    { integer: true, min: 1, max: 100_000 },
    {
      yaml: null,
      doc: 'Save the training state (weights, optimiser, RNG, reward scaler, envs) every this many complete iterations; a resume loses at most this many.',
    },
  ),
} satisfies Record<string, SettingSchema>;

/** 1: an interrupted run loses at most the iteration that was going. */
export const STATE_EVERY_DEFAULT = 1;

/** A stateEvery value from text or a number; a UserError naming the setting (or `label`) otherwise. */
export function checkStateEvery(raw: unknown, label?: string): number {
  const r = checkSetting('stateEvery', RUN_STATE_SETTINGS.stateEvery, raw, label);
  if (!r.ok) throw new UserError(r.message);
  return r.value as number;
}
