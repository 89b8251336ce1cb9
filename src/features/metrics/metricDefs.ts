/** The learning curves of the Experiments page (ux.md "Experiments"), with their units. */
import type { MetricKey } from '../../workers/protocol';

export interface MetricDef {
  key: MetricKey;
  title: string;
  /** Unit of the y-axis. */
  unit: string;
  /** Fixed y-domain when the metric has natural bounds. */
  domain?: [number, number];
}

export const METRICS: MetricDef[] = [
  { key: 'charts/success_rate', title: 'Success rate', unit: 'fraction of episodes', domain: [0, 1] },
  { key: 'charts/avg_return', title: 'Average return', unit: 'reward / episode' },
  { key: 'losses/clipfrac', title: 'Clip fraction', unit: 'fraction of PPO items' },
  { key: 'losses/approx_kl', title: 'Approx. KL', unit: 'nats (k3 estimator)' },
  { key: 'losses/value_loss', title: 'Value loss', unit: 'MSE, scaled returns' },
  { key: 'losses/explained_variance', title: 'Explained variance', unit: '1 − Var[R−V]/Var[R]' },
  { key: 'charts/env_steps_per_s', title: 'Throughput', unit: 'env steps / s' },
];

export type XAxisKind = 'envSteps' | 'wallS' | 'itr';

export const X_AXES: Record<XAxisKind, string> = {
  envSteps: 'env steps',
  wallS: 'wall-clock (s)',
  itr: 'iteration',
};

/** 12 → "12", 12500 → "12.5k", 3.2e6 → "3.2M". */
export function compactNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a === 0) return '0';
  if (a < 1e-3) return v.toExponential(1);
  return `${+v.toPrecision(3)}`;
}
