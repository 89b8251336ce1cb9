/**
 * The trajectory plot wired to the app: paths of the active run's latest iteration, clicks select the
 * inspector state and the env the 3-D viewer follows (live while the run goes, its path after it:
 * followInViewer.ts).
 */
import { useCallback } from 'react';
import { setInspectState, useInspector } from '../../state/inspector';
import { useExperiment } from '../../state/experiment';
import { useRuns } from '../../state/runs';
import { taskTags, trajectoryView } from '../../state/taskCatalog';
import { setFollowEnv, useTrajectories } from '../../state/trajectories';
import { SeriesPlot } from './SeriesPlot';
import { TrajectoryPlot, type TrajectoryPick } from './TrajectoryPlot';

const NO_PATHS: never[] = [];

export { useFollowInViewer } from './followInViewer';

export function TrajectoryPanel() {
  const paths = useRuns((s) => s.paths);
  const runTask = useRuns((s) => (s.paths ? s.runs[s.paths.runId]?.config.task : undefined));
  const formTask = useExperiment((s) => s.task);
  const task = runTask ?? formTask;
  const followEnv = useTrajectories((s) => s.followEnv ?? s.liveEnv);
  const obs = useInspector((s) => s.obs);
  const view = trajectoryView(task);
  const tags = taskTags(task);
  const onPick = useCallback(
    (p: TrajectoryPick) => {
      if (view?.kind !== 'plane' || !view.obsFromPoint) return;
      const label = p.env !== null ? `env ${p.env} · chunk point ${p.step}` : `point (${p.x.toFixed(3)}, ${p.y.toFixed(3)})`;
      // The task says how a point of its plane becomes an observation (Avoid: desired = tip = the point).
      setInspectState(view.obsFromPoint.map((k) => (k === 0 ? p.x : p.y)), p.env !== null ? 'trajectory' : 'typed', label);
      if (p.env !== null) setFollowEnv(p.env);
    },
    [view],
  );
  const list = paths?.paths ?? NO_PATHS;
  const shownFollow = followEnv ?? list[0]?.env ?? null;
  if (!view) return <div className="tj-readout mono">This task has no trajectory view.</div>;
  if (view.kind === 'series') return <SeriesPlot view={view} tags={tags} paths={list} followEnv={shownFollow} onPickEnv={setFollowEnv} />;
  const at = view.pointFromObs;
  const marker = at && obs.length > Math.max(at[0], at[1]) ? { x: obs[at[0]], y: obs[at[1]] } : null;
  return <TrajectoryPlot view={view} tags={tags} paths={list} followEnv={shownFollow} marker={marker} onPick={onPick} />;
}
