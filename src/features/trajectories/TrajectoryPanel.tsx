/**
 * The trajectory plot wired to the app: paths of the active run's latest iteration, clicks select the
 * inspector state and the env the 3-D viewer follows; the followed env's path is sent to the sim worker
 * (SimRequest 'follow') whenever the iteration or the choice changes.
 */
import { useCallback, useEffect } from 'react';
import { setSimStatus, useApp } from '../../state/app';
import { getClients } from '../../state/clients';
import { setInspectState, useInspector } from '../../state/inspector';
import { useRuns } from '../../state/runs';
import { setFollowEnv, useTrajectories } from '../../state/trajectories';
import { TrajectoryPlot, type TrajectoryPick } from './TrajectoryPlot';

const NO_PATHS: never[] = [];

/** Runs for which the viewer was already switched to the Avoid scene (once per run, then the user's choice wins). */
const switchedForRun = new Set<string>();

/**
 * Sends the followed env's path to the viewer's sim worker. The first paths of a run switch the viewer to
 * the Avoid scene; later iterations replay the followed env as long as the Avoid scene is shown.
 */
export function useFollowInViewer(): void {
  useEffect(() => {
    let sentFor: unknown = null;
    const send = () => {
      const paths = useRuns.getState().paths;
      const env = useTrajectories.getState().followEnv;
      const scene = useApp.getState().sim.scene;
      if (!paths || paths.paths.length === 0 || !scene) return;
      if (scene !== 'avoid') {
        if (switchedForRun.has(paths.runId)) return;
        switchedForRun.add(paths.runId);
        try {
          setSimStatus({ scene: null, error: null });
          getClients().sim.load('avoid', 0);
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
  const followEnv = useTrajectories((s) => s.followEnv);
  const obs = useInspector((s) => s.obs);
  const onPick = useCallback((p: TrajectoryPick) => {
    const label = p.env !== null ? `env ${p.env} · chunk point ${p.step}` : `table point (${p.x.toFixed(3)}, ${p.y.toFixed(3)})`;
    // A path vertex gives the tip; the previous commanded target is taken to be the same point.
    setInspectState([p.x, p.y, p.x, p.y], p.env !== null ? 'trajectory' : 'typed', label);
    if (p.env !== null) setFollowEnv(p.env);
  }, []);
  const list = paths?.paths ?? NO_PATHS;
  const shownFollow = followEnv ?? list[0]?.env ?? null;
  return <TrajectoryPlot paths={list} followEnv={shownFollow} marker={obs.length >= 4 ? { x: obs[2], y: obs[3] } : null} onPick={onPick} />;
}
