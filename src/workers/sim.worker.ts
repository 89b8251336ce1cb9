/**
 * The viewer's sim worker: loads one scene, steps it in real time on a timer (physics never steps in a
 * render callback, design §5.7) and posts pose frames as transferables at ~60 Hz.
 */
import { loadMujoco, setMujocoVendorBase } from '../sim/mujoco';
import { poseFrameSize, type LiveScene } from '../sim/sceneDesc';
import { createViewerScene } from '../sim/viewerScenes';
import { vendorUrl } from './assetBase';
import { PROTOCOL_VERSION, type SimRequest, type SimResponse } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
setMujocoVendorBase(vendorUrl('mujoco'));

/** Timer period: poses go out at about 60 Hz. */
const TICK_MS = 1000 / 60;
/** Longest wall-clock gap simulated in one tick (after a stall, the scene slows down instead of jumping). */
const MAX_TICK_S = 0.1;

let scene: LiveScene | null = null;
let playing = true;
let timer: ReturnType<typeof setInterval> | null = null;
let lastTick = 0;

function post(res: SimResponse, transfer: Transferable[] = []): void {
  scope.postMessage(res, transfer);
}

function postPoses(): void {
  if (!scene) return;
  const frame = scene.readPoses(new Float32Array(poseFrameSize(scene.desc.geoms.length)));
  post({ type: 'poses', time: scene.time, poses: frame }, [frame.buffer]);
}

function tick(): void {
  const now = performance.now();
  const dt = Math.min((now - lastTick) / 1000, MAX_TICK_S);
  lastTick = now;
  if (!scene || !playing) return;
  try {
    scene.advance(dt);
    postPoses();
  } catch (e) {
    playing = false;
    post({ type: 'error', message: `The simulation stopped: ${(e as Error).message}` });
  }
}

async function load(name: string, seed: number): Promise<void> {
  const mj = await loadMujoco();
  scene?.dispose();
  scene = null;
  scene = createViewerScene(mj, name, seed);
  playing = true;
  post({ type: 'loaded', scene: scene.desc, mujocoVersion: mj.mj_versionString() });
  postPoses();
  lastTick = performance.now();
  timer ??= setInterval(tick, TICK_MS);
}

async function handle(msg: SimRequest): Promise<void> {
  switch (msg.type) {
    case 'load':
      if (msg.version !== PROTOCOL_VERSION) throw new Error(`worker protocol ${PROTOCOL_VERSION} but the page speaks ${msg.version}; reload the page`);
      await load(msg.scene, msg.seed);
      return;
    case 'play':
      playing = true;
      lastTick = performance.now();
      return;
    case 'pause':
      playing = false;
      return;
    case 'reset':
      scene?.reset(msg.seed);
      postPoses();
      return;
    case 'follow':
      if (!scene?.follow) throw new Error(`the ${scene?.desc.name ?? 'current'} scene has no targets to follow`);
      scene.follow(msg.targets);
      postPoses();
      return;
    case 'follow-live':
      // Batches for another scene (the page switched it meanwhile) are dropped.
      scene?.followLive?.(msg.steps);
      return;
    case 'end-live':
      scene?.endLive?.();
      return;
  }
}

let queue: Promise<void> = Promise.resolve();
scope.onmessage = (e: MessageEvent<SimRequest>) => {
  queue = queue
    .then(() => handle(e.data))
    .catch((err: unknown) => post({ type: 'error', message: `Viewer: ${(err as Error).message ?? String(err)}.` }));
};
