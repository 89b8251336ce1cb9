// Test fixture for pool.test.ts: a sim-pool worker that starts like a real one (two-goals shapes) and then
// fails on its first step — by exiting its thread (Ta = 4) or by throwing outside any request (other Ta).
import { parentPort } from 'node:worker_threads';

const spec = { taskId: 'two-goals', obsDim: 2, actDim: 2, actLow: [-0.1, -0.1], actHigh: [0.1, 0.1], controlDt: 0.05, maxEpisodeSteps: 20, bestRewardThresholdForSuccess: 1 };

let count = 0;

parentPort.on('message', (m) => {
  switch (m.type) {
    case 'init':
      count = m.count;
      parentPort.postMessage({ type: 'ready', id: m.id, info: { spec, maxEpisodeSteps: 20, traceDim: 2, tagKeys: ['goal'] } });
      return;
    case 'slabs':
    case 'dispose':
      parentPort.postMessage({ type: 'ok', id: m.id });
      return;
    case 'reset':
      parentPort.postMessage({ type: 'reset', id: m.id, obs: new Float32Array(2 * count) });
      return;
    case 'step':
      if (m.Ta === 4) process.exit(3);
      setTimeout(() => {
        throw new Error('boom outside a request');
      });
      return;
  }
});
