/**
 * View model shared by the inspector's small multiples, scrubber and compact panel: the two policies'
 * clouds projected to the plotted plane (two action dimensions, or the state's top two principal
 * components), step labels, axis names/units and the axis ranges (one range for every panel, or one per
 * denoising step); and the per-dimension histograms of every step on bins shared across steps.
 */
import { useMemo } from 'react';
import { useExperiment } from '../../state/experiment';
import { effectiveProjection, useInspector, type CloudProjection } from '../../state/inspector';
import { useRuns } from '../../state/runs';
import { inspectorDefaults } from '../../state/taskCatalog';
import { OKABE_ITO, seriesColor } from '../../ui/palette';
import type { InspectResult } from '../../workers/protocol';
import { cloudMean, cloudRange, histogramCounts, pickDims, sharedBins, type Bins, type Range2 } from './cloudMath';
import { projectPca, type Pca2 } from './pca';
import { stateAxes, type StateAxes } from './stateAxes';

export type RangeMode = 'shared' | 'per-step';

/** What CloudCanvas draws: the projected clouds are flat [n, 2], x = column 0, y = column 1. */
export const PLOT_DIMS: [number, number] = [0, 1];

export interface CloudRow {
  key: 'pretrained' | 'current';
  title: string;
  shortTitle: string;
  color: string;
  result: InspectResult | null;
  /** The row's clouds in the plotted plane, one flat [n, 2] per step; null without samples of the shown shape. */
  plotted: Float32Array[] | null;
}

export interface CloudView {
  rows: CloudRow[];
  /** Number of recorded steps S (K+1 for diffusion, 1 for Gaussian/GMM); 0 before any result. */
  S: number;
  /** Denoising index remaining at each step, K … 0. */
  stepLabels: number[];
  /** Dimension of the sampled actions. */
  Da: number;
  /** Name of each action dimension [Da]: the task's, else a0, a1, … */
  actionNames: string[];
  /** The projection in effect (the chosen one, or the task's default pair). */
  projection: CloudProjection;
  /** The state's PCA axes while PCA is shown (null before samples, or when two dimensions are plotted). */
  pca: Pca2 | null;
  /** 'dims:x,y' or 'pca': what is drawn, for tests and keys. */
  projKey: string;
  axisNames: [string, string];
  unit: string;
  unitScale: number;
  rangeAt(step: number): Range2;
  /** Mean of each row's plotted cloud at every step, [S][2]. */
  means: Record<'pretrained' | 'current', [number, number][]>;
}

const EMPTY_RANGE: Range2 = { x0: -1, x1: 1, y0: -1, y1: 1 };

export function stepTitle(k: number, K: number): string {
  if (K === 0) return 'final action';
  if (k === K) return `k=${k} · noise`;
  if (k === 0) return 'k=0 · action';
  return `k=${k}`;
}

/** Axes of the inspected state, shared by every mounted view (the panel and the page use the same ones). */
let axesMemo: StateAxes | null = null;

/** Name of action dimension `d`: the task's, else a<d>. */
export function actionName(names: readonly string[], d: number): string {
  return names[d] ?? `a${d}`;
}

/** Clouds of the inspected state, projected as chosen in the inspector store (default: the task's pair). */
export function useCloudView(rangeMode: RangeMode): CloudView {
  const pretrained = useInspector((s) => s.pretrained);
  const current = useInspector((s) => s.current);
  const target = useInspector((s) => s.target);
  const chosen = useInspector((s) => s.projection);
  const task = useExperiment((s) => s.task);
  // One object per task, so the memo below (and the canvases) are not redone on every render (Play).
  const defaults = useMemo(() => inspectorDefaults(task), [task]);
  const run = useRuns((s) => (target?.runId ? s.runs[target.runId] : undefined));

  return useMemo(() => {
    const runColor = run ? seriesColor(run.colorIndex) : OKABE_ITO.orange;
    const currentTitle =
      (current && current.itr >= 0
        ? `current · after itr ${current.itr}`
        : target?.runId
          ? 'current (= pre-trained: no iteration done yet)'
          : 'current (= pre-trained, no run yet)') +
      (current?.mode === 'eval' ? ' · eval noise' : '');
    const ref = pretrained ?? current;
    const S = ref ? ref.steps.length : 0;
    const Da = ref ? ref.actionDim : defaults.actionNames.length || 2;
    const sameShape = (r: InspectResult | null): r is InspectResult => !!r && r.steps.length === S && r.actionDim === Da;
    const projection = effectiveProjection(chosen, Da, defaults.actionDims);
    let pca: Pca2 | null = null;
    if (projection.kind === 'pca') {
      axesMemo = stateAxes(axesMemo, sameShape(pretrained) ? pretrained : null, sameShape(current) ? current : null);
      pca = axesMemo?.pca ?? null;
    }
    const project = (c: Float32Array) => (pca ? projectPca(c, Da, pca) : pickDims(c, Da, [projection.x, projection.y]));
    const plottedOf = (r: InspectResult | null) => (sameShape(r) && (projection.kind === 'dims' || pca) ? r.steps.map(project) : null);
    const rows: CloudRow[] = [
      { key: 'pretrained', title: pretrained?.mode === 'eval' ? 'pre-trained · eval noise' : 'pre-trained', shortTitle: 'pre-trained', color: OKABE_ITO.grey, result: pretrained, plotted: plottedOf(pretrained) },
      { key: 'current', title: currentTitle, shortTitle: current && current.itr >= 0 ? `after itr ${current.itr}` : 'current', color: runColor, result: current, plotted: plottedOf(current) },
    ];
    const clouds = (s: number) => rows.flatMap((r) => (r.plotted ? [r.plotted[s]] : []));
    const shared = S ? cloudRange(Array.from({ length: S }, (_, s) => clouds(s)).flat(), 2, PLOT_DIMS) : EMPTY_RANGE;
    const perStep = rangeMode === 'per-step' ? Array.from({ length: S }, (_, s) => cloudRange(clouds(s), 2, PLOT_DIMS)) : [];
    const meanOf = (r: CloudRow): [number, number][] => (r.plotted ? r.plotted.map((c) => cloudMean(c, 2, PLOT_DIMS)) : []);
    const actionNames = Array.from({ length: Da }, (_, d) => actionName(defaults.actionNames, d));
    return {
      rows,
      S,
      stepLabels: ref ? ref.stepLabels : [],
      Da,
      actionNames,
      projection,
      pca,
      projKey: projection.kind === 'pca' ? 'pca' : `dims:${projection.x},${projection.y}`,
      axisNames: projection.kind === 'pca' ? ['PC1', 'PC2'] : [actionNames[projection.x], actionNames[projection.y]],
      unit: defaults.unit,
      unitScale: defaults.unitScale,
      rangeAt: (s: number) => (rangeMode === 'per-step' ? perStep[s] ?? shared : shared),
      means: { pretrained: meanOf(rows[0]), current: meanOf(rows[1]) },
    };
  }, [pretrained, current, target, run, defaults, rangeMode, chosen]);
}

/** One action dimension's histograms: bins shared by every step and both rows, counts per row per step. */
export interface DimHistogram {
  dim: number;
  name: string;
  bins: Bins;
  /** counts[row][step], null for a row without samples of the shown shape. */
  counts: Record<'pretrained' | 'current', Uint32Array[] | null>;
  /** Standard deviation of the dimension per row per step (how wide the distribution is). */
  std: Record<'pretrained' | 'current', number[] | null>;
}

function stdOf(cloud: Float32Array, Da: number, dim: number): number {
  let n = 0;
  let sum = 0;
  let sq = 0;
  for (let i = dim; i < cloud.length; i += Da) {
    const v = cloud[i];
    if (!Number.isFinite(v)) continue;
    n++;
    sum += v;
    sq += v * v;
  }
  if (!n) return 0;
  const m = sum / n;
  return Math.sqrt(Math.max(sq / n - m * m, 0));
}

/** Per-dimension histograms of every denoising step of the view's clouds (`binCount` bins per dimension). */
export function useDimHistograms(view: CloudView, binCount = 24): DimHistogram[] {
  const [pre, cur] = view.rows;
  return useMemo(() => {
    const { S, Da } = view;
    if (!S) return [];
    const ok = (r: InspectResult | null): r is InspectResult => !!r && r.steps.length === S && r.actionDim === Da;
    const rows = { pretrained: ok(pre.result) ? pre.result : null, current: ok(cur.result) ? cur.result : null };
    const all = [rows.pretrained, rows.current].flatMap((r) => (r ? r.steps : []));
    return Array.from({ length: Da }, (_, d) => {
      const bins = sharedBins(all, Da, d, binCount);
      return {
        dim: d,
        name: view.actionNames[d],
        bins,
        counts: {
          pretrained: rows.pretrained ? rows.pretrained.steps.map((c) => histogramCounts(c, Da, d, bins)) : null,
          current: rows.current ? rows.current.steps.map((c) => histogramCounts(c, Da, d, bins)) : null,
        },
        std: {
          pretrained: rows.pretrained ? rows.pretrained.steps.map((c) => stdOf(c, Da, d)) : null,
          current: rows.current ? rows.current.steps.map((c) => stdOf(c, Da, d)) : null,
        },
      };
    });
    // Recomputed when the samples (or the dimension names) change, not on a projection change.
  }, [pre.result, cur.result, view.S, view.Da, view.actionNames.join('|'), binCount]);
}
