/**
 * Which env of the current iteration the 3-D viewer follows (its path is replayed by the sim worker) and
 * which one the trajectory plot highlights.
 */
import { create } from 'zustand';

export interface TrajectoryState {
  /** Env index to follow, or null for the first path of each iteration. */
  followEnv: number | null;
}

export const useTrajectories = create<TrajectoryState>(() => ({ followEnv: null }));

export function setFollowEnv(env: number | null): void {
  useTrajectories.setState({ followEnv: env });
}
