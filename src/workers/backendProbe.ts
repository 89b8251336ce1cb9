/**
 * What the backend manager measures (spec/tfjs-backends.md §6.2, §7): whether a GPU backend runs on real
 * hardware (a WebGPU fallback/SwiftShader adapter or a SwiftShader/llvmpipe/software WebGL renderer counts as
 * no GPU), a numeric self-check against a float64 reference, and a short micro-benchmark.
 * Runs in the train worker, after the backend under test has been made active.
 */
import { tf } from '../policy/tfSetup';

/** Renderer/adapter strings that mean "software rasteriser, no GPU" (spec/tfjs-backends.md §6.2). */
const SOFTWARE = /swiftshader|llvmpipe|software|basic render/i;

/** Display name of a matched software-rasteriser keyword. */
function softwareName(match: string): string {
  const m = match.toLowerCase();
  if (m === 'swiftshader') return 'SwiftShader';
  if (m === 'llvmpipe') return 'llvmpipe';
  if (m === 'basic render') return 'Microsoft Basic Render';
  return 'software';
}

export interface HardwareProbe {
  /** The backend can be started at all (an adapter or context exists), even if it is software. */
  present: boolean;
  /** Real GPU hardware (not a fallback or software adapter). */
  hardware: boolean;
  reason: string;
  device?: string;
}

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface AdapterLike {
  info?: AdapterInfoLike;
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(): Promise<AdapterLike | null>;
}

export async function probeWebGpu(): Promise<HardwareProbe> {
  const gpu = (self.navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) return { present: false, hardware: false, reason: 'this browser does not expose WebGPU' };
  let adapter: AdapterLike | null = null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (e) {
    return { present: false, hardware: false, reason: `requestAdapter failed: ${(e as Error).message}` };
  }
  if (!adapter) return { present: false, hardware: false, reason: 'no WebGPU adapter available' };
  const info = adapter.info ?? {};
  const device = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ').trim() || 'unknown adapter';
  const fallback = info.isFallbackAdapter === true || adapter.isFallbackAdapter === true;
  const soft = `${info.vendor} ${info.architecture} ${info.description}`.match(SOFTWARE);
  if (fallback || soft) {
    return { present: true, hardware: false, reason: `software adapter (${soft ? softwareName(soft[0]) : 'fallback'}): skipped`, device };
  }
  return { present: true, hardware: true, reason: `GPU adapter ${device}`, device };
}

export function probeWebGl(): HardwareProbe {
  if (typeof OffscreenCanvas !== 'function') return { present: false, hardware: false, reason: 'no OffscreenCanvas in workers' };
  const canvas = new OffscreenCanvas(1, 1);
  const gl = canvas.getContext('webgl2') as WebGL2RenderingContext | null;
  if (!gl) return { present: false, hardware: false, reason: 'WebGL2 is not available' };
  const dbg = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(dbg ? dbg.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? 'unknown renderer');
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  const soft = renderer.match(SOFTWARE);
  if (soft) {
    return { present: true, hardware: false, reason: `software renderer (${softwareName(soft[0])}): skipped`, device: renderer };
  }
  return { present: true, hardware: true, reason: `GPU renderer ${renderer}`, device: renderer };
}

/**
 * Numeric self-check on the active backend: relu(x·W) and d/dW Σ c⊙relu(x·W) for fixed small operands,
 * compared with the same computed in float64 JS. Returns the largest absolute error (O(1) values; a healthy
 * backend is ~1e-6, spec/tfjs-backends.md §5).
 */
export async function selfCheck(): Promise<number> {
  const x = [
    [0.5, -1.25, 2.0],
    [1.5, 0.75, -0.5],
  ];
  const w = [
    [0.3, -0.7],
    [-0.2, 0.4],
    [0.9, 0.1],
  ];
  const c = [
    [1.0, -2.0],
    [0.5, 3.0],
  ];
  // Reference in float64: y = relu(xW); dL/dW[i][j] = Σ_b x[b][i] · c[b][j] · 1[(xW)[b][j] > 0].
  const pre = x.map((row) => [0, 1].map((j) => row.reduce((s, v, i) => s + v * w[i][j], 0)));
  const yRef = pre.map((row) => row.map((v) => Math.max(0, v)));
  const gRef = w.map((_, i) => [0, 1].map((j) => x.reduce((s, row, b) => s + row[i] * c[b][j] * (pre[b][j] > 0 ? 1 : 0), 0)));

  const { y, g } = tf.tidy(() => {
    const xt = tf.tensor2d(x);
    const ct = tf.tensor2d(c);
    const f = (wt: tf.Tensor) => tf.sum(tf.mul(tf.relu(tf.matMul(xt, wt as tf.Tensor2D)), ct));
    const wt = tf.tensor2d(w);
    return { y: tf.relu(tf.matMul(xt, wt)), g: tf.grad(f)(wt) };
  });
  const [yv, gv] = await Promise.all([y.data(), g.data()]);
  y.dispose();
  g.dispose();
  let err = 0;
  yRef.flat().forEach((v, k) => (err = Math.max(err, Math.abs(v - yv[k]))));
  gRef.flat().forEach((v, k) => (err = Math.max(err, Math.abs(v - gv[k]))));
  return err;
}

/**
 * Micro-benchmark on the active backend: ms per forward+backward of a batch-64, 39→256→256→12 ReLU MLP
 * (the shape of a small diffusion noise head, spec/tfjs-backends.md §2). One warm-up, then the median of up
 * to 7 reps within `budgetMs`.
 */
export async function benchmark(budgetMs = 800): Promise<number> {
  const dims = [39, 256, 256, 12];
  const weights = tf.tidy(() => dims.slice(1).map((d, i) => tf.randomNormal([dims[i], d], 0, 1 / Math.sqrt(dims[i]), 'float32', 7 + i)));
  const x = tf.randomNormal([64, 39], 0, 1, 'float32', 1);
  const target = tf.randomNormal([64, 12], 0, 1, 'float32', 2);
  const step = async (): Promise<number> => {
    const t0 = performance.now();
    const { value, grads } = tf.tidy(() =>
      tf.valueAndGrads((...ws: tf.Tensor[]) => {
        let h: tf.Tensor = x;
        ws.forEach((wi, i) => {
          h = tf.matMul(h as tf.Tensor2D, wi as tf.Tensor2D);
          if (i < ws.length - 1) h = tf.relu(h);
        });
        return tf.mean(tf.square(tf.sub(h, target)));
      })(weights),
    );
    await Promise.all([value.data(), ...grads.map((gr) => gr.data())]);
    value.dispose();
    tf.dispose(grads);
    return performance.now() - t0;
  };
  try {
    const warmup = await step(); // compiles kernels/shaders
    const times: number[] = [];
    const start = performance.now();
    // A slow backend (e.g. WebGPU on SwiftShader) gets a single timed rep; a fast one up to 7.
    const reps = warmup > budgetMs ? 1 : 7;
    while (times.length < reps && (times.length < 2 || performance.now() - start < budgetMs)) times.push(await step());
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  } finally {
    tf.dispose([...weights, x, target]);
  }
}
