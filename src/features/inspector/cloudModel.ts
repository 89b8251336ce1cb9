/**
 * View model shared by the inspector's small multiples, scrubber and compact panel: the two policies'
 * clouds, step labels, plotted dims, axis names/units and the axis ranges (one range for every panel, or
 * one per denoising step).
 */
import { useMemo } from 'react';
import { useExperiment } from '../../state/experiment';
import { useInspector } from '../../state/inspector';
import { useRuns } from '../../state/runs';
import { inspectorDefaults } from '../../state/taskCatalog';
import { OKABE_ITO, seriesColor } from '../../ui/palette';
import type { InspectResult } from '../../workers/protocol';
import { cloudMean, cloudRange, type Range2 } from './cloudMath';

export type RangeMode = 'shared' | 'per-step';

export interface CloudRow {
  key: 'pretrained' | 'current';
  title: string;
  shortTitle: string;
  color: string;
  result: InspectResult | null;
}

export interface CloudView {
  rows: CloudRow[];
  /** Number of recorded steps S (K+1 for diffusion, 1 for Gaussian/GMM); 0 before any result. */
  S: number;
  /** Denoising index remaining at each step, K … 0. */
  stepLabels: number[];
  Da: number;
  dims: [number, number];
  axisNames: [string, string];
  unit: string;
  unitScale: number;
  rangeAt(step: number): Range2;
  /** Mean of each row's cloud at every step, [S][2]. */
  means: Record<'pretrained' | 'current', [number, number][]>;
}

const EMPTY_RANGE: Range2 = { x0: -1, x1: 1, y0: -1, y1: 1 };

export function stepTitle(k: number, K: number): string {
  if (K === 0) return 'final action';
  if (k === K) return `k=${k} · noise`;
  if (k === 0) return 'k=0 · action';
  return `k=${k}`;
}

/** Clouds of the inspected state; `dims` defaults to the task's two default action dimensions. */
export function useCloudView(rangeMode: RangeMode, dimsIn?: [number, number]): CloudView {
  const pretrained = useInspector((s) => s.pretrained);
  const current = useInspector((s) => s.current);
  const target = useInspector((s) => s.target);
  const task = useExperiment((s) => s.task);
  const defaults = inspectorDefaults(task);
  const dims: [number, number] = dimsIn ?? [defaults.actionDims[0], defaults.actionDims[1]];
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
    const rows: CloudRow[] = [
      { key: 'pretrained', title: pretrained?.mode === 'eval' ? 'pre-trained · eval noise' : 'pre-trained', shortTitle: 'pre-trained', color: OKABE_ITO.grey, result: pretrained },
      { key: 'current', title: currentTitle, shortTitle: current && current.itr >= 0 ? `after itr ${current.itr}` : 'current', color: runColor, result: current },
    ];
    const ref = pretrained ?? current;
    const S = ref ? ref.steps.length : 0;
    const Da = ref ? ref.actionDim : 2;
    const sameShape = (r: InspectResult | null) => !!r && r.steps.length === S;
    const clouds = (s: number) => rows.filter((r) => sameShape(r.result)).map((r) => r.result!.steps[s]);
    const shared = S ? cloudRange(Array.from({ length: S }, (_, s) => clouds(s)).flat(), Da, dims) : EMPTY_RANGE;
    const perStep = rangeMode === 'per-step' ? Array.from({ length: S }, (_, s) => cloudRange(clouds(s), Da, dims)) : [];
    const meanOf = (r: InspectResult | null): [number, number][] => (sameShape(r) ? r!.steps.map((c) => cloudMean(c, Da, dims)) : []);
    return {
      rows,
      S,
      stepLabels: ref ? ref.stepLabels : [],
      Da,
      dims,
      axisNames: [defaults.actionNames[dims[0]] ?? `a[${dims[0]}]`, defaults.actionNames[dims[1]] ?? `a[${dims[1]}]`],
      unit: defaults.unit,
      unitScale: defaults.unitScale,
      rangeAt: (s: number) => (rangeMode === 'per-step' ? perStep[s] ?? shared : shared),
      means: { pretrained: meanOf(pretrained), current: meanOf(current) },
    };
  }, [pretrained, current, target, run, defaults, rangeMode, dims[0], dims[1]]);
}
