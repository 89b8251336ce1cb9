import { it } from 'vitest';
import type { DiffusionUnetConfig } from '../config/model';
import { Rng } from '../core/rng';
import { AdamW } from './adamw';
import { DiffusionUnetPolicy } from './diffusion';
import { initTf, tf } from './tfSetup';
const CFG: DiffusionUnetConfig = {
  kind: 'diffusion-unet', obsDim: 3, actionDim: 2, condSteps: 1, horizonSteps: 4, actSteps: 4,
  denoisingSteps: 10, denoisedClipValue: 1, diffusionStepEmbedDim: 8, dim: 8, dimMults: [1, 2],
  kernelSize: 5, nGroups: 4, groupNormEps: 1e-5, condPredictScale: true,
};
const ROBO: DiffusionUnetConfig = { ...CFG, obsDim: 23, actionDim: 7, denoisingSteps: 20, diffusionStepEmbedDim: 16, dim: 40, nGroups: 8 };
it("bench", async () => { 
  await initTf('wasm');
  for (const [name, cfg, Bs] of [['tiny', CFG, 32], ['robo', ROBO, 50], ['robo256', ROBO, 256]] as const) {
    const p = new DiffusionUnetPolicy(cfg, new Rng(1));
    const opt = new AdamW(p.pretrainVariables(), { lr: 1e-3 });
    const obs = tf.randomUniform([Bs, cfg.obsDim], -1, 1) as tf.Tensor2D;
    const act = tf.randomUniform([Bs, 4, cfg.actionDim], -1, 1) as tf.Tensor3D;
    const time = (f: () => void, n: number) => { f(); const t0 = performance.now(); for (let i = 0; i < n; i++) f(); return ((performance.now() - t0) / n).toFixed(1); };
    const bc = time(() => { const l = opt.minimize(() => p.bcLoss(obs, act, new Rng(2))); l.dataSync(); l.dispose(); }, 5);
    const fwd = time(() => { const l = p.bcLoss(obs, act, new Rng(2)); l.dataSync(); l.dispose(); }, 5);
    p.prepareFinetune(10);
    (globalThis as any).CONV2D = process.env.CONV2D === '1';
    const smp = time(() => { const s = p.sample(obs, { deterministic: false, recordChain: true, rng: new Rng(3) }); tf.dispose([s.actions, s.chain!]); }, 3);
    console.log(name, 'B', Bs, 'bc step ms', bc, 'bc fwd ms', fwd, 'sample chain ms', smp);
    (globalThis as any).CONV2D = false; p.dispose(); opt.dispose(); tf.dispose([obs, act]);
  }
}, 120000);
