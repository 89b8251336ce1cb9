/**
 * The demo scene as a LiveScene: compiled once, reset with a seeded perturbation of the pendulum angles
 * and of the falling bodies' start positions, advanced in whole physics steps.
 */
import type { MjData, MjModel } from '@mujoco/mujoco';
import { Rng } from '../../../core/rng';
import type { Mujoco } from '../../mujoco';
import { describeScene, readPoses, type LiveScene, type SceneDesc } from '../../sceneDesc';
import { DEMO_FREE_BODIES, DEMO_XML } from './demoXml';

export class DemoScene implements LiveScene {
  readonly desc: SceneDesc;
  private readonly model: MjModel;
  private readonly data: MjData;
  private readonly dt: number;
  /** qpos addresses of the free joints' x of each free body, and of the two hinges. */
  private readonly freeAdr: number[];
  private readonly hingeAdr: number[];
  private disposed = false;
  /** Physics steps owed (fractional). */
  private pending = 0;

  constructor(
    private readonly mj: Mujoco,
    seed: number,
  ) {
    const spec = mj.parseXMLString(DEMO_XML);
    const vfs = new mj.MjVFS();
    try {
      this.model = mj.mj_compile(spec, vfs);
    } finally {
      vfs.delete();
      spec.delete();
    }
    this.data = new mj.MjData(this.model);
    const opt = this.model.opt;
    this.dt = opt.timestep;
    opt.delete();
    const jntAdr = this.model.jnt_qposadr as Int32Array;
    const bodyJnt = this.model.body_jntadr as Int32Array;
    const bodyId = (name: string) => mj.mj_name2id(this.model, mj.mjtObj.mjOBJ_BODY.value, name);
    this.freeAdr = DEMO_FREE_BODIES.map((b) => jntAdr[bodyJnt[bodyId(b)]]);
    this.hingeAdr = ['link1', 'link2'].map((b) => jntAdr[bodyJnt[bodyId(b)]]);
    this.desc = describeScene(this.model, 'demo');
    this.reset(seed);
  }

  get time(): number {
    return this.data.time;
  }

  reset(seed: number): void {
    const rng = new Rng(seed);
    const mj = this.mj;
    mj.mj_resetData(this.model, this.data);
    this.pending = 0;
    const qpos = this.data.qpos as Float64Array;
    // Start the pendulum high so it swings chaotically for a long time (no damping).
    qpos[this.hingeAdr[0]] = rng.range(1.6, 2.4);
    qpos[this.hingeAdr[1]] = rng.range(-1.0, 1.0);
    for (const adr of this.freeAdr) {
      qpos[adr] += rng.range(-0.06, 0.06);
      qpos[adr + 1] += rng.range(-0.06, 0.06);
      qpos[adr + 2] += rng.range(0, 0.3);
    }
    mj.mj_forward(this.model, this.data);
  }

  advance(seconds: number): void {
    // Carry the fraction of a step over, so the scene keeps real time whatever the timer period.
    this.pending += seconds / this.dt;
    const steps = Math.floor(this.pending + 1e-9);
    this.pending -= steps;
    for (let i = 0; i < steps; i++) this.mj.mj_step(this.model, this.data);
  }

  readPoses(out: Float32Array): Float32Array {
    return readPoses(this.model, this.data, out);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.data.delete();
    this.model.delete();
  }
}
