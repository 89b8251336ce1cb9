/**
 * Base class for MuJoCo environments: compiles an MJCF string (once per module, then copied), owns its
 * MjModel and MjData, and frees them exactly once (spec/mujoco-wasm.md §4, §10: nothing is garbage-collected). Subclasses
 * implement the task (reset/step/spec). After dispose() every accessor throws a clear error instead of
 * the binding's "deleted object" message.
 */
import type { MjData, MjModel } from '@mujoco/mujoco';
import type { Mujoco } from './mujoco';
import { describeScene, type SceneDesc } from './sceneDesc';
import type { Env, EnvSpec, StepResult } from './types';

let liveEnvs = 0;

/** Compiles MJCF text with the bindings' `MjModel.from_xml_string` (no file in the virtual FS needed). */
export function compileMjcf(mj: Mujoco, xml: string): MjModel {
  return mj.MjModel.from_xml_string(xml);
}

/**
 * Compiled models per module and MJCF text. Compiling the Avoid scene takes 15–30 ms but copying a
 * compiled model (`new MjModel(model)`) takes < 0.1 ms, so each env gets its own copy of a cached
 * template. Templates live as long as the module (one per distinct MJCF) unless released.
 */
const templates = new WeakMap<Mujoco, Map<string, MjModel>>();

function modelFor(mj: Mujoco, xml: string): MjModel {
  let perModule = templates.get(mj);
  if (!perModule) {
    perModule = new Map();
    templates.set(mj, perModule);
  }
  let template = perModule.get(xml);
  if (!template) {
    template = compileMjcf(mj, xml);
    perModule.set(xml, template);
  }
  return new mj.MjModel(template);
}

/** Frees the cached template models of a module (envs keep their own copies). */
export function releaseModelTemplates(mj: Mujoco): void {
  const perModule = templates.get(mj);
  if (!perModule) return;
  for (const m of perModule.values()) m.delete();
  templates.delete(mj);
}

export abstract class MjEnv implements Env {
  abstract readonly spec: EnvSpec;
  protected readonly mj: Mujoco;
  private _model: MjModel | null;
  private _data: MjData | null;
  private readonly label: string;
  /** The wasm heap buffer the subclass's cached views were taken from (null: not bound yet). */
  private viewsBuffer: ArrayBufferLike | null = null;

  /** Number of MjEnv instances whose MuJoCo objects are alive (for leak tests). */
  static liveCount(): number {
    return liveEnvs;
  }

  protected constructor(mj: Mujoco, xml: string, label: string) {
    this.mj = mj;
    this.label = label;
    const model = modelFor(mj, xml);
    let data: MjData;
    try {
      data = new mj.MjData(model);
    } catch (e) {
      model.delete();
      throw e;
    }
    this._model = model;
    this._data = data;
    liveEnvs++;
  }

  /** The compiled model (read-only use; the env owns it). Throws after dispose(). */
  get model(): MjModel {
    if (!this._model) throw this.disposedError();
    return this._model;
  }

  /** The simulation state (read-only use; the env owns it). Throws after dispose(). */
  get data(): MjData {
    if (!this._data) throw this.disposedError();
    return this._data;
  }

  get disposed(): boolean {
    return this._model === null;
  }

  abstract reset(seed: number): Float32Array;
  abstract step(action: Float32Array): StepResult;

  /**
   * Viewer poses: geom_xpos (ngeom×3) then geom_xmat (ngeom×9, row-major), copied into `out` (allocated when
   * omitted) so nothing points into WASM memory (spec/mujoco-wasm.md §5).
   */
  poses(out?: Float32Array): Float32Array {
    const model = this.model;
    const data = this.data;
    const n = model.ngeom;
    const frame = out ?? new Float32Array(n * 12);
    if (frame.length !== n * 12) throw new Error(`${this.label}: poses buffer must hold ${n * 12} floats, got ${frame.length}.`);
    frame.set(data.geom_xpos as Float64Array, 0);
    frame.set(data.geom_xmat as Float64Array, n * 3);
    return frame;
  }

  /** The viewer's description of this env's model (named after the task). */
  scene(): SceneDesc {
    return describeScene(this.model, this.spec.taskId);
  }

  /** Frees MjData and MjModel once; later calls are no-ops, later use throws. */
  dispose(): void {
    if (!this._model) return;
    this.onDispose();
    this.viewsBuffer = null;
    this._data?.delete();
    this._model.delete();
    this._data = null;
    this._model = null;
    liveEnvs--;
  }

  /**
   * Subclasses take their cached typed-array views of MjModel/MjData here (`data.qpos` …). The bindings'
   * heap is a plain, growable ArrayBuffer: when any allocation grows it (a new env, a new model), every
   * view taken before is detached and reads as empty. Steps never allocate, so `syncViews()` at the entry
   * points (reset, step, readers) is enough.
   */
  protected bindViews(): void {}

  /** Re-takes the cached views if the heap grew since they were taken: one property read when it did not. */
  protected syncViews(): void {
    const b = this.viewsBuffer;
    if (b !== null && b.byteLength !== 0) return;
    this.bindViews();
    this.viewsBuffer = (this.data.qpos as Float64Array).buffer;
  }

  /** Hook for subclasses to drop cached typed-array views before the objects are deleted. */
  protected onDispose(): void {}

  protected assertLive(): void {
    if (!this._model) throw this.disposedError();
  }

  private disposedError(): Error {
    return new Error(`${this.label} was used after dispose(); create a new environment instead.`);
  }
}
