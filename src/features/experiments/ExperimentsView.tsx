/**
 * Experiments (home): left, run controls with progress, pre-training from demos and the experiment form; centre, the 3-D view of
 * one env, the learning curves and the run list; right, the trajectory plot of the current iteration
 * (Fig. 9) and the compact action-cloud inspector (Fig. 11).
 */
import { useEffect, useState } from 'react';
import { getClients } from '../../state/clients';
import { syncExperimentWithHash } from '../../state/experiment';
import { hydrateRuns, useRuns } from '../../state/runs';
import { useTrajectories } from '../../state/trajectories';
import { Panel } from '../../ui/Panel';
import { InspectorPanel } from '../inspector/InspectorPanel';
import { MetricsPanel } from '../metrics/MetricsPanel';
import { TrajectoryPanel, useFollowInViewer } from '../trajectories/TrajectoryPanel';
import { Viewer } from '../viewer/Viewer';
import { ViewerControls } from '../viewer/ViewerControls';
import type { ViewerScene } from '../viewer/viewerScene';
import { ConfigForm } from './ConfigForm';
import { PretrainPanel } from './PretrainPanel';
import { RunControls } from './RunControls';
import { RunList } from './RunList';
import './experiments.css';

function TrajectoryTitle() {
  const itr = useRuns((s) => s.paths?.itr);
  const follow = useTrajectories((s) => s.followEnv ?? s.liveEnv);
  return (
    <>
      Trajectories{itr !== undefined ? ` · itr ${itr}` : ''}
      {follow !== null ? ` · viewer follows env ${follow}` : ''}
    </>
  );
}

export function ExperimentsView() {
  const { sim } = getClients();
  const [view, setView] = useState<ViewerScene | null>(null);
  useFollowInViewer();
  useEffect(() => {
    void hydrateRuns();
    syncExperimentWithHash();
    window.addEventListener('hashchange', syncExperimentWithHash);
    return () => window.removeEventListener('hashchange', syncExperimentWithHash);
  }, []);

  return (
    <div className="xp-page" data-testid="page-experiments">
      <aside className="xp-side">
        <Panel title="Run" testId="run-panel">
          <RunControls />
        </Panel>
        <Panel title="Pre-train from demos" testId="pretrain-panel-box">
          <PretrainPanel />
        </Panel>
        <Panel title="Experiment" className="xp-form-panel">
          <ConfigForm />
        </Panel>
      </aside>
      <div className="xp-main">
        <Panel title="Scene" className="xp-scene" flush actions={<ViewerControls sim={sim} view={view} />} testId="scene-panel">
          <Viewer sim={sim} onScene={setView} />
        </Panel>
        <Panel title={<TrajectoryTitle />} className="xp-traj" testId="trajectory-panel">
          <TrajectoryPanel />
        </Panel>
        <Panel title="Learning curves" className="xp-curves" testId="curves-panel">
          <MetricsPanel />
        </Panel>
        <div className="xp-clouds">
          <InspectorPanel />
        </div>
        <Panel title="Runs" className="xp-runlist">
          <RunList />
        </Panel>
      </div>
    </div>
  );
}
