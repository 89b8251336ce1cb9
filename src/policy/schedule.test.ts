import { describe, expect, it } from 'vitest';
import { ddimPlan, ddpmPlan, samplingStd } from './sampler';
import { ddimTimesteps, makeSchedule } from './schedule';

// spec/dppo-reference.md §2.1, K = 20.
const BETA = [.00799, .02007, .03225, .04468, .05752, .07096, .08521, .10055, .1173, .13592, .157, .18136, .21021, .24537, .28973, .34814, .42943, .55102, .74848, .999];
const ABAR = [.99201, .97209, .94074, .89871, .84701, .78691, .71986, .64748, .57153, .49384, .41631, .34081, .26917, .20312, .14427, .09405, .05366, .02409, .00606, .00001];
const PSTD = [0, .0758, .1232, .1617, .1952, .2257, .2546, .2827, .3107, .3392, .3690, .4007, .4354, .4744, .5194, .5734, .6412, .7310, .8573, .9965];
const COEF1 = [1, .7165, .5366, .4278, .3564, .3065, .2698, .2420, .2203, .2030, .1890, .1775, .1679, .1598, .1526, .1460, .1392, .1308, .1169, .0778];
const COEF2 = [0, .2835, .4633, .5718, .6428, .6920, .7275, .7537, .7730, .7869, .7962, .8012, .8016, .7967, .7848, .7626, .7231, .6498, .4924, .0314];

function expectTable(got: ArrayLike<number>, want: number[], tol = 1e-4): void {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expect(Math.abs(got[i] - w), `index ${i}: ${got[i]} vs ${w}`).toBeLessThanOrEqual(tol));
}

describe('cosine schedule (spec §2.1)', () => {
  const s = makeSchedule(20);
  it('matches the K = 20 tables to 1e-4', () => {
    expectTable(s.betas, BETA, 1.1e-5 * 10);
    expectTable(s.alphasCumprod, ABAR);
    expectTable(Array.from(s.posteriorVariance, Math.sqrt), PSTD);
    expectTable(s.posteriorMeanCoef1, COEF1);
    expectTable(s.posteriorMeanCoef2, COEF2);
  });

  it('derives the x0 and log-variance constants consistently', () => {
    for (let t = 0; t < 20; t++) {
      expect(s.sqrtRecipAlphasCumprod[t] ** 2).toBeCloseTo(1 / s.alphasCumprod[t], 6);
      expect(s.sqrtRecipm1AlphasCumprod[t] ** 2).toBeCloseTo(1 / s.alphasCumprod[t] - 1, 6);
    }
    expect(s.posteriorLogVarianceClipped[0]).toBeCloseTo(Math.log(1e-20), 6);
    expect(s.alphasCumprodPrev[0]).toBe(1);
  });
});

describe('DDIM (spec §2.5)', () => {
  it('uses leading timesteps', () => {
    expect(Array.from(ddimTimesteps(100, 5))).toEqual([80, 60, 40, 20, 0]);
    expect(Array.from(ddimTimesteps(20, 4))).toEqual([15, 10, 5, 0]);
    expect(() => ddimTimesteps(20, 0)).toThrow();
  });

  it('folds the recomputed-ε mean into μ = c1·x0 + c2·x', () => {
    const s = makeSchedule(100);
    const plan = ddimPlan(s, 5, 5, 1);
    const ts = [80, 60, 40, 20, 0];
    plan.forEach((p, i) => {
      const a = s.alphasCumprod[ts[i]];
      const aPrev = i < 4 ? s.alphasCumprod[ts[i + 1]] : 1;
      const sigma = Math.max(Math.sqrt(((1 - aPrev) / (1 - a)) * (1 - a / aPrev)), 1e-10);
      const x = 0.3;
      const eps = -0.7;
      const x0 = Math.min(Math.max((x - Math.sqrt(1 - a) * eps) / Math.sqrt(a), -1), 1);
      const epsR = (x - Math.sqrt(a) * x0) / Math.sqrt(1 - a);
      const mu = Math.sqrt(aPrev) * x0 + Math.sqrt(Math.max(1 - aPrev - sigma * sigma, 0)) * epsR;
      const x0p = Math.min(Math.max(p.sr * x - p.srm1 * eps, -1), 1);
      expect(p.t).toBe(ts[i]);
      expect(p.ft).toBe(true);
      expect(x0p).toBeCloseTo(x0, 10);
      expect(p.c1 * x0p + p.c2 * x).toBeCloseTo(mu, 10);
      expect(p.std).toBeCloseTo(sigma, 12);
    });
    expect(ddimPlan(s, 5, 2, 1).map((p) => p.ft)).toEqual([false, false, false, true, true]);
  });
});

describe('sampling std (spec §2.4)', () => {
  const plan = ddpmPlan(makeSchedule(20), 10);
  const at = (t: number) => plan.findIndex((p) => p.t === t);
  it('floors every step in training mode, including t = 0', () => {
    const mode = { deterministic: false, minSamplingDenoisingStd: 0.1 };
    expect(samplingStd(plan, at(0), mode, false)).toBe(0.1);
    expect(samplingStd(plan, at(1), mode, false)).toBe(0.1);
    expect(samplingStd(plan, at(5), mode, false)).toBeCloseTo(0.2257, 4);
  });
  it('eval: noiseless last step, 1e-3 floor elsewhere; DDIM eval noiseless', () => {
    const mode = { deterministic: true, minSamplingDenoisingStd: 0.1 };
    expect(samplingStd(plan, at(0), mode, false)).toBe(0);
    expect(samplingStd(plan, at(1), mode, false)).toBeCloseTo(0.0758, 4);
    expect(samplingStd(plan, at(19), mode, false)).toBeCloseTo(0.9965, 4);
    expect(samplingStd(plan, at(3), mode, true)).toBe(0);
  });
  it('routes t < K′ to the fine-tuned actor', () => {
    expect(plan.filter((p) => p.ft).map((p) => p.t)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  });
});
