/**
 * Issue 13 item 2 in the browser: each bad input a user tried is marked at its field with the reason and the
 * allowed range, the typed text stays in the field, and Start stays disabled until the field is valid again.
 * The messages are the settings schema's (the same as `dppo finetune --set`, see
 * src/features/experiments/settings.test.ts).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { appSession, artifactPath, BASE_URL } from './helpers';

/** [setting, typed text, what the message must say]. */
const BAD: [string, string, RegExp][] = [
  ['actorLr', '-1', /^actorLr \(actor_lr\) must be a number > 0; got -1\.$/],
  ['clipPlossCoef', '-1', /^clipPlossCoef \(clip_ploss_coef\) must be a number > 0; got -1\.$/],
  ['clipPlossCoefBase', '-1', /must be a number > 0; got -1\./],
  ['targetKl', '-1', /^targetKl \(target_kl\) must be a number > 0; got -1\.$/],
  ['gammaDenoising', '-3', /^gammaDenoising \(gamma_denoising\) must be a number in \(0, 1\]; got -3\.$/],
  ['minSamplingDenoisingStd', '-1', /must be a number > 0; got -1\./],
  ['randnClipValue', '-3', /^randnClipValue \(randn_clip_value\) must be a number > 0; got -3\.$/],
  ['vfCoef', '-1', /^vfCoef \(vf_coef\) must be a number ≥ 0; got -1\.$/],
  ['nCriticWarmupItr', '-2', /must be an integer from 0 to 100000; got -2\./],
  ['valFreq', '0', /^valFreq \(val_freq\) must be an integer from 1 to 100000; got 0\.$/],
  ['nTrainItr', '1e12', /^nTrainItr \(n_train_itr\) must be an integer from 1 to 100000; got 1e12\.$/],
  ['seed', '12345678901234567890', /^seed must be an integer from 0 to 4294967295; got 12345678901234567890\.$/],
  ['ftDenoisingSteps', '50', /^ftDenoisingSteps \(ft_denoising_steps\) must be an integer from 1 to 20, the checkpoint's denoising steps K; got 50\.$/],
  ['nEnvs', 'abc', /^nEnvs \(n_envs\) must be an integer from 1 to 4096; got "abc", which is not a number\.$/],
  ['actorLr', 'NaN', /got "NaN", which is not a finite number\./],
  ['targetKl', 'Infinity', /got "Infinity", which is not a finite number\./],
  ['gammaDenoising', '1e400', /got 1e400, which is too large for a number/],
  ['nEnvs', '100000', /^nEnvs \(n_envs\) must be an integer from 1 to 4096; got 100000\. .*at most 4096 fit\.$/],
];

function input(page: Page, key: string) {
  return key === 'seed' ? page.getByTestId('seed') : page.locator(`#param-${key}`);
}

/** Opens the form group holding the setting (some start closed). */
async function reveal(page: Page, key: string): Promise<void> {
  if (key === 'seed') return;
  await page.locator(`[data-param="${key}"]`).evaluate((el) => {
    const group = el.closest('details');
    if (group) group.open = true;
  });
}

describe('settings: bad values are marked at their field and keep Start disabled', { timeout: 300_000 }, () => {
  const app = appSession({ url: BASE_URL, hash: '#/experiments?task=avoid-m2&algo=dppo&preset=laptop&seed=0' });
  let page: Page;
  before(async () => {
    page = app.page;
    await page.waitForFunction(() => !(document.querySelector('[data-testid="run-start"]') as HTMLButtonElement | null)?.disabled, undefined, { timeout: 120_000 });
  });

  for (const [key, text, message] of BAD) {
    it(`${key} = ${text}`, async () => {
      await reveal(page, key);
      const field = input(page, key);
      const before = await field.inputValue();
      await field.fill(text);
      const error = page.getByTestId(`param-error-${key}`);
      await error.waitFor({ timeout: 5_000 });
      assert.match((await error.innerText()).trim(), message);
      // Next to its field: inside the field's row (the seed's sits right under the seed input).
      if (key !== 'seed') assert.equal(await page.locator(`[data-param="${key}"] [data-testid="param-error-${key}"]`).count(), 1);
      assert.equal(await field.getAttribute('aria-invalid'), 'true');
      assert.equal(await field.inputValue(), text, 'the typed text stays in the field');
      assert.equal(await page.getByTestId('run-start').isDisabled(), true, 'Start is disabled');
      await field.blur();
      assert.equal(await field.inputValue(), text, 'and stays after leaving the field');
      if (key === 'nEnvs' && text === '100000') await page.screenshot({ path: artifactPath('settings-invalid-field.png') });
      // Fixing the value enables Start again.
      await field.fill(before);
      await error.waitFor({ state: 'detached', timeout: 5_000 });
      assert.equal(await page.getByTestId('run-start').isDisabled(), false, 'Start is enabled again');
    });
  }

  it('points the Run panel at the marked settings', async () => {
    await reveal(page, 'vfCoef');
    await input(page, 'vfCoef').fill('-1');
    await input(page, 'seed').fill('-1');
    const panel = page.locator('.xp-controls .xp-error');
    await panel.waitFor();
    assert.match(await panel.innerText(), /Fix the 2 marked settings to start: seed, vfCoef\./);
    await page.getByRole('button', { name: 'reset vf_coef to the preset value' }).click();
    await input(page, 'seed').fill('0');
    await panel.waitFor({ state: 'detached' });
    assert.equal(await page.getByTestId('run-start').isDisabled(), false);
  });
});
