/** Reload (issue 13, item 8): the last-used form state comes back through the settings schema. */
import { describe, expect, it } from 'vitest';
import { configOf, DEFAULT_SETTINGS, presetConfig, restoreSettings, settingsOfRun } from './experiment';

describe('restoreSettings', () => {
  it('restores task, algo, preset, seed and overrides', () => {
    const s = restoreSettings(JSON.stringify({ task: DEFAULT_SETTINGS.task, algo: 'gaussian', preset: 'reference', seed: 7, overrides: { nEnvs: 8, actorLr: 0.0002 } }));
    expect(s).toMatchObject({ task: DEFAULT_SETTINGS.task, algo: 'gaussian', preset: 'reference', seed: 7, overrides: { nEnvs: 8, actorLr: 0.0002 } });
  });

  it('drops invalid stored values and keeps the rest, without throwing', () => {
    const s = restoreSettings(
      JSON.stringify({ task: 'no-such-task', algo: 'sgd', preset: 'huge', seed: -1, overrides: { nEnvs: 8, actorLr: -1, bogusKey: 3, gamma: 'abc', clipCoef: { x: 1 } } }),
    )!;
    expect(s.task).toBe(DEFAULT_SETTINGS.task);
    expect(s.algo).toBe(DEFAULT_SETTINGS.algo);
    expect(s.preset).toBe(DEFAULT_SETTINGS.preset);
    expect(s.seed).toBe(DEFAULT_SETTINGS.seed);
    expect(s.overrides).toEqual({ nEnvs: 8 });
    expect(() => configOf(s)).not.toThrow();
  });

  it('gives null for nothing stored or unreadable text', () => {
    for (const raw of [null, '', 'not json', '[1,2]', '42', 'null']) expect(restoreSettings(raw)).toBeNull();
  });

  it('falls back to the preset values when the stored values do not fit together (K′ > K)', () => {
    const s = restoreSettings(JSON.stringify({ ...DEFAULT_SETTINGS, seed: 3, overrides: { ftDenoisingSteps: 5000 } }))!;
    expect(s.seed).toBe(3);
    expect(() => configOf(s)).not.toThrow();
  });

  it('a run config maps back to the same settings', () => {
    const settings = { ...DEFAULT_SETTINGS, seed: 5, overrides: { nEnvs: 8, nSteps: 13 } };
    const again = settingsOfRun(configOf(settings), settings.preset);
    expect(again).toEqual(settings);
    expect(configOf(again)).toEqual(configOf(settings));
    expect(settingsOfRun(presetConfig(DEFAULT_SETTINGS), 'laptop').overrides).toEqual({});
  });
});
