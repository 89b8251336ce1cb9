/**
 * Policy factory: builds the actor named by an ActorConfig and restores actor + critic + normaliser from a
 * checkpoint (design/architecture.md §3). Fine-tuned diffusion checkpoints (`actor_ft.*`) need K′, read from
 * provenance `ftDenoisingSteps` (or `config.ftDenoisingSteps`, what `dppo finetune` stores).
 */
import type { ActorConfig } from '../config/model';
import { checkFinetuneSetting } from '../config/finetune';
import { UserError } from '../core/errors';
import { Rng } from '../core/rng';
import type { Checkpoint } from './checkpoint';
import { CriticObs } from './critic';
import { DiffusionMlpPolicy, DiffusionPolicy, DiffusionUnetPolicy } from './diffusion';
import { GaussianMlpPolicy } from './gaussian';
import { GmmMlpPolicy } from './gmm';
import { Normalizer } from './normalizer';
import type { Critic, Policy } from './types';

/** A fresh, seeded policy for `config`. */
export function buildPolicy(config: ActorConfig, rng: Rng): Policy {
  switch (config.kind) {
    case 'diffusion-mlp':
      return new DiffusionMlpPolicy(config, rng);
    case 'diffusion-unet':
      return new DiffusionUnetPolicy(config, rng);
    case 'gaussian-mlp':
      return new GaussianMlpPolicy(config, rng);
    case 'gmm-mlp':
      return new GmmMlpPolicy(config, rng);
    default:
      throw new UserError(`Unknown policy kind "${(config as { kind: string }).kind}" in this checkpoint.`);
  }
}

/**
 * K′ a fine-tuned checkpoint was trained with (provenance `ftDenoisingSteps` or `config.ftDenoisingSteps`),
 * checked by the settings schema like any other source of settings.
 */
export function ftStepsFromProvenance(provenance: Record<string, unknown>): number | undefined {
  const cfg = provenance.config as Record<string, unknown> | undefined;
  const raw = provenance.ftDenoisingSteps ?? cfg?.ftDenoisingSteps;
  if (raw === undefined) return undefined;
  const r = checkFinetuneSetting('ftDenoisingSteps', raw);
  if (!r.ok) throw new UserError(`This checkpoint's provenance is invalid: ${r.message}`);
  return r.value as number;
}

export interface LoadedPolicy {
  policy: Policy;
  critic?: Critic;
  normalizer: Normalizer;
}

/**
 * Builds and loads everything a checkpoint holds. The critic is returned when the file has `critic.*`
 * weights (its config from `critic_config`). `rng` only seeds the init that the loaded weights overwrite.
 */
export function policyFromCheckpoint(c: Checkpoint, rng: Rng = new Rng(0)): LoadedPolicy {
  const policy = buildPolicy(c.actorConfig, rng);
  try {
    if (policy instanceof DiffusionPolicy && DiffusionPolicy.hasFinetunedActor(c.weights)) {
      const k = ftStepsFromProvenance(c.provenance);
      if (k === undefined) throw new UserError('This checkpoint has a fine-tuned actor but does not say its ftDenoisingSteps (provenance); it cannot be evaluated faithfully.');
      policy.prepareFinetune(k);
    }
    policy.loadNamedWeights(c.weights);
  } catch (e) {
    policy.dispose();
    throw e;
  }
  const out: LoadedPolicy = { policy, normalizer: new Normalizer(c.normalization) };
  if (c.criticConfig && CriticObs.present(c.weights)) {
    const critic = new CriticObs(c.criticConfig, rng);
    try {
      critic.loadNamedWeights(c.weights);
    } catch (e) {
      critic.dispose();
      policy.dispose();
      throw e;
    }
    out.critic = critic;
  }
  return out;
}
