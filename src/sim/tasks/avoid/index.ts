/**
 * The D3IL Avoid task family (spec/dppo-reference.md §7.3): three ids that differ only in their
 * pre-training data subset (M1/M2/M3, §6.3); all fine-tune on the same `avoiding-m5` env, whose reward
 * pays only the left-most gap of row 3 (mode 5) and the finish line.
 */
import { UserError } from '../../../core/errors';
import { Rng } from '../../../core/rng';
import type { BundledAsset, Env, TaskFamily, TaskInfo } from '../../types';
import { AvoidEnv, avoidSpec } from './avoidEnv';
import { generateAvoidDemos } from './demos';
import { ACTION_SCALE, GOAL_Y, PILLARS, START_POS, X_BOUNDS } from './layout';
import {
  AVOID_TASKS,
  avoidCritic,
  avoidDiffusionActor,
  avoidGaussianActor,
  avoidGmmActor,
  avoidLaptopPreset,
  avoidGpuOverrides,
  avoidReferencePreset,
  type AvoidTaskId,
} from './presets';
import { MODE5_ROUTE, straightLineActions } from './testPaths';

const SUBSETS: Record<AvoidTaskId, string> = { 'avoid-m1': 'M1 (modes 5/6)', 'avoid-m2': 'M2 (modes 5/7)', 'avoid-m3': 'M3 (modes 5/8)' };

const tasks: TaskInfo[] = AVOID_TASKS.map((id) => ({
  id,
  description: `D3IL Avoid, pre-trained on subset ${SUBSETS[id]}; fine-tuned toward mode 5 (left-most gap) and the goal line.`,
  referenceEnv: 'avoiding-m5',
  spec: avoidSpec(id),
}));

const POLICIES = ['diffusion-mlp', 'gaussian-mlp', 'gmm-mlp'] as const;
const checkpoints: BundledAsset[] = AVOID_TASKS.flatMap((task) =>
  POLICIES.map((name) => ({ id: `builtin:${task}/${name}`, task, name, path: `checkpoints/${task}/${name}.safetensors`, kind: 'checkpoint' as const })),
);
const datasets: BundledAsset[] = AVOID_TASKS.flatMap((task) => [
  { id: `builtin:${task}/train`, task, name: 'train', path: `datasets/${task}/train.npz`, kind: 'dataset' as const },
  { id: `builtin:${task}/normalization`, task, name: 'normalization', path: `datasets/${task}/normalization.npz`, kind: 'normalization' as const },
]);

/** Okabe–Ito colours (colour-blind safe), one per row-3 gap as in the paper's Fig. 9. */
const MODE_COLORS = { 5: '#009E73', 6: '#E69F00', 7: '#56B4E9', 8: '#CC79A7', none: '#999999' } as const;

/** A followed path may move the desired point at most this much per env step (3× the action scale). */
const MAX_FOLLOW_STEP = 3 * ACTION_SCALE;

function asAvoid(env: Env): AvoidEnv {
  if (!(env instanceof AvoidEnv)) throw new Error('the Avoid viewer driver got an env of another task');
  return env;
}

function isAvoidId(id: string): id is AvoidTaskId {
  return (AVOID_TASKS as readonly string[]).includes(id);
}

export const avoidFamily: TaskFamily = {
  family: 'avoid',
  title: 'D3IL Avoid',
  tasks,
  // The study of the paper's Fig. 9/11: pre-trained at ≈ 0.6 success, DPPO reaches ≥ 0.9 in minutes.
  defaultTask: 'avoid-m2',
  needsMujoco: true,
  createEnv(taskId, ctx) {
    if (!ctx.mujoco) throw new Error('the Avoid env needs the MuJoCo module');
    return new AvoidEnv(ctx.mujoco, { taskId, maxEpisodeSteps: ctx.maxEpisodeSteps });
  },
  presets: { reference: avoidReferencePreset, laptop: avoidLaptopPreset },
  gpuOverrides: (_task, preset, algo) => avoidGpuOverrides(preset, algo),
  networks: { 'diffusion-mlp': avoidDiffusionActor, 'gaussian-mlp': avoidGaussianActor, 'gmm-mlp': avoidGmmActor, critic: avoidCritic },
  trajectory: {
    kind: 'plane',
    title: 'Tip paths, top-down (paper Fig. 9)',
    xLabel: 'x',
    yLabel: 'y',
    unit: 'm',
    window: [0.18, 0.82, -0.34, 0.46],
    shapes: [
      ...PILLARS.map((p) => ({ kind: 'circle' as const, x: p.x, y: p.y, r: p.radius })),
      { kind: 'hline', y: GOAL_Y, label: 'finish line' },
      { kind: 'vline', x: X_BOUNDS[0], label: 'x bound' },
      { kind: 'vline', x: X_BOUNDS[1] },
    ],
    start: [START_POS[0], START_POS[1]],
    obsFromPoint: [0, 1, 0, 1],
    pointFromObs: [2, 3],
  },
  tags: [
    {
      key: 'row3Mode',
      label: 'row-3 gap',
      kind: 'category',
      categories: [
        { value: 5, label: 'mode 5 · x < 0.35 (rewarded)', color: MODE_COLORS[5] },
        { value: 6, label: 'mode 6 · 0.35–0.50', color: MODE_COLORS[6] },
        { value: 7, label: 'mode 7 · 0.50–0.65', color: MODE_COLORS[7] },
        { value: 8, label: 'mode 8 · x > 0.65', color: MODE_COLORS[8] },
        { value: -1, label: 'not past row 3', color: MODE_COLORS.none },
      ],
    },
    { key: 'collided', label: 'collided (dashed)', kind: 'flag' },
  ],
  inspector: () => ({
    actionDims: [0, 1],
    actionNames: ['Δx', 'Δy'],
    unit: 'mm',
    unitScale: 1000,
    obsNames: ['desired x (m)', 'desired y (m)', 'tip x (m)', 'tip y (m)'],
    startObs: [START_POS[0], START_POS[1], START_POS[0], START_POS[1]],
  }),
  viewer: {
    // Replays a followed tip path (one env of the current iteration) by commanding each point in turn,
    // or, until one arrives, a collision-free mode-5 route.
    start(env, follow) {
      const avoid = asAvoid(env);
      if (follow && follow.length >= 2) {
        let cursor = 0;
        return {
          next() {
            if (2 * cursor >= follow.length) return null;
            const [dx, dy] = avoid.desired();
            const clamp = (v: number) => Math.max(-MAX_FOLLOW_STEP, Math.min(MAX_FOLLOW_STEP, v));
            const a = Float32Array.of(clamp(follow[2 * cursor] - dx), clamp(follow[2 * cursor + 1] - dy));
            cursor++;
            return a;
          },
        };
      }
      const route = straightLineActions(avoid.desired(), MODE5_ROUTE, ACTION_SCALE);
      let i = 0;
      return { next: () => (i < route.length ? route[i++] : null) };
    },
  },
  checkpoints,
  datasets,
  bridgeAssets: async () => (await import('./bridgeAssets')).avoidBridgeAssets(),
  async demos(taskId, episodes, seed, opts) {
    if (!isAvoidId(taskId)) throw new UserError(`No Avoid demo subset for "${taskId}": use ${AVOID_TASKS.join(', ')}.`);
    if (!opts.ctx.mujoco) throw new Error('Avoid demos need the MuJoCo module');
    return generateAvoidDemos(taskId, episodes, new Rng(seed), { mujoco: opts.ctx.mujoco, onProgress: opts.onProgress });
  },
};
