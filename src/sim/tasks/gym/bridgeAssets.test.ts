import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gymBridgeAssets } from './bridgeAssets';

const ASSETS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../bridge/dppo_bridge/assets');

describe('bridge assets (bridge/dppo_bridge/assets)', () => {
  const files = gymBridgeAssets();

  it('are the files the generator writes, nothing more', () => {
    expect(readdirSync(ASSETS).sort()).toEqual(Object.keys(files).sort());
  });

  it.each(Object.keys(gymBridgeAssets()))('%s matches the generator (else run npx tsx scripts/export-bridge-assets.ts)', (name) => {
    expect(readFileSync(join(ASSETS, name), 'utf8')).toBe(files[name]);
  });

  it('describe every Gym task with its model, spec and rule', () => {
    const tasks = JSON.parse(files['tasks.json']).tasks as Record<string, { xml: string; spec: { obs_dim: number }; frame_skip: number }>;
    expect(Object.keys(tasks)).toEqual(['hopper', 'walker2d', 'halfcheetah']);
    expect(tasks.hopper.spec.obs_dim).toBe(11);
    expect(tasks.halfcheetah.frame_skip).toBe(5);
    for (const t of Object.values(tasks)) expect(files[t.xml]).toContain('<mujoco');
  });
});
