/**
 * The native MuJoCo reference of `dppo bench sim`: runs bench/native_sim.py (PyPI `mujoco`, the same engine
 * version as the WASM build) on the SAME MJCF the task's family compiles (`TaskFamily.mjcf`), with the same
 * driver as the WASM side (random uniform actions in the spec's bounds, chunks of actSteps, the task's frame
 * skip, reset on termination or at the horizon). Only tasks whose env rule the Python driver reproduces have
 * a native figure: families that declare `native` (Gym: its health rule, reward and reset noise). Avoid
 * runs a TypeScript Cartesian controller between physics steps, which the Python driver does not have.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { getTask, taskFamily } from '../src/sim/registry';
import type { NativeRule } from '../src/sim/types';

export type { NativeRule };

/** The Python driver's rule for a task (the family's `native`), or the reason there is none. */
export function nativeRule(taskId: string): NativeRule | { unsupported: string } {
  const family = taskFamily(taskId);
  if (!family.mjcf || !family.frameSkip) return { unsupported: `the ${family.family} family declares no MJCF/frame skip for a native run` };
  const rule = family.native?.(taskId);
  if (!rule) return { unsupported: `no native driver for the ${family.family} family (its env runs TypeScript control between physics steps)` };
  return rule;
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The project's Python (scripts/ensure-pyenv.mjs creates it), or null. */
export function venvPython(): string | null {
  for (const p of [join(repoRoot, '.venv', 'bin', 'python'), join(repoRoot, '.venv', 'Scripts', 'python.exe')]) if (existsSync(p)) return p;
  return null;
}

export interface NativeOptions {
  taskId: string;
  nEnvs: number;
  actSteps: number;
  maxEpisodeSteps: number;
  seed: number;
  /** Python interpreter (default: the project's .venv). */
  python?: string;
}

/** One native_sim.py process, ready to run timed blocks. */
export class NativeSim {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
    private readonly stderr: () => string,
    readonly version: string,
  ) {}

  /** Starts a driver process; rejects with the reason when Python, mujoco or the task cannot run. */
  static async start(opts: NativeOptions, index = 0): Promise<NativeSim> {
    const rule = nativeRule(opts.taskId);
    if ('unsupported' in rule) throw new Error(rule.unsupported);
    const python = opts.python ?? venvPython();
    if (!python) throw new Error('no project Python (.venv): run `node scripts/ensure-pyenv.mjs` to create it with PyPI mujoco==3.14.0');
    const family = taskFamily(opts.taskId);
    const spec = getTask(opts.taskId).spec;
    const dir = mkdtempSync(join(tmpdir(), 'dppo-native-'));
    const xmlPath = join(dir, `${opts.taskId}.xml`);
    writeFileSync(xmlPath, family.mjcf!(opts.taskId));
    const cfgPath = join(dir, 'config.json');
    writeFileSync(
      cfgPath,
      JSON.stringify({
        xml_path: xmlPath,
        n_envs: opts.nEnvs,
        act_steps: opts.actSteps,
        frame_skip: family.frameSkip!(opts.taskId),
        max_episode_steps: opts.maxEpisodeSteps,
        act_low: spec.actLow,
        act_high: spec.actHigh,
        seed: opts.seed + index,
        rule,
      }),
    );
    const child = spawn(python, [join(repoRoot, 'bench', 'native_sim.py'), cfgPath], { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const spawnError = new Promise<never>((_, reject) => child.on('error', (e) => reject(new Error(`cannot start ${python}: ${e.message}`))));
    spawnError.catch(() => undefined);
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    try {
      const first = await Promise.race([lines.next(), spawnError]);
      if (first.done) throw new Error(`native_sim.py ended before it was ready: ${lastLine(err) || 'no output'}`);
      const ready = JSON.parse(first.value) as { ready?: boolean; mujoco?: string };
      if (!ready.ready) throw new Error(`native_sim.py: ${first.value}`);
      return new NativeSim(child, lines, () => err, ready.mujoco ?? '?');
    } catch (e) {
      child.kill();
      throw e;
    } finally {
      child.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    }
  }

  /** Runs the driver for about `seconds`; env steps per second of that block. */
  async run(seconds: number): Promise<number> {
    this.child.stdin.write(`run ${seconds}\n`);
    const line = await this.lines.next();
    if (line.done) throw new Error(`native_sim.py stopped: ${lastLine(this.stderr()) || 'no output'}`);
    const r = JSON.parse(line.value) as { env_steps: number; seconds: number; error?: string };
    if (r.error) throw new Error(`native_sim.py: ${r.error}`);
    return r.env_steps / r.seconds;
  }

  stop(): void {
    if (this.child.exitCode === null) {
      this.child.stdin.end('quit\n');
      setTimeout(() => this.child.kill(), 2000).unref();
    }
  }
}

function lastLine(s: string): string {
  const lines = s.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}
