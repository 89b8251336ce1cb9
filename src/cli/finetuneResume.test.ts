/**
 * Issue 10, CLI parity: `dppo finetune --save-state S --state-every 1` keeps a training state a killed run can
 * be continued from; `dppo finetune --resume S --iters K` prints iterations j..K−1 with exactly the numbers of
 * the uninterrupted run (same process type, wasm backend). Runs the real bin, as `npx dppo` does.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDppo } from './runBin';

const jsonLines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
const SMALL = ['--task', 'avoid-m2', '--seed', '4', '--set', 'nEnvs=4', '--set', 'nSteps=5', '--set', 'batchSize=200', '--set', 'updateEpochs=1', '--set', 'lrFirstCycleSteps=10', '--no-final-eval', '--json'];
/** Numbers of an iteration line that do not measure time. */
const KEYS = ['itr', 'env_steps', 'success_rate', 'avg_return', 'clipfrac', 'approx_kl', 'v_loss', 'explained_variance'];
const pick = (l: Record<string, unknown>) => Object.fromEntries(KEYS.map((k) => [k, l[k]]));

describe('dppo finetune --save-state / --resume', () => {
  it('a run cut after 1 iteration and resumed prints the uninterrupted run\'s iterations 1..2 exactly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dppo-resume-'));
    const full = await runDppo(['finetune', ...SMALL, '--iters', '3']);
    expect(full.status, full.stderr).toBe(0);
    const fullItrs = jsonLines(full.stdout).filter((l) => 'env_steps' in l && !('final' in l));
    expect(fullItrs.map((l) => l.itr)).toEqual([0, 1, 2]);

    const state = join(dir, 'run.state');
    const cut = await runDppo(['finetune', ...SMALL, '--iters', '1', '--save-state', state, '--state-every', '1']);
    expect(cut.status, cut.stderr).toBe(0);
    expect(existsSync(state)).toBe(true);
    expect(existsSync(`${state}.tmp`)).toBe(false);

    const resumed = await runDppo(['finetune', '--resume', state, '--iters', '3', '--no-final-eval', '--json']);
    expect(resumed.status, resumed.stderr).toBe(0);
    const lines = jsonLines(resumed.stdout);
    const itrs = lines.filter((l) => 'env_steps' in l && !('final' in l));
    expect(itrs.map(pick)).toEqual(fullItrs.slice(1).map(pick));
    expect(lines.at(-1)).toMatchObject({ final: true, itr: 2, iterations: 3 });
  }, 600_000);

  it('refuses a file that is not a training state and options that contradict the saved run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dppo-resume-bad-'));
    const junk = join(dir, 'junk.state');
    writeFileSync(junk, 'hello');
    const r = await runDppo(['finetune', '--resume', junk, '--json']);
    expect(r.status).toBe(1);
    expect(String(jsonLines(r.stdout).at(-1)?.error)).toMatch(/--resume .*junk\.state: Not a training state saved by the workbench/);
    const r2 = await runDppo(['finetune', '--resume', junk, '--task', 'avoid-m2', '--json']);
    expect(String(jsonLines(r2.stdout).at(-1)?.error)).toMatch(/leave out --task, --algo, --preset and --seed/);
    const r3 = await runDppo(['finetune', '--task', 'avoid-m2', '--state-every', '0', '--json']);
    expect(String(jsonLines(r3.stdout).at(-1)?.error)).toMatch(/--state-every .*must be/);
  }, 120_000);
});
