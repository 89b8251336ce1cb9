/**
 * The tfjs backend manager of the train worker (spec/tfjs-backends.md §7, "real users"):
 * - WebGPU only on a real GPU adapter, WebGL only on a real GPU renderer (software adapters and
 *   SwiftShader/llvmpipe renderers are skipped), otherwise WASM (SIMD; threads when cross-origin isolated),
 *   CPU last.
 * - Among the candidates that start and pass a numeric self-check, a short micro-benchmark picks the
 *   fastest. Never `tf.ready()`'s default, which picks SwiftShader webgl/webgpu here (§6.2).
 * - A user override ('webgpu' | 'webgl' | 'wasm' | 'cpu') is honoured even on software adapters (it is how a
 *   user or a test forces a backend); it falls back to auto, with the reason, when it cannot start.
 * - Once the page names the run's workload (`setWorkload`: task, algorithm, envs, minibatch), the candidates
 *   are timed on that work (bench/workload.ts timeAutoWorkload: one chain for the envs + one update minibatch)
 *   instead of the small MLP, and re-timed whenever it changes (issue 12).
 * - `runOn` runs a job (the in-app benchmark) on any present backend, software ones included, and returns
 *   to the backend that was active.
 */
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { initTf, tf } from '../policy/tfSetup';
import { wasmKernelsLabel } from '../policy/wasmKernels';
import { timeAutoWorkload } from '../../bench/workload';
import type { AutoWorkload, BackendName, BackendProbe, BackendReport } from './protocol';
import { setActiveBackendInfo } from './activeBackend';
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
  /** The workload msPerStep was timed on (label), absent for the small MLP. */
  workload?: string;
  checkError?: number;
}

function workloadLabel(w: AutoWorkload): string {
  return `${w.task} ${w.algo}: chain ×${w.nEnvs} + update ${w.batchSize}`;
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
  private workload: AutoWorkload | null = null;
  private requested: BackendName | 'auto' = 'auto';

  constructor(private readonly opts: BackendManagerOptions) {}

  /** Probes once, then activates `requested` ('auto' = probe + benchmark). Never rejects: cpu is the floor. */
  async select(requested: BackendName | 'auto'): Promise<BackendReport> {
    this.requested = requested;
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
    for (const b of candidates) {
      const m = this.measured.get(b);
      if (!m || (m.ok && m.workload !== this.workloadKey())) await this.activate(b, true);
    }
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

  /**
   * The workload the automatic choice times from now on. Returns a new report when it changed (the choice
   * was made again if the user's choice is 'auto'), else null.
   */
  async setWorkload(w: AutoWorkload): Promise<BackendReport | null> {
    if (this.workload && workloadLabel(this.workload) === workloadLabel(w)) return null;
    this.workload = { ...w };
    if (this.active === null) return null; // measured on the first select()
    return this.select(this.requested);
  }

  /**
   * Runs `job` with `name` active (software adapters allowed: the user asked for a measurement), then makes
   * the previously active backend active again. Throws when `name` cannot start.
   */
  async runOn<T>(name: BackendName, job: () => Promise<T>): Promise<T> {
    const hw = await this.probeHardware();
    if (!hw.get(name)!.present) throw new Error(`${name} is unavailable: ${hw.get(name)!.reason}`);
    const previous = this.active;
    try {
      if (!(await this.activate(name))) throw new Error(this.measured.get(name)?.reason ?? `${name} failed to start`);
      return await job();
    } finally {
      if (previous && previous !== this.active) await this.activate(previous);
    }
  }

  /** Hardware facts of a backend (after the first select()): its device and whether it is software. */
  hardwareOf(name: BackendName): { device?: string; software: boolean } {
    const h = this.hardware?.get(name);
    return { device: h?.device, software: h !== undefined && (name === 'webgpu' || name === 'webgl') && h.present && !h.hardware };
  }

  /** The user's choice the last select() honoured. */
  get requestedChoice(): BackendName | 'auto' {
    return this.requested;
  }

  private workloadKey(): string | undefined {
    return this.workload ? workloadLabel(this.workload) : undefined;
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

  /**
   * Starts `name`, self-checks and (first time only, or when `retime` and the workload changed) times it.
   * True when it is now the active backend.
   */
  private async activate(name: BackendName, retime = false): Promise<boolean> {
    const known = this.measured.get(name);
    if (known && !known.ok) return false;
    try {
      await withTimeout(initTf(name, { wasmPath: this.opts.wasmPath }), START_TIMEOUT_MS, `starting ${name}`);
      if (tf.getBackend() !== name) throw new Error(`tfjs reports "${tf.getBackend()}" as active`);
      this.active = name;
      setActiveBackendInfo({ name, software: this.hardwareOf(name).software });
      if (!known) {
        const checkError = await selfCheck();
        if (!(checkError <= MAX_CHECK_ERROR)) {
          this.measured.set(name, { ok: false, reason: `wrong results (self-check error ${checkError.toExponential(1)})`, checkError });
          return false;
        }
        if (name === 'wasm') this.wasmSimd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
        this.measured.set(name, { ok: true, reason: 'started', checkError, ...(await this.time(name)) });
      } else if (retime && known.workload !== this.workloadKey()) {
        this.measured.set(name, { ...known, ...(await this.time(name)) });
      }
      return true;
    } catch (e) {
      this.measured.set(name, { ok: false, reason: `failed to start: ${(e as Error).message ?? String(e)}` });
      return false;
    }
  }

  /** ms of the workload (when named) or of the small MLP on the active backend `name`. */
  private async time(name: BackendName): Promise<{ msPerStep: number; workload?: string }> {
    const w = this.workload;
    if (w && name !== 'cpu' && !this.hardwareOf(name).software) {
      try {
        return { msPerStep: await timeAutoWorkload(w), workload: workloadLabel(w) };
      } catch {
        // A workload the backend cannot run (say, out of memory) is compared on the small MLP instead.
      }
    }
    return { msPerStep: await benchmark(name === 'cpu' ? 400 : 800) };
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
        ...(m?.workload !== undefined ? { workload: m.workload } : {}),
        software: (name === 'webgpu' || name === 'webgl') && h.present && !h.hardware,
        ...(m?.checkError !== undefined ? { checkError: m.checkError } : {}),
        ...(h.device ? { device: h.device } : {}),
      };
    });
    return { active, requested, probes, wasmThreads, crossOriginIsolated: coi };
  }
}
