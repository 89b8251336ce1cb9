/**
 * Which env of the current iteration the 3-D viewer follows and the trajectory plot highlights, and which
 * env the viewer is replaying live while a run goes (sim/liveFollow.ts).
 */
import { create } from 'zustand';

export interface TrajectoryState {
  /** Env index the user picked to follow, or null for the default (env 0 live; the first path after a run). */
  followEnv: number | null;
  /** Env of the running run the viewer is replaying live, or null when it replays none. */
  liveEnv: number | null;
}

export const useTrajectories = create<TrajectoryState>(() => ({ followEnv: null, liveEnv: null }));

export function setFollowEnv(env: number | null): void {
  useTrajectories.setState({ followEnv: env });
}

export function setLiveEnv(env: number | null): void {
  if (useTrajectories.getState().liveEnv !== env) useTrajectories.setState({ liveEnv: env });
}
