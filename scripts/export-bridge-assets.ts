/**
 * Writes the task assets of the Python bridge (bridge/dppo_bridge/assets/: MJCF files and tasks.json) from the
 * TypeScript task families that offer them (TaskFamily.bridgeAssets), so the bridge runs the very models and
 * rules the browser runs. Run `npx tsx scripts/export-bridge-assets.ts` after changing such a task;
 * src/sim/bridgeAssets.test.ts fails while the committed files are stale.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectBridgeAssets } from '../src/sim/bridgeAssets';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'bridge', 'dppo_bridge', 'assets');
mkdirSync(out, { recursive: true });
const files = await collectBridgeAssets();
for (const [name, text] of Object.entries(files)) writeFileSync(join(out, name), text);
console.log(`export-bridge-assets: wrote ${Object.keys(files).length} files to ${out}`);
