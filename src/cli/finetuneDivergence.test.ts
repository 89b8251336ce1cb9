/**
 * Issue 13, must show: `npx dppo finetune --task avoid-m2 --set actorLr=1e6 --iters 5 --out X --json` exits
 * non-zero with a divergence error naming the iteration, X holds the last good weights, and `dppo eval
 * --ckpt X` loads them (the task comes from the checkpoint). Runs the real bin, as `npx dppo` does.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDppo } from './runBin';

const dppo = (...args: string[]) => runDppo(args);
const jsonLines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('dppo finetune: divergence', () => {
  it('actor lr 1e6 halts with a divergence error naming the iteration; --out holds the last good weights, which eval loads', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dppo-diverge-')), 'X.safetensors');
    const r = await dppo('finetune', '--task', 'avoid-m2', '--set', 'actorLr=1e6', '--iters', '5', '--out', out, '--json');
    expect(r.status, r.stderr).toBe(1);
    const lines = jsonLines(r.stdout);
    const error = String(lines.at(-1)?.error);
    const itr = Number(/^Training diverged at iteration (\d+): the .+ became non-finite/.exec(error)?.[1]);
    expect(itr, error).toBeGreaterThanOrEqual(0);
    expect(error).toMatch(/Try a lower actorLr \(now 1000000\)/);
    expect(error).toContain(`Wrote them to ${out}`);
    const diverged = lines.at(-2)!;
    expect(diverged).toMatchObject({ diverged: true, itr, out });
    expect(Number(diverged.last_good_itr)).toBeLessThan(itr);
    // Every recorded iteration came before the divergence.
    expect(lines.filter((l) => 'env_steps' in l).map((l) => l.itr)).toEqual([...Array(itr).keys()]);
    expect(existsSync(out)).toBe(true);

    const e = await dppo('eval', '--ckpt', out, '--episodes', '4', '--json');
    expect(e.status, e.stderr).toBe(0);
    const summary = jsonLines(e.stdout).at(-1)!;
    expect(summary).toMatchObject({ final: true, task: 'avoid-m2', episodes: 4 });
    expect(Number.isFinite(summary.success_rate)).toBe(true);
  }, 240_000);
});
