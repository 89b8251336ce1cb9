import { describe, expect, it } from 'vitest';
import { FINETUNE_KEYS } from '../../config/finetune';
import { PARAM_DOCS, PARAM_GROUPS } from './paramMeta';

describe('paramMeta', () => {
  it('reads a doc line and the DPPO key for every FinetuneConfig key', () => {
    for (const k of FINETUNE_KEYS) {
      const d = PARAM_DOCS.get(k);
      expect(d, k).toBeDefined();
      expect(d!.doc.length, k).toBeGreaterThan(5);
      expect(d!.doc, k).not.toContain('`');
    }
    expect(PARAM_DOCS.get('ftDenoisingSteps')!.dppoKey).toBe('ft_denoising_steps');
    expect(PARAM_DOCS.get('actorLr')!.doc).toBe("Actor learning rate (the cosine schedule's max).");
    expect(PARAM_DOCS.get('actorMinLr')!.dppoKey).toBe('actor_lr_scheduler.min_lr');
  });

  it('lists every tunable key in exactly one form group', () => {
    const listed = PARAM_GROUPS.flatMap((g) => g.keys);
    const tunable = FINETUNE_KEYS.filter((k) => !['task', 'algo', 'seed'].includes(k));
    expect([...listed].sort()).toEqual([...tunable].sort());
  });
});
