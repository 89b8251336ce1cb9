/**
 * The app's worker clients, created once by app/boot.ts. Features reach the workers only through these
 * typed wrappers (they never import tfjs or MuJoCo, design §1).
 */
import type { SimClient } from '../workers/simClient';
import type { TrainClient } from '../workers/trainClient';

export interface Clients {
  sim: SimClient;
  train: TrainClient;
}

let clients: Clients | null = null;

export function setClients(c: Clients): void {
  clients = c;
}

/** The clients; throws if called before boot(). */
export function getClients(): Clients {
  if (!clients) throw new Error('getClients() called before boot()');
  return clients;
}
