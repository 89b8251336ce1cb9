/**
 * Compact action-cloud panel for the Experiments page: five denoising steps from noise to action for the
 * pre-trained and the current policy, refreshed after every iteration; the full view is the Inspector page.
 */
import { useEffect, useMemo, useState } from 'react';
import { attachInspectorView } from '../../state/inspector';
import { routeHref } from '../../state/app';
import { Panel } from '../../ui/Panel';
import { ActionCloudGrid } from './ActionCloudGrid';
import { pickSteps } from './cloudMath';
import { useCloudView, type RangeMode } from './cloudModel';
import { RangeToggle } from './InspectorView';
import { ProjectionPicker } from './ProjectionPicker';
import { StatePicker } from './StatePicker';

export function InspectorPanel() {
  useEffect(() => attachInspectorView(), []);
  const [rangeMode, setRangeMode] = useState<RangeMode>('shared');
  const view = useCloudView(rangeMode);
  const steps = useMemo(() => pickSteps(view.S, 5), [view.S]);
  return (
    <Panel
      title="Action clouds"
      testId="inspector-panel"
      actions={
        <>
          <RangeToggle mode={rangeMode} onMode={setRangeMode} />
          <a className="ic-open" href={routeHref('inspector')}>
            Inspector →
          </a>
        </>
      }
    >
      <StatePicker compact />
      <ProjectionPicker view={view} compact />
      <ActionCloudGrid view={view} steps={steps} size={46} perStepTicks={rangeMode === 'per-step'} compact />
    </Panel>
  );
}
