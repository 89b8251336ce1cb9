/**
 * The form and `dppo finetune --set` reject the same inputs with the same messages (issue 13: one schema for
 * every setting). The form path is the store action a field calls (`setFieldText`) and the validity the
 * field and the Start button read (`formValidity`); the CLI path is the real command, in-process.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FinetuneKey } from '../../config/finetune';
import { main } from '../../cli/main';
import { DEFAULT_SETTINGS, formValidity, resetOverrides, setExperiment, setFieldText, settingsOf, useExperiment } from '../../state/experiment';
import { captureCliOutput } from '../../cli/captureOutput';

const lines = captureCliOutput();
beforeEach(() => {
  useExperiment.setState({ ...DEFAULT_SETTINGS, task: 'avoid-m2', algo: 'dppo', overrides: {}, drafts: {}, linkProblems: [] });
});
afterEach(() => vi.restoreAllMocks());

/** What the form shows at the field after the user typed `text`, and whether Start would be enabled. */
function typeIntoForm(key: FinetuneKey, text: string): { message: string | undefined; canStart: boolean; kept: string | undefined } {
  setFieldText(key, text);
  const s = useExperiment.getState();
  const v = formValidity(settingsOf(s), s.drafts);
  return { message: v.issues[key], canStart: v.config !== null, kept: s.drafts[key] };
}

async function viaSet(key: string, text: string): Promise<string> {
  lines.length = 0;
  const code = await main(['finetune', '--task', 'avoid-m2', '--set', `${key}=${text}`, '--json']);
  expect(code).not.toBe(0);
  return (JSON.parse(lines[lines.length - 1]) as { error: string }).error;
}

// Issue 13 item 2, each bad input listed there, plus text in numeric fields and nEnvs beyond the heap.
const BAD: [FinetuneKey, string][] = [
  ['actorLr', '-1'],
  ['clipPlossCoef', '-1'],
  ['clipPlossCoefBase', '-1'],
  ['targetKl', '-1'],
  ['gammaDenoising', '-3'],
  ['minSamplingDenoisingStd', '-1'],
  ['randnClipValue', '-3'],
  ['vfCoef', '-1'],
  ['nCriticWarmupItr', '-2'],
  ['valFreq', '0'],
  ['nTrainItr', '1e12'],
  ['seed', '12345678901234567890'],
  ['seed', '-1'],
  ['ftDenoisingSteps', '50'],
  ['nEnvs', 'abc'],
  ['actorLr', 'NaN'],
  ['targetKl', 'Infinity'],
  ['gamma', '1e400'],
  ['nEnvs', '100000'],
  ['batchSize', '2.5'],
  ['forceTrain', 'maybe'],
];

describe('form and --set agree', () => {
  it.each(BAD)('%s = %j: the same message at the field and from --set; Start disabled', async (key, text) => {
    const form = typeIntoForm(key, text);
    expect(form.message, 'the field shows why').toBeTypeOf('string');
    expect(form.canStart).toBe(false);
    expect(await viaSet(key, text)).toBe(form.message);
    // The message names the setting and what is allowed.
    expect(form.message).toMatch(new RegExp(`^${key}\\b.* must be (a number|an integer|true or false)`));
  });

  it('keeps the typed text (not the previous value) until it is valid, then applies it', () => {
    expect(typeIntoForm('actorLr', 'abc')).toMatchObject({ kept: 'abc', canStart: false });
    expect(useExperiment.getState().overrides.actorLr).toBeUndefined();
    expect(typeIntoForm('actorLr', '2e-5')).toEqual({ message: undefined, canStart: true, kept: undefined });
    expect(useExperiment.getState().overrides.actorLr).toBe(2e-5);
    expect(typeIntoForm('seed', '-1')).toMatchObject({ kept: '-1', canStart: false });
    expect(useExperiment.getState().seed).toBe(0);
    expect(typeIntoForm('seed', '7')).toMatchObject({ canStart: true });
    expect(useExperiment.getState().seed).toBe(7);
  });

  it('checks K′ against the selected checkpoint\'s K, and follows a change of algorithm', () => {
    expect(typeIntoForm('ftDenoisingSteps', '50').message).toBe(
      "ftDenoisingSteps (ft_denoising_steps) must be an integer from 1 to 20, the checkpoint's denoising steps K; got 50.",
    );
    // Gaussian-PPO has no denoising axis: the same value no longer blocks Start.
    setExperiment({ algo: 'gaussian' });
    const s = useExperiment.getState();
    expect(formValidity(settingsOf(s), s.drafts).config).not.toBeNull();
  });

  it('reset clears the override and the draft', () => {
    typeIntoForm('vfCoef', '-1');
    typeIntoForm('gamma', '0.9');
    resetOverrides();
    const s = useExperiment.getState();
    expect(s.overrides).toEqual({});
    expect(s.drafts).toEqual({});
    expect(formValidity(settingsOf(s), s.drafts).config).not.toBeNull();
  });
});
