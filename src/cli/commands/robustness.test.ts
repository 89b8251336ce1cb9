/**
 * `dppo robustness` (paper Fig. 12 study) at toy scale on Hopper: every (policy, σ, k) cell is printed once
 * with finite numbers, heavy noise runs without a crash and does change the outcome, the σ = 0 / k = 1 cell
 * is exactly `dppo eval` with the same seed, and bad sweeps are refused naming the option.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../main';
import { captureCliOutput } from '../captureOutput';

const lines = captureCliOutput();

type Line = Record<string, any>;
const json = (): Line[] => lines.map((l) => JSON.parse(l) as Line);

const SMALL = ['--episodes', '2', '--max-episode-steps', '60', '--seed', '3'];

describe('dppo robustness', () => {
  it('evaluates the bundled diffusion and Gaussian policies in every cell; σ 0 equals dppo eval', async () => {
    expect(await main(['robustness', '--task', 'hopper', '--sigmas', '0,0.1,1', '--init-noise-scales', '1,20', ...SMALL, '--json'])).toBe(0);
    const out = json();
    const summary = out.pop() as Line;
    // 2 policies × (σ 0, 0.1, 1 at k 1 + k 20 at σ 0; the (0, 1) cell once) = 8 cells.
    expect(out).toHaveLength(8);
    const policies = ['diffusion-mlp', 'gaussian-mlp'];
    for (const policy of policies) {
      const mine = out.filter((c) => c.policy === policy);
      expect(mine.map((c) => [c.action_noise, c.init_noise_scale])).toEqual([[0, 1], [0.1, 1], [1, 1], [0, 20]]);
      for (const c of mine) {
        expect(c.ckpt).toBe(`builtin:hopper/${policy}`);
        expect(c.episodes).toBe(2);
        expect(Number.isFinite(c.avg_return)).toBe(true);
        expect(c.success_rate).toBeGreaterThanOrEqual(0);
        expect(c.success_rate).toBeLessThanOrEqual(1);
      }
      // σ = 1 on normalised actions and starts 20× wider (±0.1) are not the unperturbed runs.
      expect(mine[2].avg_return).not.toBe(mine[0].avg_return);
      expect(mine[3].avg_return).not.toBe(mine[0].avg_return);
    }
    expect(summary).toMatchObject({ final: true, task: 'hopper', episodes: 2, seed: 3, sigmas: [0, 0.1, 1], init_noise_scales: [1, 20], cells: 8 });
    for (const policy of policies) {
      const r = summary.returns[policy];
      // Aligned with sigmas / init_noise_scales, the same numbers as the cell lines.
      const mine = out.filter((c) => c.policy === policy);
      expect(r.action_noise).toEqual(mine.slice(0, 3).map((c) => c.avg_return));
      expect(r.init_noise_scale).toEqual([mine[0].avg_return, mine[3].avg_return]);
    }

    // The unperturbed cell is plain `dppo eval` with the same seed and horizon.
    lines.length = 0;
    expect(await main(['eval', '--ckpt', 'builtin:hopper/diffusion-mlp', ...SMALL, '--json'])).toBe(0);
    const plain = json().pop() as Line;
    expect(plain.avg_return).toBe(summary.returns['diffusion-mlp'].action_noise[0]);
    expect(plain.episodes).toBe(2);
  }, 120_000);

  it('`dppo eval --init-noise-scale 1` is the plain evaluation, 0 a noise-free start', async () => {
    const run = async (extra: string[]) => {
      lines.length = 0;
      expect(await main(['eval', '--ckpt', 'builtin:hopper/gaussian-mlp', ...SMALL, ...extra, '--json'])).toBe(0);
      return json().pop() as Line;
    };
    const plain = await run([]);
    const one = await run(['--init-noise-scale', '1']);
    expect(one.avg_return).toBe(plain.avg_return);
    expect(one.init_noise_scale).toBe(1);
    const zero = await run(['--init-noise-scale', '0']);
    expect(zero.avg_return).not.toBe(plain.avg_return);
    // The scale travels with the env options to the sim worker pool: the same numbers as in-process.
    const wide = await run(['--init-noise-scale', '20']);
    expect(wide.avg_return).not.toBe(plain.avg_return);
    expect((await run(['--init-noise-scale', '20', '--workers', '2'])).avg_return).toBe(wide.avg_return);
  }, 60_000);

  it('refuses bad sweeps and checkpoints with a message naming the option or the task', async () => {
    const error = async (args: string[]): Promise<string> => {
      lines.length = 0;
      expect(await main(['robustness', ...args, '--json'])).toBe(1);
      return String(json().pop()?.error);
    };
    expect(await error(['--task', 'hopper', '--sigmas', '0,-0.1'])).toMatch(/--sigmas.*from 0 to/);
    expect(await error(['--task', 'hopper', '--sigmas', '0,,1'])).toMatch(/--sigmas takes comma-separated numbers/);
    expect(await error(['--task', 'hopper', '--sigmas', '0,0'])).toMatch(/--sigmas repeats a value/);
    expect(await error(['--task', 'hopper', '--init-noise-scales', '1,-2'])).toMatch(/--init-noise-scales/);
    expect(await error(['--task', 'avoid-m2', '--init-noise-scales', '1,2'])).toMatch(/Task "avoid-m2".*no initial-state noise/);
    expect(await error(['--task', 'hopper', '--ckpts', 'builtin:avoid-m1/gaussian-mlp'])).toMatch(/trained on avoid-m1, not hopper/);
    expect(await error(['--task', 'hopper', '--episodes', '0'])).toMatch(/--episodes/);
    expect(await error(['--sigmas', '0'])).toMatch(/needs --task/);
    expect(await error(['--task', 'hopper', '--sigma', '0'])).toMatch(/did you mean --sigmas/);
    lines.length = 0;
    expect(await main(['eval', '--ckpt', 'builtin:avoid-m1/gaussian-mlp', '--init-noise-scale', '3', '--json'])).toBe(1);
    expect(String(json().pop()?.error)).toMatch(/--init-noise-scale: Task "avoid-m1"/);
  }, 60_000);
});
