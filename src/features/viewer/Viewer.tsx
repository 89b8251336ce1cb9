/**
 * The 3-D view of the sim worker's scene. React only mounts it and shows slow status; poses flow from the
 * SimClient's FrameRing straight into three.js every animation frame (design §5.7). While a run goes, a
 * badge names the env the scene replays live (followInViewer.ts). The HUD (4 Hz, DOM only) also writes the
 * sim time, the frame count and the mean geom position of the newest frame as data attributes, so tests
 * (and anyone inspecting the page) can see the bodies move without reading pixels.
 */
import { useEffect, useRef, useState } from 'react';
import { useApp } from '../../state/app';
import { useTrajectories } from '../../state/trajectories';
import type { SimClient } from '../../workers/simClient';
import { ViewerScene } from './viewerScene';
import './viewer.css';

export interface ViewerProps {
  sim: SimClient;
  /** Receives the scene object while mounted (e.g. to wire a "reset view" button); null on unmount. */
  onScene?: (scene: ViewerScene | null) => void;
}

export function Viewer({ sim, onScene }: ViewerProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const hudRef = useRef<HTMLDivElement>(null);
  const sceneRef = useRef<ViewerScene | null>(null);
  const theme = useApp((s) => s.theme);
  const status = useApp((s) => s.sim);
  const liveEnv = useTrajectories((s) => s.liveEnv);
  const [webglError, setWebglError] = useState<string | null>(null);
  const onSceneRef = useRef(onScene);
  onSceneRef.current = onScene;

  useEffect(() => {
    const host = hostRef.current!;
    let view: ViewerScene;
    try {
      view = new ViewerScene(host, { frame: () => sim.ring?.peek() ?? null, version: () => sim.framesReceived }, useApp.getState().theme);
    } catch (e) {
      setWebglError(`The 3-D view needs WebGL, which failed here: ${(e as Error).message}`);
      return;
    }
    sceneRef.current = view;
    onSceneRef.current?.(view);
    if (sim.scene) view.setScene(sim.scene);
    const off = sim.subscribe((e) => {
      if (e.type === 'loaded') view.setScene(e.scene);
    });

    // HUD at 4 Hz through the DOM, not React state.
    let frames = 0;
    let last = performance.now();
    view.onRender = () => frames++;
    const hud = setInterval(() => {
      const now = performance.now();
      const fps = (frames * 1000) / (now - last);
      frames = 0;
      last = now;
      if (hudRef.current) {
        const n = sim.scene?.geoms.length ?? 0;
        hudRef.current.textContent = `t ${sim.simTime.toFixed(2)} s · ${fps.toFixed(0)} fps · ${n} geoms`;
      }
      host.dataset.simTime = sim.simTime.toFixed(3);
      host.dataset.frames = String(sim.framesReceived);
      const frame = sim.ring?.peek();
      if (frame && frame.length >= 3) {
        // geom_xpos (ngeom×3) leads the frame: its mean moves with the bodies (static geoms only offset it).
        const ngeom = frame.length / 12;
        const mean = [0, 0, 0];
        for (let g = 0; g < ngeom; g++) for (let k = 0; k < 3; k++) mean[k] += frame[3 * g + k] / ngeom;
        host.dataset.meanPos = mean.map((v) => v.toFixed(4)).join(',');
      }
    }, 250);

    return () => {
      clearInterval(hud);
      off();
      onSceneRef.current?.(null);
      sceneRef.current = null;
      view.dispose();
    };
  }, [sim]);

  useEffect(() => sceneRef.current?.setTheme(theme), [theme]);
  // A run's env replayed live may walk away: the camera goes with it.
  useEffect(() => sceneRef.current?.setTracking(liveEnv !== null), [liveEnv]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (e.ctrlKey || e.metaKey || e.altKey || (t && /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)) || t?.isContentEditable) return;
      if (e.key === 'r' || e.key === 'R') sceneRef.current?.resetView();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="viewer" ref={hostRef} data-testid="viewer" data-scene={status.scene ?? ''}>
      {webglError ? <div className="viewer-message error">{webglError}</div> : null}
      {!webglError && status.error ? <div className="viewer-message error">{status.error}</div> : null}
      {!webglError && !status.error && !status.scene ? <div className="viewer-message">Loading MuJoCo…</div> : null}
      {liveEnv !== null && status.scene ? (
        <div className="viewer-follow" data-testid="viewer-follow" data-env={liveEnv} title="The scene replays this env of the running run as its actions are executed">
          env {liveEnv} · live
        </div>
      ) : null}
      <div className="viewer-hud" ref={hudRef} aria-hidden="true" />
    </div>
  );
}
