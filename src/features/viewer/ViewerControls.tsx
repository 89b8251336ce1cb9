/** Play/pause, reset and reset-view buttons for a Viewer panel's title bar. */
import { useRef } from 'react';
import { useApp } from '../../state/app';
import { Button } from '../../ui/Button';
import type { SimClient } from '../../workers/simClient';
import type { ViewerScene } from './viewerScene';

export interface ViewerControlsProps {
  sim: SimClient;
  /** The mounted scene (from Viewer's onScene), for "reset view". */
  view: ViewerScene | null;
}

export function ViewerControls({ sim, view }: ViewerControlsProps) {
  const playing = useApp((s) => s.sim.playing);
  const loaded = useApp((s) => s.sim.scene !== null);
  const seed = useRef(0);
  return (
    <>
      <Button small onClick={() => (playing ? sim.pause() : sim.play())} disabled={!loaded} data-testid="viewer-play" aria-pressed={!playing}>
        {playing ? 'Pause' : 'Play'}
      </Button>
      <Button small onClick={() => sim.reset(++seed.current)} disabled={!loaded} title="Restart the scene with a new seed" data-testid="viewer-reset">
        Reset
      </Button>
      <Button small variant="ghost" onClick={() => view?.resetView()} disabled={!view} title="Reset the camera (R)">
        View
      </Button>
    </>
  );
}
