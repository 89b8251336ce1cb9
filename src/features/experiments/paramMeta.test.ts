import { describe, expect, it } from 'vitest';
import { FINETUNE_KEYS } from '../../config/finetune';
import { PARAM_GROUPS, paramInfo } from './paramMeta';

describe('paramMeta', () => {
  it('shows each setting with its schema metadata (no second source)', () => {
    expect(paramInfo('ftDenoisingSteps')).toMatchObject({ yaml: 'ft_denoising_steps', symbol: 'K′', integer: true });
    expect(paramInfo('actorLr').allowed).toBe('a number > 0');
  });

  it('lists every tunable key in exactly one form group', () => {
    const listed = PARAM_GROUPS.flatMap((g) => g.keys);
    const tunable = FINETUNE_KEYS.filter((k) => !['task', 'algo', 'seed'].includes(k));
    expect([...listed].sort()).toEqual([...tunable].sort());
    expect(new Set(listed).size).toBe(listed.length);
  });
});
