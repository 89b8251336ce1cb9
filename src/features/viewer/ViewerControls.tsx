/** Play/pause, reset and reset-view buttons for a Viewer panel's title bar. */
import { useRef } from 'react';
import { setSimStatus, useApp } from '../../state/app';
import { sceneListings, sceneOptionFor } from '../../state/taskCatalog';
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
  const scene = useApp((s) => s.sim.scene);
  const loaded = scene !== null;
  const seed = useRef(0);
  const load = (name: string) => {
    setSimStatus({ scene: null, error: null });
    sim.load(name, seed.current);
  };
  return (
    <>
      <select
        value={scene === null ? '' : sceneOptionFor(scene)}
        onChange={(e) => load(e.target.value)}
        aria-label="Scene shown in the 3-D view"
        data-testid="viewer-scene-select"
        title="Scene shown in the 3-D view"
      >
        {scene === null ? <option value="">loading…</option> : null}
        <option value="demo">Demo scene</option>
        {sceneListings().map((t) => (
          <option key={t.id} value={t.id} title={t.description}>
            {t.group} · {t.id}
          </option>
        ))}
      </select>
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
