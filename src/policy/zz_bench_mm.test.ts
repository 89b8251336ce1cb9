import { it } from 'vitest';
import { Rng } from '../core/rng';
import { DiffusionMlpPolicy } from './diffusion';
import { initTf, tf } from './tfSetup';
import { avoidDiffusionActor } from '../config/presets/avoid';
it('mm', async () => {
  await initTf('wasm');
  const time = (f: () => void, n: number) => { f(); const t0 = performance.now(); for (let i = 0; i < n; i++) f(); return ((performance.now() - t0) / n).toFixed(2); };
  for (const [m, k, n] of [[200, 200, 40], [100, 400, 80], [100, 800, 40], [50, 512, 512]]) {
    const a = tf.randomNormal([m, k]); const b = tf.randomNormal([k, n]); const bias = tf.randomNormal([n]);
    const ms = time(() => { const y = tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias }); y.dataSync(); y.dispose(); }, 50);
    console.log('mm', m, k, n, ms, 'ms', (2 * m * k * n / (+ms * 1e6)).toFixed(2), 'GFLOP/s');
  }
  const cfg = avoidDiffusionActor();
  const p = new DiffusionMlpPolicy(cfg, new Rng(1)); p.prepareFinetune(10);
  const obs = tf.randomUniform([50, cfg.obsDim * cfg.condSteps], -1, 1) as tf.Tensor2D;
  console.log('mlp sample B50', time(() => { const s = p.sample(obs, { deterministic: false, recordChain: true, rng: new Rng(3) }); tf.dispose([s.actions, s.chain!]); }, 3));
}, 120000);
