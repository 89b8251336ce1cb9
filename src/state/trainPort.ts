/**
 * The state slices' view of the train worker: post a request, hear every response. boot.ts connects the
 * real client (src/workers/trainClient.ts) once; slices that need the worker call trainPort().
 */
import type { TrainRequest, TrainResponse } from '../workers/protocol';

export interface TrainPort {
  post(req: TrainRequest, transfer?: Transferable[]): void;
  /** Registers a listener for every response; returns the unsubscribe function. */
  subscribe(listener: (r: TrainResponse) => void): () => void;
}

let port: TrainPort | null = null;
const onConnect = new Set<(p: TrainPort) => void>();

/** Called once by the app shell after the train worker exists. */
export function connectTrainPort(p: TrainPort): void {
  port = p;
  for (const fn of onConnect) fn(p);
}

export function trainPort(): TrainPort | null {
  return port;
}

/** Runs `fn` with the port now if connected, else when it connects. */
export function whenTrainPort(fn: (p: TrainPort) => void): void {
  if (port) fn(port);
  else onConnect.add(fn);
}
