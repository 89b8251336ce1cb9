/**
 * Typed main-thread wrapper of the viewer's sim worker. Pose frames go straight into a FrameRing (no React
 * state, design §5.7); the three.js loop reads `ring.peek()` every animation frame. Subscribers hear about
 * scene loads, play/pause and errors only, never about frames.
 */
import { FrameRing } from '../core/ringBuffer';
import { PROTOCOL_VERSION, type LiveSteps, type SceneDesc, type SimRequest, type SimResponse } from './protocol';

/** Frames kept per scene: the newest is drawn; a few more allow interpolation or a short scrub later. */
const RING_CAPACITY = 8;

export type SimClientEvent =
  | { type: 'loaded'; scene: SceneDesc; mujocoVersion: string }
  | { type: 'playing'; playing: boolean }
  | { type: 'error'; message: string };

export type SimListener = (e: SimClientEvent) => void;

export class SimClient {
  /** Description of the loaded scene, or null before the first 'loaded'. */
  scene: SceneDesc | null = null;
  /** Pose frames of the loaded scene (geom_xpos ngeom×3, then geom_xmat ngeom×9); null before 'loaded'. */
  ring: FrameRing | null = null;
  /** Frames received since the scene loaded (for the viewer's rate readout). */
  framesReceived = 0;
  /** Simulated time of the newest frame, seconds. */
  simTime = 0;
  playing = true;
  private readonly listeners = new Set<SimListener>();
  private disposed = false;

  constructor(private readonly worker: Worker) {
    worker.onmessage = (e: MessageEvent<SimResponse>) => this.receive(e.data);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.emit({ type: 'error', message: `The simulation worker failed: ${e.message || 'it could not be loaded'}.` });
    };
  }

  /** Loads a scene, 'demo' or a task id (replacing the current one); it starts playing. */
  load(scene: string, seed = 0): void {
    this.send({ type: 'load', version: PROTOCOL_VERSION, scene, seed });
    if (!this.playing) {
      this.playing = true;
      this.emit({ type: 'playing', playing: true });
    }
  }

  play(): void {
    this.playing = true;
    this.send({ type: 'play' });
    this.emit({ type: 'playing', playing: true });
  }

  pause(): void {
    this.playing = false;
    this.send({ type: 'pause' });
    this.emit({ type: 'playing', playing: false });
  }

  reset(seed = 0): void {
    this.send({ type: 'reset', seed });
  }

  /** Replays commanded targets (flat [x0, y0, x1, y1, …]); the array is transferred. */
  follow(targets: Float32Array): void {
    this.send({ type: 'follow', targets }, [targets.buffer]);
  }

  /** Replays one env of the running run live (sim/liveFollow.ts); `steps.actions` is transferred. */
  followLive(steps: LiveSteps): void {
    this.send({ type: 'follow-live', steps }, [steps.actions.buffer]);
  }

  /** Ends the live follow (the run ended): the scene goes back to its own motion. */
  endLive(): void {
    this.send({ type: 'end-live' });
  }

  /** Adds a listener; returns its remover. */
  subscribe(listener: SimListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.listeners.clear();
    this.worker.terminate();
  }

  private send(req: SimRequest, transfer: Transferable[] = []): void {
    if (this.disposed) throw new Error('SimClient: message after dispose');
    this.worker.postMessage(req, transfer);
  }

  private receive(res: SimResponse): void {
    switch (res.type) {
      case 'loaded':
        this.scene = res.scene;
        this.ring = new FrameRing(12 * res.scene.geoms.length, RING_CAPACITY);
        this.framesReceived = 0;
        this.emit({ type: 'loaded', scene: res.scene, mujocoVersion: res.mujocoVersion });
        return;
      case 'poses':
        if (this.ring && res.poses.length === this.ring.frameSize) {
          this.ring.push(res.poses, res.time);
          this.framesReceived++;
          this.simTime = res.time;
        }
        return;
      case 'error':
        this.emit({ type: 'error', message: res.message });
        return;
    }
  }

  private emit(e: SimClientEvent): void {
    for (const l of [...this.listeners]) l(e);
  }
}
