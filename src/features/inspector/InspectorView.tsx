/**
 * The Inspector page (paper Fig. 11, interactive): choose a state (start, typed, or a point on a path of
 * the current iteration), then see the pre-trained and the current policy's action samples at every
 * denoising step, as a scrubber with the cloud-mean path and as small multiples. The current policy is
 * re-sampled after every iteration while this page is open.
 */
import { useEffect, useMemo, useState } from 'react';
import { attachInspectorView, useInspector } from '../../state/inspector';
import { hydrateRuns, useRuns } from '../../state/runs';
import { Panel } from '../../ui/Panel';
import { TrajectoryPanel } from '../trajectories/TrajectoryPanel';
import { ActionCloudGrid } from './ActionCloudGrid';
import { ActionCloudScrubber } from './ActionCloudScrubber';
import { useCloudView, useDimHistograms, type RangeMode } from './cloudModel';
import { DimHistograms } from './DimHistograms';
import { ProjectionPicker } from './ProjectionPicker';
import { StatePicker } from './StatePicker';

export function RangeToggle({ mode, onMode }: { mode: RangeMode; onMode: (m: RangeMode) => void }) {
  return (
    <select value={mode} onChange={(e) => onMode(e.target.value as RangeMode)} aria-label="axis range" title="Same axes for every panel, or zoom each denoising step">
      <option value="shared">same axes</option>
      <option value="per-step">axes per step</option>
    </select>
  );
}

export function InspectorTarget() {
  const target = useInspector((s) => s.target);
  const run = useRuns((s) => (target?.runId ? s.runs[target.runId] : undefined));
  if (!target) return <span className="hint">nothing sampled yet</span>;
  return (
    <span className="hint" data-testid="inspect-target">
      {run ? `run ${run.label} (${run.status})` : `checkpoint ${target.checkpoint}`}
    </span>
  );
}

export function InspectorView() {
  useEffect(() => attachInspectorView(), []);
  useEffect(() => {
    void hydrateRuns();
  }, []);
  const [rangeMode, setRangeMode] = useState<RangeMode>('shared');
  const view = useCloudView(rangeMode);
  const [step, setStep] = useState<number | null>(null);
  const [playing, setPlaying] = useState(false);
  const allSteps = useMemo(() => Array.from({ length: view.S }, (_, i) => i), [view.S]);
  const active = step ?? Math.max(view.S - 1, 0);
  const hists = useDimHistograms(view);

  return (
    <div className="page ic-page" data-testid="page-inspector">
      <div>
        <h1 className="page-title">Inspector · action clouds through the denoising chain</h1>
        <p className="page-lede">
          A few hundred chains sampled from one state, shown after every denoising step from pure noise (k = K) to the executed action (k = 0),
          for the pre-trained policy and the one being fine-tuned (paper Fig. 11). Click a path in the trajectory plot to inspect that state.
          Actions with more than two dimensions are drawn as a chosen pair of dimensions or on the state's top two principal components, and
          one histogram per dimension shows the scrubber's step.
        </p>
      </div>
      <div className="ic-layout">
        <div className="stack">
          <Panel title="State">
            <StatePicker />
          </Panel>
          <Panel title="Trajectories · latest iteration" testId="inspector-trajectories">
            <TrajectoryPanel />
          </Panel>
        </div>
        <div className="stack">
          <Panel title="Denoising scrubber" actions={<InspectorTarget />}>
            <ProjectionPicker view={view} />
            <ActionCloudScrubber view={view} step={active} onStep={setStep} playing={playing} onPlaying={setPlaying} size={230} />
          </Panel>
          <Panel title="Per-dimension histograms at the scrubber's step" testId="inspector-histograms">
            <DimHistograms view={view} hists={hists} step={active} />
          </Panel>
          <Panel title="Every denoising step" actions={<RangeToggle mode={rangeMode} onMode={setRangeMode} />}>
            <ActionCloudGrid view={view} steps={allSteps} size={84} perStepTicks={rangeMode === 'per-step'} activeStep={active} onStepClick={(s) => { setPlaying(false); setStep(s); }} />
          </Panel>
        </div>
      </div>
    </div>
  );
}
