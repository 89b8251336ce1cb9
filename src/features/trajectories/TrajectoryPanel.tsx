/**
 * The trajectory plot wired to the app: paths of the active run's latest iteration, clicks select the
 * inspector state and the env the 3-D viewer follows; the followed env's path is sent to the sim worker
 * (SimRequest 'follow') whenever the iteration or the choice changes.
 */
import { useCallback, useEffect } from 'react';
import { setSimStatus, useApp } from '../../state/app';
import { getClients } from '../../state/clients';
import { setInspectState, useInspector } from '../../state/inspector';
import { useExperiment } from '../../state/experiment';
import { useRuns } from '../../state/runs';
import { taskListings, taskTags, trajectoryView } from '../../state/taskCatalog';
import { setFollowEnv, useTrajectories } from '../../state/trajectories';
import { SeriesPlot } from './SeriesPlot';
import { TrajectoryPlot, type TrajectoryPick } from './TrajectoryPlot';

const NO_PATHS: never[] = [];

/** Runs for which the viewer was already switched to the run's task scene (once per run, then the user's choice wins). */
const switchedForRun = new Set<string>();

/**
 * Sends the followed env's path to the viewer's sim worker. The first paths of a run switch the viewer to
 * the run's task scene; later iterations replay the followed env as long as that scene is shown.
 */
export function useFollowInViewer(): void {
  useEffect(() => {
    let sentFor: unknown = null;
    const send = () => {
      const paths = useRuns.getState().paths;
      const env = useTrajectories.getState().followEnv;
      const scene = useApp.getState().sim.scene;
      if (!paths || paths.paths.length === 0 || !scene) return;
      const task = useRuns.getState().runs[paths.runId]?.config.task;
      if (!task || !taskListings().some((t) => t.id === task && t.hasScene)) return;
      if (scene !== task) {
        if (switchedForRun.has(paths.runId)) return;
        switchedForRun.add(paths.runId);
        try {
          setSimStatus({ scene: null, error: null });
          getClients().sim.load(task, 0);
        } catch {
          // The viewer is not booted (no clients yet).
        }
        return;
      }
      const path = paths.paths.find((p) => p.env === env) ?? paths.paths[0];
      const key = `${paths.runId}/${paths.itr}/${path.env}/${scene}`;
      if (key === sentFor) return;
      sentFor = key;
      try {
        getClients().sim.follow(path.points.slice());
      } catch {
        // The viewer is not booted (no clients yet): nothing to follow.
      }
    };
    send();
    const offs = [useRuns.subscribe(send), useTrajectories.subscribe(send), useApp.subscribe(send)];
    return () => offs.forEach((off) => off());
  }, []);
}

export function TrajectoryPanel() {
  const paths = useRuns((s) => s.paths);
  const runTask = useRuns((s) => (s.paths ? s.runs[s.paths.runId]?.config.task : undefined));
  const formTask = useExperiment((s) => s.task);
  const task = runTask ?? formTask;
  const followEnv = useTrajectories((s) => s.followEnv);
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
