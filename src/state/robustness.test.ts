/**
 * The Policies page's robustness state (state/robustness.ts) without a worker: which checkpoints stand for
 * DPPO and Gaussian by default (fine-tuned first, then the one chosen for fine-tuning, then the bundled one),
 * list parsing with messages naming the field, and the refusals a click gets before anything is sent.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { PolicyEntry } from './policies';
import { usePretrain } from './pretrain';
import { parseList, robustnessCandidates, robustnessDefault, setRobustnessForm, startRobustness, useRobustness } from './robustness';

const bundled = (task: string, kind: string): PolicyEntry => ({ ref: `builtin:${task}/${kind}`, label: `${task}/${kind}`, origin: 'bundled', task, kind });
const ENTRIES: PolicyEntry[] = [
  bundled('hopper', 'diffusion-mlp'),
  bundled('hopper', 'gaussian-mlp'),
  bundled('hopper', 'gmm-mlp'),
  bundled('avoid-m2', 'diffusion-mlp'),
  { ref: 'stored:old', label: 'old run', origin: 'run', task: 'hopper', kind: 'diffusion-mlp', createdAt: 1 },
  { ref: 'stored:new', label: 'new run', origin: 'run', task: 'hopper', kind: 'diffusion-mlp', createdAt: 2 },
  { ref: 'stored:imp', label: 'imported', origin: 'imported', task: 'hopper', kind: 'diffusion-mlp', createdAt: 3 },
];

describe('robustness state', () => {
  beforeEach(() => {
    useRobustness.setState({ run: null, error: null });
  });

  it('offers the task\'s policies of each side, the newest fine-tuned first and the bundled last', () => {
    expect(robustnessCandidates('hopper', 'dppo', ENTRIES).map((e) => e.ref)).toEqual(['stored:new', 'stored:old', 'stored:imp', 'builtin:hopper/diffusion-mlp']);
    expect(robustnessCandidates('hopper', 'gaussian', ENTRIES).map((e) => e.ref)).toEqual(['builtin:hopper/gaussian-mlp']);
    expect(robustnessCandidates('walker2d', 'dppo', ENTRIES)).toEqual([]);
  });

  it('defaults to the picked one, else the one chosen for fine-tuning, else the newest fine-tuned, else bundled', () => {
    expect(robustnessDefault('hopper', 'dppo', ENTRIES, undefined, {})).toBe('stored:new');
    expect(robustnessDefault('hopper', 'dppo', ENTRIES, undefined, { 'hopper/dppo': 'stored:imp' })).toBe('stored:imp');
    expect(robustnessDefault('hopper', 'dppo', ENTRIES, 'stored:old', { 'hopper/dppo': 'stored:imp' })).toBe('stored:old');
    // A pick that is not a candidate of this task (e.g. left over from another task) is ignored.
    expect(robustnessDefault('hopper', 'dppo', ENTRIES, 'builtin:avoid-m2/diffusion-mlp', {})).toBe('stored:new');
    expect(robustnessDefault('hopper', 'gaussian', ENTRIES, undefined, {})).toBe('builtin:hopper/gaussian-mlp');
    expect(robustnessDefault('walker2d', 'gaussian', ENTRIES, undefined, {})).toBeNull();
  });

  it('parses lists with commas or spaces and names the field of a bad item', () => {
    expect(parseList('0, 0.05 0.1,0.2', 'σ list')).toEqual([0, 0.05, 0.1, 0.2]);
    expect(() => parseList('0, -1', 'σ list')).toThrow('σ list: "-1" is not a number ≥ 0.');
    expect(() => parseList(' , ', 'init-scale list')).toThrow(/init-scale list: give at least one value/);
  });

  it('refuses at the control before sending: a task without start noise with k ≠ 1, a task without policies', async () => {
    usePretrain.setState({ chosen: {}, sessionCheckpoints: [] });
    setRobustnessForm({ task: 'avoid-m2', sigmas: '0, 0.1', initNoiseScales: '1, 2' });
    await startRobustness();
    expect(useRobustness.getState().error).toMatch(/avoid-m2 has no initial-state noise to widen/);
    expect(useRobustness.getState().run).toBeNull();
    // Every registered task ships bundled policies, so a task id nothing is listed for stands in here.
    setRobustnessForm({ task: 'unlisted-task', initNoiseScales: '1' });
    await startRobustness();
    expect(useRobustness.getState().error).toMatch(/No DPPO policy of unlisted-task is listed: pre-train or import one first/);
    setRobustnessForm({ task: 'hopper', sigmas: '0, x' });
    await startRobustness();
    expect(useRobustness.getState().error).toBe('σ list: "x" is not a number ≥ 0.');
    setRobustnessForm({ sigmas: '0', maxEpisodeSteps: '2.5' });
    await startRobustness();
    expect(useRobustness.getState().error).toMatch(/Max steps: "2.5" is not a whole number/);
    // Valid settings but no worker in a unit test: the message says so, nothing is left running.
    setRobustnessForm({ maxEpisodeSteps: ' 200 ' });
    await startRobustness();
    expect(useRobustness.getState().error).toMatch(/training worker is not running yet/);
    expect(useRobustness.getState().run?.running).toBe(false);
  });
});
