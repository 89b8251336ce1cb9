/**
 * `dppo trace`: reset line with the MuJoCo state, one line per env step, stop at the first terminated or
 * truncated step (or reset and go on with --episodes), summary last. tests/parity drives it from Python.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng';
import { npyArray, writeNpy } from '../../data/npy';
import { main } from '../main';
import { captureCliOutput } from '../captureOutput';

const lines = captureCliOutput();

type Line = Record<string, any>;
const json = (): Line[] => lines.map((l) => JSON.parse(l) as Line);

const dir = mkdtempSync(join(tmpdir(), 'dppo-trace-'));
function actionsFile(name: string, T: number, Da: number, value?: number, dtype: 'float32' | 'float64' = 'float32'): string {
  const rng = new Rng(5);
  const data = dtype === 'float32' ? new Float32Array(T * Da) : new Float64Array(T * Da);
  for (let i = 0; i < data.length; i++) data[i] = value ?? rng.range(-1, 1);
  const path = join(dir, name);
  writeFileSync(path, writeNpy(npyArray(dtype, [T, Da], data)));
  return path;
}

describe('dppo trace', () => {
  it('prints the reset state, every step, and stops at the first terminated step', async () => {
    // Full torque topples the hopper well before 300 steps.
    const file = actionsFile('push.npy', 300, 3, 1);
    expect(await main(['trace', '--task', 'hopper', '--seed', '0', '--actions', file, '--json'])).toBe(0);
    const out = json();
    const [reset, ...rest] = out;
    const summary = rest.pop() as Line;
    expect(reset).toMatchObject({ episode: 0, seed: 0 });
    expect(reset.qpos).toHaveLength(6);
    expect(reset.qvel).toHaveLength(6);
    expect(reset.obs).toHaveLength(11);
    expect(reset.obs[0]).toBeCloseTo(reset.qpos[1], 6);
    expect(rest.length).toBeGreaterThan(0);
    expect(rest.length).toBeLessThan(300);
    rest.forEach((l, t) => {
      expect(l.step).toBe(t);
      expect(l.obs).toHaveLength(11);
      expect(typeof l.reward).toBe('number');
      expect(l.qpos).toBeUndefined(); // only with --state each
      expect(l.terminated).toBe(t === rest.length - 1);
    });
    expect(summary).toMatchObject({ final: true, task: 'hopper', reference_env: 'Hopper-v2', steps: rest.length, episodes: 1, ended: 'terminated' });
    expect(summary.note).toMatch(/terminated/);
    expect(summary.returns[0]).toBeCloseTo(rest.reduce((s, l) => s + l.reward, 0), 9);
  });

  it('with --episodes resets with seed + k and covers every action; --state each adds qpos/qvel per step', async () => {
    const file = actionsFile('random.npy', 400, 3, undefined, 'float64');
    expect(await main(['trace', '--task', 'hopper', '--seed', '10', '--actions', file, '--episodes', '1000', '--state', 'each', '--json'])).toBe(0);
    const out = json();
    const summary = out.pop() as Line;
    const resets = out.filter((l) => !('step' in l));
    const steps = out.filter((l) => 'step' in l);
    expect(steps.map((l) => l.step)).toEqual([...Array(400).keys()]);
    expect(resets.length).toBeGreaterThan(1);
    expect(resets.map((l) => l.seed)).toEqual(resets.map((_, k) => 10 + k));
    expect(summary).toMatchObject({ final: true, steps: 400, episodes: resets.length, ended: 'actions' });
    for (const l of steps) {
      expect(l.qpos).toHaveLength(6);
      expect(l.qvel).toHaveLength(6);
    }
    // A reset line follows every terminated step except the last line.
    out.forEach((l, i) => {
      if ('step' in l && (l.terminated || l.truncated) && i + 1 < out.length) expect('step' in out[i + 1]).toBe(false);
    });
  });

  it('truncates at --max-episode-steps', async () => {
    const file = actionsFile('zeros.npy', 50, 6, 0);
    expect(await main(['trace', '--task', 'halfcheetah', '--seed', '1', '--actions', file, '--max-episode-steps', '20', '--json'])).toBe(0);
    const summary = json().pop() as Line;
    expect(summary).toMatchObject({ steps: 20, ended: 'truncated' });
  });

  it('refuses actions of the wrong shape and unknown tasks with a clear error', async () => {
    const file = actionsFile('wrong.npy', 10, 4, 0);
    expect(await main(['trace', '--task', 'hopper', '--actions', file, '--json'])).toBe(1);
    expect(json().pop()?.error).toMatch(/shape \[T, 3\]/);
    lines.length = 0;
    expect(await main(['trace', '--task', 'no-such-task', '--actions', file, '--json'])).toBe(1);
    expect(json().pop()?.error).toMatch(/Unknown task/);
  });
});
