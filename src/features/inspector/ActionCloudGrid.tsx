/**
 * Small multiples of the action clouds (paper Fig. 11): one row per policy (pre-trained, current), one
 * column per denoising step from x_K (pure noise) to x_0 (the action), all with the same axes unless
 * "per step" is chosen. Gaussian/GMM policies have one column (the final action).
 */
import { CloudCanvas } from './CloudCanvas';
import { PLOT_DIMS, stepTitle, type CloudView } from './cloudModel';
import './inspector.css';

export interface ActionCloudGridProps {
  view: CloudView;
  /** Step indices to show (into view.stepLabels). */
  steps: number[];
  /** Drawing size of one panel, CSS px. */
  size: number;
  perStepTicks: boolean;
  /** Highlighted step (the scrubber's). */
  activeStep?: number;
  onStepClick?: (step: number) => void;
  /** Narrow layout: short row titles, x ticks under the first column only. */
  compact?: boolean;
}

export function ActionCloudGrid({ view, steps, size, perStepTicks, activeStep, onStepClick, compact = false }: ActionCloudGridProps) {
  const K = view.stepLabels[0] ?? 0;
  if (view.S === 0) {
    return (
      <p className="hint ic-empty" data-testid="cloud-grid" data-steps={0}>
        No samples yet: the pre-trained policy is sampled as soon as the training worker has loaded it.
      </p>
    );
  }
  return (
    <div className="ic-grid-wrap">
      <div className={compact ? 'ic-grid compact' : 'ic-grid'} style={{ gridTemplateColumns: `auto repeat(${steps.length}, max-content)` }} data-testid="cloud-grid" data-steps={steps.length} data-proj={view.projKey} data-axes={view.axisNames.join('|')}>
        <div className="ic-corner">
          denoising step k →
        </div>
        {steps.map((s) => (
          <button
            key={`h${s}`}
            type="button"
            className={s === activeStep ? 'ic-colhead active' : 'ic-colhead'}
            onClick={() => onStepClick?.(s)}
            title={`Samples after denoising down to k = ${view.stepLabels[s]}`}
          >
            {compact ? `k=${view.stepLabels[s]}` : stepTitle(view.stepLabels[s], K)}
          </button>
        ))}
        {view.rows.map((row, r) => [
          <div key={`t${row.key}`} className="ic-rowhead" title={row.title}>
            <span className="ic-swatch" style={{ background: row.color }} />
            {compact ? row.shortTitle : row.title}
          </div>,
          ...steps.map((s, c) => (
            <div key={`${row.key}-${s}`} className={s === activeStep ? 'ic-cell active' : 'ic-cell'} data-testid={`cloud-${row.key}-${view.stepLabels[s]}`}>
              <CloudCanvas
                points={row.plotted ? row.plotted[s] : null}
                Da={2}
                dims={PLOT_DIMS}
                range={view.rangeAt(s)}
                color={row.color}
                size={size}
                unitScale={view.unitScale}
                xTicks={r === view.rows.length - 1 && (!compact || c === 0)}
                yTicks={perStepTicks ? r === 0 : c === 0}
                reserveLeft={perStepTicks || c === 0}
              />
            </div>
          )),
        ])}
      </div>
      <div className="ic-grid-foot hint">
        Each panel: the first action of the chunk for {chainsShown(view)} sampled chains;
        horizontal <span data-testid="cloud-axis-x">{view.axisNames[0]}</span> ({view.unit}), vertical{' '}
        <span data-testid="cloud-axis-y">{view.axisNames[1]}</span> ({view.unit}){view.projection.kind === 'pca' ? ': the state\'s top two principal components, the same for every step' : ''}.
      </div>
    </div>
  );
}

/** Chains in the shown clouds: those of whichever row has samples (the rows share n), 0 before any. */
function chainsShown(view: CloudView): number {
  const row = view.rows.find((r) => r.plotted && r.plotted.length > 0);
  return row?.plotted ? row.plotted[0].length / 2 : 0;
}
