/**
 * The run and inspector slices' access to the train worker: H3's TrainClient from state/clients.ts, or
 * null before app/boot.ts created it (unit tests, first render). `listenTrain` subscribes a slice once.
 */
import type { TrainResponse } from '../workers/protocol';
import type { TrainClient } from '../workers/trainClient';
import { getClients } from './clients';

export function trainPort(): TrainClient | null {
  try {
    return getClients().train;
  } catch {
    return null;
  }
}

const listening = new Set<string>();

/** Subscribes `listener` under `key` once the client exists; later calls with the same key do nothing. */
export function listenTrain(key: string, listener: (r: TrainResponse) => void): boolean {
  if (listening.has(key)) return true;
  const port = trainPort();
  if (!port) return false;
  port.subscribe(listener);
  listening.add(key);
  return true;
}
