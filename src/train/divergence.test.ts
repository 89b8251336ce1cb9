/**
 * The divergence guard on hand-made sequences (issue 13): non-finite values halt with the quantity and the
 * iteration named; a KL or clip-fraction blow-up warns only after `patience` consecutive iterations and
 * once per streak; success and return falls are judged against the run's best, eval against eval.
 */
import { describe, expect, it } from 'vitest';
import { COLLAPSE_DEFAULTS, collapseSettingsFrom, DivergenceError, DivergenceGuard, firstNonFinite, type CollapseSettings } from './divergence';

const hints = { actorLr: 1e6, criticLr: 1e-3, maxGradNorm: 0 };
const guard = (s: Partial<CollapseSettings> = {}, targetKl = 0.05) => new DivergenceGuard({ ...COLLAPSE_DEFAULTS, ...s }, targetKl, hints);
const thrown = (f: () => void): DivergenceError => {
  try {
    f();
  } catch (e) {
    if (e instanceof DivergenceError) return e;
    throw e;
  }
  throw new Error('expected a DivergenceError');
};

describe('non-finite checks', () => {
  it('finds the first non-finite value', () => {
    expect(firstNonFinite([0, 1, 2])).toBe(-1);
    expect(firstNonFinite(Float32Array.of(0, NaN, Infinity))).toBe(1);
    expect(firstNonFinite([-Infinity])).toBe(0);
  });

  it('a NaN loss halts with the quantity, the iteration and what to try', () => {
    const g = guard();
    g.checkFinite('policy loss', 0.3, 2);
    const e = thrown(() => g.checkFinite('policy loss', NaN, 3));
    expect(e).toMatchObject({ itr: 3, quantity: 'policy loss', reason: 'non-finite', name: 'DivergenceError' });
    expect(e.message).toMatch(/^Training diverged at iteration 3: the policy loss became non-finite \(NaN\)\./);
    expect(e.message).toMatch(/lower actorLr \(now 1000000\)/);
    expect(e.message).toMatch(/maxGradNorm/);
  });

  it('a NaN action names its index; a critic quantity suggests the critic lr', () => {
    const g = guard();
    const e = thrown(() => g.checkFinite('sampled action', Float32Array.of(0.1, 0.2, NaN, 0), 1));
    expect(e.quantity).toBe('sampled action');
    expect(e.message).toMatch(/sampled action became non-finite \(NaN at index 2\)/);
    const v = thrown(() => g.checkFinite('value estimate', [1, Infinity], 4));
    expect(v.message).toMatch(/lower criticLr \(now 0\.001\)/);
  });

  it('with maxGradNorm set, the hint suggests a smaller one', () => {
    const g = new DivergenceGuard(COLLAPSE_DEFAULTS, 0.05, { ...hints, maxGradNorm: 5 });
    expect(thrown(() => g.checkFinite('actor gradient norm', Infinity, 0)).message).toMatch(/smaller maxGradNorm \(now 5\)/);
  });
});

describe('collapse detection', () => {
  it('KL above klFactor × targetKl warns after `patience` iterations in a row, once per streak', () => {
    const g = guard({ patience: 3 });
    const kls = [0.01, 0.6, 0.7, 0.01, 0.6, 0.6, 0.8, 0.9, 0.9];
    const out = kls.map((kl, itr) => g.observeUpdate(itr, { approxKl: kl, clipfrac: 0.05 }));
    expect(out.map((o) => o.flagged)).toEqual([false, true, true, false, true, true, true, true, true]);
    const warned = out.flatMap((o) => o.warnings);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ itr: 6, kind: 'kl', metric: 'losses/approx_kl' });
    expect(warned[0].message).toMatch(/above 10× targetKl \(0\.05\) for 3 iterations in a row/);
  });

  it('a blown-up clip fraction warns; a KL at 9× target does not', () => {
    const g = guard();
    expect(g.observeUpdate(0, { approxKl: 0.45, clipfrac: 0.6 }).warnings).toEqual([]);
    const w = g.observeUpdate(1, { approxKl: 0.45, clipfrac: 0.7 }).warnings;
    expect(w.map((x) => x.kind)).toEqual(['clipfrac']);
  });

  it('no KL check when targetKl is infinite', () => {
    const g = guard({ patience: 1 }, Infinity);
    expect(g.observeUpdate(0, { approxKl: 1e9, clipfrac: 0 })).toEqual({ flagged: false, warnings: [] });
  });

  it('a success collapse (0.91 → 0) warns against the run best; a dip that recovers does not', () => {
    const g = guard();
    const seq = [0.5, 0.8, 0.91, 0.3, 0.88, 0.1, 0.0, 0.0];
    const out = seq.map((s, itr) => g.observeRollout(itr, { successRate: s, avgReturn: s * 10 + 1, numEpisodes: 20, evalItr: false }));
    expect(out.map((o) => o.flagged)).toEqual([false, false, false, true, false, true, true, true]);
    const warned = out.flatMap((o) => o.warnings);
    expect(warned.map((w) => [w.itr, w.kind])).toEqual([
      [6, 'success-fall'],
      [6, 'return-fall'],
    ]);
    expect(warned[0].message).toMatch(/training success rate fell to 0 from the run's best 0\.91/);
  });

  it('eval rollouts are compared with eval rollouts only; iterations without episodes are skipped', () => {
    const g = guard({ patience: 1 });
    expect(g.observeRollout(0, { successRate: 1, avgReturn: 5, numEpisodes: 8, evalItr: true }).flagged).toBe(false);
    expect(g.observeRollout(1, { successRate: 0.3, avgReturn: 2, numEpisodes: 8, evalItr: false }).flagged).toBe(false);
    expect(g.observeRollout(2, { successRate: 0, avgReturn: 0, numEpisodes: 0, evalItr: false }).flagged).toBe(false);
    expect(g.observeRollout(3, { successRate: 0.4, avgReturn: 2, numEpisodes: 8, evalItr: true }).warnings.map((w) => w.kind)).toEqual(['success-fall', 'return-fall']);
  });

  it('a fall from a low best success or a negative best return is not a collapse', () => {
    const g = guard({ patience: 1 });
    g.observeRollout(0, { successRate: 0.1, avgReturn: -10, numEpisodes: 8, evalItr: false });
    expect(g.observeRollout(1, { successRate: 0, avgReturn: -40, numEpisodes: 8, evalItr: false }).flagged).toBe(false);
  });

  it('halt turns a warning into a DivergenceError (reason collapse)', () => {
    const w = { itr: 4, kind: 'kl' as const, metric: 'losses/approx_kl' as const, message: 'Approx KL …' };
    expect(guard().haltFor(w)).toBeNull();
    const e = guard({ halt: true }).haltFor(w)!;
    expect(e).toMatchObject({ itr: 4, quantity: 'kl', reason: 'collapse' });
    expect(e.message).toMatch(/^Training collapsed and was halted/);
  });

  it('settings come from the defaults, then any collapse* config keys, then explicit overrides', () => {
    expect(collapseSettingsFrom({ actorLr: 1 })).toEqual(COLLAPSE_DEFAULTS);
    expect(collapseSettingsFrom({ collapseKlFactor: 4, collapseHalt: true, collapsePatience: 'x' })).toMatchObject({ klFactor: 4, halt: true, patience: 2 });
    expect(collapseSettingsFrom({ collapseKlFactor: 4 }, { klFactor: 7 }).klFactor).toBe(7);
  });
});
