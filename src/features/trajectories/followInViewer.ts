/**
 * What the 3-D viewer shows of a run (issue 9, "The viewer follows one env of the pool live"):
 * - while a run goes, it replays the followed env live: the page tells the train worker which env
 *   ('follow-env'; the user's pick, else env 0), and forwards that env's executed actions ('live-steps') to
 *   the sim worker ('follow-live'), which steps its own copy of the env from the same reset seed
 *   (sim/liveFollow.ts). The first live batch of a run switches the viewer to the run's task scene (once
 *   per run; then the user's choice of scene wins). Batches go from worker to worker through this
 *   subscription only, never through React state.
 * - after the run (or during a run that streams no live steps: bridge-hosted envs), it replays the followed
 *   env's trace path of the latest iteration (SimRequest 'follow'), as far as the task's viewer driver can
 *   (Avoid replays the targets; Gym keeps its idle gait).
 */
import { useEffect } from 'react';
import { setSimStatus, useApp } from '../../state/app';
import { getClients, type Clients } from '../../state/clients';
import { isLive, useRuns, type Run } from '../../state/runs';
import { taskListings } from '../../state/taskCatalog';
import { setLiveEnv, useTrajectories } from '../../state/trajectories';
import type { TrainResponse } from '../../workers/protocol';

/** Runs for which the viewer was already switched to the run's task scene (once per run, then the user's choice wins). */
const switchedForRun = new Set<string>();

function clients(): Clients | null {
  try {
    return getClients();
  } catch {
    return null; // not booted (unit tests, first render)
  }
}

function hasScene(task: string): boolean {
  return taskListings().some((t) => t.id === task && t.hasScene);
}

/** The run the worker is executing, while it is live. */
function liveRun(): Run | null {
  const { activeRunId, runs } = useRuns.getState();
  const run = activeRunId ? runs[activeRunId] : undefined;
  return run && isLive(run.status) ? run : null;
}

/** Switches the viewer to `task`'s scene once for `runId`; true when the scene is (already) the task's. */
function showTask(c: Clients, runId: string, task: string): boolean {
  const scene = useApp.getState().sim.scene;
  if (scene === task) return true;
  if (scene === null || switchedForRun.has(runId) || !hasScene(task)) return false;
  switchedForRun.add(runId);
  setSimStatus({ scene: null, error: null });
  c.sim.load(task, 0);
  return false;
}

export function useFollowInViewer(): void {
  useEffect(() => {
    const c = clients();
    if (!c) return;
    /** `${runId}/${env}` last asked of the train worker while the run's scene is shown (null: ask again). */
    let asked: string | null = null;
    /** The run whose live batches the scene replays. */
    let replaying: string | null = null;
    /** The last trace path sent for replay after a run. */
    let sentFor: string | null = null;

    const sync = () => {
      const run = liveRun();
      const scene = useApp.getState().sim.scene;
      if (run) {
        if (hasScene(run.config.task) && scene === run.config.task) {
          const env = useTrajectories.getState().followEnv ?? 0;
          const key = `${run.id}/${env}`;
          if (key !== asked) {
            asked = key;
            c.train.post({ type: 'follow-env', runId: run.id, env });
          }
        } else {
          asked = null; // a (re)loaded scene asks for the followed env's episode so far
        }
        if (replaying === run.id) {
          sentFor = null;
          return; // the live replay wins over the path replay
        }
      } else {
        asked = null;
        if (replaying !== null) {
          replaying = null;
          sentFor = null;
          setLiveEnv(null);
          c.sim.endLive();
        }
      }
      // The followed env's path of the latest iteration: after a run, or during one that streams no live
      // steps (bridge-hosted envs). A run's first paths switch the viewer to its task scene (once per run).
      const paths = useRuns.getState().paths;
      if (!paths || paths.paths.length === 0 || !scene) return;
      const task = useRuns.getState().runs[paths.runId]?.config.task;
      if (!task || !showTask(c, paths.runId, task)) return;
      const env = useTrajectories.getState().followEnv;
      const path = paths.paths.find((p) => p.env === env) ?? paths.paths[0];
      const key = `${paths.runId}/${paths.itr}/${path.env}/${scene}`;
      if (key === sentFor) return;
      sentFor = key;
      c.sim.follow(path.points.slice());
    };

    const onTrain = (r: TrainResponse) => {
      if (r.type !== 'live-steps') return;
      const run = liveRun();
      if (!run || r.runId !== run.id || !showTask(c, run.id, run.config.task)) return;
      replaying = run.id;
      setLiveEnv(r.steps.env);
      c.sim.followLive(r.steps);
    };

    sync();
    const offs = [c.train.subscribe(onTrain), useRuns.subscribe(sync), useTrajectories.subscribe(sync), useApp.subscribe(sync)];
    return () => {
      offs.forEach((off) => off());
      setLiveEnv(null);
    };
  }, []);
}
