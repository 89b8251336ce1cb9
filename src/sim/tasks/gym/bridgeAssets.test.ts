import { describe, expect, it } from 'vitest';
import { gymBridgeAssets } from './bridgeAssets';

describe('Gym bridge assets', () => {
  it('describe every Gym task with its model, spec and rule', () => {
    const { files, tasks } = gymBridgeAssets() as { files: Record<string, string>; tasks: Record<string, { xml: string; spec: { obs_dim: number }; frame_skip: number }> };
    expect(Object.keys(tasks)).toEqual(['hopper', 'walker2d', 'halfcheetah']);
    expect(tasks.hopper.spec.obs_dim).toBe(11);
    expect(tasks.halfcheetah.frame_skip).toBe(5);
    for (const t of Object.values(tasks)) expect(files[t.xml]).toContain('<mujoco');
  });
});
