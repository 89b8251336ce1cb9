/**
 * Min–max normalisation to [-1, 1] (spec/dppo-reference.md §6.2), saved with the weights.
 * Forward: x_n = 2·(x − min)/(max − min + 1e-6) − 1. Inverse (actions): a = (a_n + 1)/2·(max − min) + min.
 */
import { InternalError, UserError } from '../core/errors';

export interface NormalizationStats {
  obsMin: Float32Array;
  obsMax: Float32Array;
  actionMin: Float32Array;
  actionMax: Float32Array;
}

const EPS = 1e-6;

export class Normalizer {
  constructor(readonly stats: NormalizationStats) {
    if (stats.obsMin.length !== stats.obsMax.length || stats.actionMin.length !== stats.actionMax.length) {
      throw new UserError('Normalization stats have mismatched min/max lengths.');
    }
  }

  get obsDim(): number {
    return this.stats.obsMin.length;
  }

  get actionDim(): number {
    return this.stats.actionMin.length;
  }

  /** Raw obs rows [n, Do] → normalised, written into `out` (allocated when omitted). */
  normalizeObs(raw: ArrayLike<number>, out?: Float32Array): Float32Array {
    return scale(raw, this.stats.obsMin, this.stats.obsMax, out);
  }

  /** Raw action rows [n, Da] → normalised. */
  normalizeAction(raw: ArrayLike<number>, out?: Float32Array): Float32Array {
    return scale(raw, this.stats.actionMin, this.stats.actionMax, out);
  }

  /** Normalised action rows [n, Da] → raw task units. */
  unnormalizeAction(norm: ArrayLike<number>, out?: Float32Array): Float32Array {
    return unscale(norm, this.stats.actionMin, this.stats.actionMax, out);
  }

  /** Normalised obs rows [n, Do] → raw task units. */
  unnormalizeObs(norm: ArrayLike<number>, out?: Float32Array): Float32Array {
    return unscale(norm, this.stats.obsMin, this.stats.obsMax, out);
  }

  /** Stats from raw data rows (per-dimension min/max over all rows). */
  static fit(obs: Float32Array, obsDim: number, actions: Float32Array, actionDim: number): Normalizer {
    return new Normalizer({
      ...minMax(obs, obsDim, 'obs'),
      ...renameAction(minMax(actions, actionDim, 'action')),
    });
  }
}

function minMax(x: Float32Array, dim: number, what: string): { obsMin: Float32Array; obsMax: Float32Array } {
  if (x.length === 0 || x.length % dim !== 0) throw new InternalError(`Cannot fit ${what} normalisation: ${x.length} values is not a multiple of ${dim}.`);
  const lo = new Float32Array(dim).fill(Infinity);
  const hi = new Float32Array(dim).fill(-Infinity);
  for (let i = 0; i < x.length; i++) {
    const d = i % dim;
    if (x[i] < lo[d]) lo[d] = x[i];
    if (x[i] > hi[d]) hi[d] = x[i];
  }
  return { obsMin: lo, obsMax: hi };
}

function renameAction(s: { obsMin: Float32Array; obsMax: Float32Array }): { actionMin: Float32Array; actionMax: Float32Array } {
  return { actionMin: s.obsMin, actionMax: s.obsMax };
}

function scale(raw: ArrayLike<number>, lo: Float32Array, hi: Float32Array, out?: Float32Array): Float32Array {
  const dim = lo.length;
  const y = out ?? new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const d = i % dim;
    y[i] = (2 * (raw[i] - lo[d])) / (hi[d] - lo[d] + EPS) - 1;
  }
  return y;
}

function unscale(norm: ArrayLike<number>, lo: Float32Array, hi: Float32Array, out?: Float32Array): Float32Array {
  const dim = lo.length;
  const y = out ?? new Float32Array(norm.length);
  for (let i = 0; i < norm.length; i++) {
    const d = i % dim;
    y[i] = ((norm[i] + 1) / 2) * (hi[d] - lo[d]) + lo[d];
  }
  return y;
}
