import * as tf from '@tensorflow/tfjs';
import { initTf } from '/work/main/src/policy/tfSetup';
import { Rng } from '/work/main/src/core/rng';
import { DiffusionMlpPolicy } from '/work/main/src/policy/diffusion';
import { hopperDiffusionActor } from '/work/main/bench/policyBench';
await initTf('wasm');
const cfg = hopperDiffusionActor();
const rng = new Rng(1);
const policy = new DiffusionMlpPolicy(cfg, rng.fork());
policy.prepareFinetune(10);
const obs = tf.randomUniform([40, cfg.obsDim], -1, 1, 'float32', 7) as tf.Tensor2D;
const run = () => { const r = policy.sample(obs, { deterministic: false, recordChain: true, rng, minSamplingDenoisingStd: 0.1, randnClipValue: 3 }); r.actions.dataSync(); r.chain?.dataSync(); tf.dispose([r.actions, r.chain ?? []]); };
const net = (policy as any).base;
const ts = Array.from({ length: 20 }, (_, i) => i);
for (let i = 0; i < 5; i++) run();
for (let rep = 0; rep < 8; rep++) {
  let t0 = performance.now(); for (let i = 0; i < 5; i++) run(); const chain = (performance.now() - t0) / 5;
  const x = new Float32Array(40 * 12).fill(0.1);
  t0 = performance.now();
  let steps = 0;
  tf.tidy(() => { const h = net.hostChainEvaluator(obs, ts); const t1 = performance.now(); for (let i = 0; i < 5; i++) for (const t of ts) { h.evaluate(x, t); steps++; } const per = (performance.now() - t1) / 5; h.dispose(); console.log(`chain ${chain.toFixed(1)}  20 net steps ${per.toFixed(1)}  setup ${(t1 - t0).toFixed(1)}`); });
}
