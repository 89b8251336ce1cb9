import { describe, expect, it } from 'vitest';
import { avoidStartPosture } from './avoidEnv';
import { avoidBridgeAssets } from './bridgeAssets';
import { buildAvoidMjcf } from './mjcf';

describe('Avoid bridge assets', () => {
  const { files, tasks } = avoidBridgeAssets() as {
    files: Record<string, string>;
    tasks: Record<string, { xml: string; spec: { obs_dim: number; act_high: number[]; max_episode_steps: number }; rule: { start_qpos: number[]; n_substeps: number; pillars: unknown[] }; tag_keys: string[] }>;
  };

  it('one model shared by the three ids, the text AvoidEnv compiles', () => {
    expect(Object.keys(files)).toEqual(['avoid.xml']);
    expect(files['avoid.xml']).toBe(buildAvoidMjcf({ memory: '128K' }));
    expect(Object.keys(tasks)).toEqual(['avoid-m1', 'avoid-m2', 'avoid-m3']);
    for (const t of Object.values(tasks)) expect(t.xml).toBe('avoid.xml');
  });

  it('carry the spec and the rule the Python env needs', () => {
    const t = tasks['avoid-m2'];
    expect(t.spec.obs_dim).toBe(4);
    expect(t.spec.act_high).toEqual([0.01, 0.01]);
    expect(t.spec.max_episode_steps).toBe(100);
    expect(t.rule.n_substeps).toBe(35);
    expect(t.rule.pillars).toHaveLength(6);
    expect(t.rule.start_qpos).toEqual(Array.from(avoidStartPosture()));
    expect(t.tag_keys).toEqual(['row3Mode', 'collided']);
  });
});
