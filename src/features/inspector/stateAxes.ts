/**
 * The PCA axes of one inspected state, chosen once and then kept: computed from all clouds of that state
 * pooled (every denoising step of both policies), so every step is drawn on the same axes and the clouds
 * stay comparable while the current policy is re-sampled after each fine-tuning iteration.
 *
 * A state's samples are recognised by request ids (state/inspector.ts numbers requests in order, and a new
 * state or sampling setting re-asks both policies, the pre-trained one first): the axes belong to the
 * pre-trained result's request; a current result joins the pool once if it was asked after that one (an
 * older one still shows the previous state).
 */
import type { InspectResult } from '../../workers/protocol';
import { pca2, type Pca2 } from './pca';

export interface StateAxes {
  /** Which pre-trained answer (or, without one, current answer) the axes belong to. */
  key: string;
  /** Whether the current policy's clouds are in the pool. */
  withCurrent: boolean;
  pca: Pca2;
}

function usable(r: InspectResult | null): r is InspectResult {
  return !!r && r.steps.length > 0 && r.actionDim > 0;
}

/**
 * The axes for the shown results: `prev` when it still belongs to them, else freshly pooled ones; null
 * before any samples.
 */
export function stateAxes(prev: StateAxes | null, pretrained: InspectResult | null, current: InspectResult | null): StateAxes | null {
  const base = usable(pretrained) ? pretrained : usable(current) ? current : null;
  if (!base) return null;
  const key = `${base.policy}:${base.requestId}:${base.actionDim}`;
  const joins =
    base === pretrained &&
    usable(current) &&
    current.actionDim === base.actionDim &&
    current.steps.length === base.steps.length &&
    current.requestId > base.requestId;
  if (prev && prev.key === key && (prev.withCurrent || !joins)) return prev;
  const clouds = joins ? [...base.steps, ...current!.steps] : base.steps;
  return { key, withCurrent: base === current || joins, pca: pca2(clouds, base.actionDim) };
}
