import * as tf from '@tensorflow/tfjs';
import { initTf } from '/work/main/src/policy/tfSetup';
await initTf('wasm');
const b = tf.backend() as any;
const offs = [];
for (const n of [512*512, 40*512, 7, 512, 256*512, 3, 12]) { const t = tf.zeros([n]); offs.push(b.dataIdMap.get(t.dataId).memoryOffset % 64); }
console.log(offs);
const w = tf.randomNormal([512,512]); const a = tf.randomNormal([40,512]);
const ts: number[] = [];
for (let i = 0; i < 200; i++) { const t0 = performance.now(); const o = tf.matMul(a, w); ts.push(performance.now() - t0); o.dispose(); }
ts.sort((x, y) => x - y); console.log('median', ts[100].toFixed(3), 'min', ts[0].toFixed(3));
