/**
 * The tfjs backend manager of the train worker (spec/tfjs-backends.md §7, "real users"):
 * - WebGPU only on a real GPU adapter, WebGL only on a real GPU renderer (software adapters and
 *   SwiftShader/llvmpipe renderers are skipped), otherwise WASM (SIMD; threads when cross-origin isolated),
 *   CPU last.
 * - Among the candidates that start and pass a numeric self-check, a short micro-benchmark picks the
 *   fastest. Never `tf.ready()`'s default, which picks SwiftShader webgl/webgpu here (§6.2).
 * - A user override ('webgpu' | 'webgl' | 'wasm' | 'cpu') is honoured even on software adapters (it is how a
 *   user or a test forces a backend); it falls back to auto, with the reason, when it cannot start.
 */
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { initTf, tf } from '../policy/tfSetup';
import { wasmKernelsLabel } from '../policy/wasmKernels';
import type { BackendName, BackendProbe, BackendReport } from './protocol';
import { benchmark, probeWebGl, probeWebGpu, selfCheck, type HardwareProbe } from './backendProbe';

/** Order of preference when measurements tie (GPU first); cpu is never benchmarked in auto mode. */
const ORDER: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** Largest self-check error accepted (O(1) values; healthy backends agree to ~1e-5, spec §5). */
const MAX_CHECK_ERROR = 1e-3;

/** A backend that has not started within this time is given up (e.g. a wedged GPU driver). */
const START_TIMEOUT_MS = 20_000;

export interface BackendManagerOptions {
  /** URL prefix (trailing slash) of the tfjs-backend-wasm binaries. */
  wasmPath: string;
}

interface Measured {
  ok: boolean;
  reason: string;
  msPerStep?: number;
  checkError?: number;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

export class BackendManager {
  private hardware: Map<BackendName, HardwareProbe> | null = null;
  private readonly measured = new Map<BackendName, Measured>();
  private active: BackendName | null = null;
  private wasmSimd = false;

  constructor(private readonly opts: BackendManagerOptions) {}

  /** Probes once, then activates `requested` ('auto' = probe + benchmark). Never rejects: cpu is the floor. */
  async select(requested: BackendName | 'auto'): Promise<BackendReport> {
    const hw = await this.probeHardware();
    let note = '';
    if (requested !== 'auto') {
      if (!hw.get(requested)!.present) {
        note = `${requested} was requested but is unavailable (${hw.get(requested)!.reason}); chose automatically.`;
      } else if (await this.activate(requested)) {
        return this.report(requested, 'chosen by you (override)');
      } else {
        note = `${requested} was requested but failed (${this.measured.get(requested)!.reason}); chose automatically.`;
      }
    }
    const candidates = ORDER.filter((b) => b !== 'cpu' && (b === 'wasm' || hw.get(b)!.hardware));
    for (const b of candidates) if (!this.measured.has(b)) await this.activate(b);
    const working = candidates.filter((b) => this.measured.get(b)?.ok);
    working.sort((a, b) => this.measured.get(a)!.msPerStep! - this.measured.get(b)!.msPerStep!);
    for (const b of working) {
      if (await this.activate(b)) {
        const why = working.length > 1 ? `fastest of ${working.join(', ')}` : b === 'wasm' ? 'no real GPU found; fastest on CPU' : 'the only candidate that started';
        return this.report(requested, note ? `${why}. ${note}` : why);
      }
    }
    await this.activate('cpu');
    return this.report(requested, `nothing faster started${note ? `. ${note}` : ''}`);
  }

  /** The backend now active, or null before the first select(). */
  get activeBackend(): BackendName | null {
    return this.active;
  }

  private async probeHardware(): Promise<Map<BackendName, HardwareProbe>> {
    if (this.hardware) return this.hardware;
    const webgpu = await probeWebGpu();
    let webgl: HardwareProbe;
    try {
      webgl = probeWebGl();
    } catch (e) {
      webgl = { present: false, hardware: false, reason: `WebGL probe failed: ${(e as Error).message}` };
    }
    const wasm: HardwareProbe = typeof WebAssembly === 'object'
      ? { present: true, hardware: false, reason: 'WebAssembly' }
      : { present: false, hardware: false, reason: 'WebAssembly is not available' };
    const cpu: HardwareProbe = { present: true, hardware: false, reason: 'plain JavaScript, the slowest fallback' };
    this.hardware = new Map<BackendName, HardwareProbe>([['webgpu', webgpu], ['webgl', webgl], ['wasm', wasm], ['cpu', cpu]]);
    return this.hardware;
  }

  /** Starts `name`, self-checks and (first time only) benchmarks it. True when it is now the active backend. */
  private async activate(name: BackendName): Promise<boolean> {
    const known = this.measured.get(name);
    if (known && !known.ok) return false;
    try {
      await withTimeout(initTf(name, { wasmPath: this.opts.wasmPath }), START_TIMEOUT_MS, `starting ${name}`);
      if (tf.getBackend() !== name) throw new Error(`tfjs reports "${tf.getBackend()}" as active`);
      this.active = name;
      if (!known) {
        const checkError = await selfCheck();
        if (!(checkError <= MAX_CHECK_ERROR)) {
          this.measured.set(name, { ok: false, reason: `wrong results (self-check error ${checkError.toExponential(1)})`, checkError });
          return false;
        }
        if (name === 'wasm') this.wasmSimd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
        const msPerStep = await benchmark(name === 'cpu' ? 400 : 800);
        this.measured.set(name, { ok: true, reason: 'started', msPerStep, checkError });
      }
      return true;
    } catch (e) {
      this.measured.set(name, { ok: false, reason: `failed to start: ${(e as Error).message ?? String(e)}` });
      return false;
    }
  }

  private report(requested: BackendName | 'auto', activeWhy: string): BackendReport {
    const hw = this.hardware!;
    const active = this.active!;
    const coi = (self as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
    let wasmThreads = 1;
    if (this.measured.get('wasm')?.ok) {
      try {
        wasmThreads = getThreadsCount();
      } catch {
        wasmThreads = 1;
      }
    }
    const probes: BackendProbe[] = ORDER.map((name) => {
      const h = hw.get(name)!;
      const m = this.measured.get(name);
      let reason: string;
      if (name === active) reason = activeWhy;
      else if (m && !m.ok) reason = m.reason;
      else if (!h.present || (name !== 'wasm' && name !== 'cpu' && !h.hardware)) reason = h.reason;
      else if (m?.msPerStep !== undefined) reason = `slower (${m.msPerStep.toFixed(1)} ms/step)`;
      else if (name === 'cpu') reason = h.reason;
      else reason = 'not measured';
      if (name === 'wasm' && (m?.ok ?? false)) reason += ` · ${this.wasmSimd ? 'SIMD' : 'no SIMD'}, ${wasmThreads} thread${wasmThreads === 1 ? '' : 's'}${coi ? '' : ' (not cross-origin isolated)'}, ${wasmKernelsLabel()}`;
      return {
        name,
        available: h.present && (m?.ok ?? true),
        reason,
        ...(m?.msPerStep !== undefined ? { msPerStep: m.msPerStep } : {}),
        ...(m?.checkError !== undefined ? { checkError: m.checkError } : {}),
        ...(h.device ? { device: h.device } : {}),
      };
    });
    return { active, requested, probes, wasmThreads, crossOriginIsolated: coi };
  }
}
