import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { collectBridgeAssets } from './bridgeAssets';
import { taskFamilies } from './registry';

const ASSETS = resolve(dirname(fileURLToPath(import.meta.url)), '../../bridge/dppo_bridge/assets');

describe('bridge assets (bridge/dppo_bridge/assets)', async () => {
  const files = await collectBridgeAssets();

  it('are the files the generators write, nothing more', () => {
    expect(readdirSync(ASSETS).sort()).toEqual(Object.keys(files).sort());
  });

  it.each(Object.keys(files))('%s matches the generator (else run npx tsx scripts/export-bridge-assets.ts)', (name) => {
    expect(readFileSync(join(ASSETS, name), 'utf8')).toBe(files[name]);
  });

  it('list every task of every family that exports assets, each with its model file', async () => {
    const tasks = JSON.parse(files['tasks.json']).tasks as Record<string, { xml: string }>;
    const expected: string[] = [];
    for (const f of taskFamilies()) if (f.bridgeAssets) expected.push(...Object.keys((await f.bridgeAssets()).tasks));
    expect(Object.keys(tasks).sort()).toEqual(expected.sort());
    expect(expected.length).toBeGreaterThan(0);
    for (const t of Object.values(tasks)) expect(files[t.xml]).toContain('<mujoco');
  });
});
