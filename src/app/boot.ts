/**
 * Creates the workers and their typed clients once, and wires client events into the app store
 * (design §2). The viewer's demo scene starts immediately, so the page is alive on arrival.
 */
import { backendFailed, backendReported, loadBackendChoice, setSimStatus, useApp } from '../state/app';
import { followWorkload } from '../state/bench';
import { setClients, type Clients } from '../state/clients';
import { useExperiment } from '../state/experiment';
import { viewerSceneFor } from '../state/taskCatalog';
import { SimClient } from '../workers/simClient';
import { TrainClient } from '../workers/trainClient';

export function boot(): Clients {
  const sim = new SimClient(new Worker(new URL('../workers/sim.worker.ts', import.meta.url), { type: 'module' }));
  const train = new TrainClient(
    new Worker(new URL('../workers/train.worker.ts', import.meta.url), { type: 'module' }),
    loadBackendChoice(),
  );

  sim.subscribe((e) => {
    switch (e.type) {
      case 'loaded':
        setSimStatus({ scene: e.scene.name, mujocoVersion: e.mujocoVersion, error: null });
        return;
      case 'playing':
        setSimStatus({ playing: e.playing });
        return;
      case 'error':
        setSimStatus({ error: e.message });
        return;
    }
  });

  train.subscribe((res) => {
    if (res.type === 'ready' || res.type === 'backend') backendReported(res.backend);
    // The protocol has no backend-error tag: an error without run or request while a selection is pending is its answer.
    else if (res.type === 'error' && res.runId === null && res.requestId === undefined && useApp.getState().backend.pending) backendFailed(res.message);
  });

  // Alive on arrival (ux.md): the task of the experiment in the URL (or the default one) moves at once.
  sim.load(viewerSceneFor(useExperiment.getState().task), 0);
  const clients = { sim, train };
  setClients(clients);
  // The automatic backend choice times the experiment's own work (issue 12).
  followWorkload();
  return clients;
}
