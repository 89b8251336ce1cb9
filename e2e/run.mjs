#!/usr/bin/env node
// Runs the e2e suite against the BUILT app (dist/): serves it twice with scripts/serve.mjs (with and without
// COOP/COEP), then runs every e2e/*.e2e.ts with node:test (TypeScript through tsx), one file at a time, in
// Debian Chromium ($CHROMIUM_PATH or /usr/bin/chromium). Prints a closing summary line; exit 1 on failure.
// Usage: node e2e/run.mjs [name-filter …]   (E2E_DIST=<dir> serves another build folder)
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../scripts/serve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2);
const files = readdirSync(join(root, 'e2e'))
  .filter((f) => f.endsWith('.e2e.ts') && (filters.length === 0 || filters.some((x) => f.includes(x))))
  .sort()
  .map((f) => join('e2e', f));

/** Sets the exit status and ends the process once the event loop drains (servers are closed first). */
function finish(code, message) {
  if (message) console.error(message);
  process.exitCode = code;
}

async function main() {
  if (files.length === 0) return finish(1, `e2e: no test files match ${filters.join(', ')}`);

  const t0 = Date.now();
  const dist = process.env.E2E_DIST ?? join(root, 'dist');
  let isolated;
  let plain;
  try {
    isolated = await serve({ dir: dist, port: 0, isolation: true, quiet: true });
    plain = await serve({ dir: dist, port: 0, isolation: false, quiet: true });
  } catch (e) {
    isolated?.server.close();
    return finish(1, e.message);
  }
  console.log(`e2e: serving dist/ at ${isolated.url} (COOP/COEP) and ${plain.url} (plain); ${files.length} files`);

  const counts = { tests: 0, pass: 0, fail: 0 };
  const code = await new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, E2E_URL: isolated.url, E2E_URL_PLAIN: plain.url } },
    );
    child.stdout.on('data', (chunk) => {
      const text = chunk.toString();
      process.stdout.write(text);
      for (const m of text.matchAll(/^ℹ (tests|pass|fail) (\d+)$/gm)) counts[m[1]] = Number(m[2]);
    });
    child.on('close', (c) => resolve(c ?? 1));
  });
  isolated.server.close();
  plain.server.close();
  isolated.server.closeAllConnections?.();
  plain.server.closeAllConnections?.();

  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  const ok = code === 0;
  console.log(`e2e summary: ${ok ? 'PASS' : 'FAIL'} — ${counts.pass} passed, ${counts.fail} failed of ${counts.tests} tests in ${secs} s`);
  return finish(ok ? 0 : 1);
}

await main();
