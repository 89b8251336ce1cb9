#!/usr/bin/env node
// Runs `dppo inspect FILE --json` for many files in ONE process (tsx starts once): for each file of the list
// in argv[2] (a JSON array of paths) it writes {"start": i} and then {"i", "code", "stdout", "stderr", "ms"}
// to stdout as single lines. The caller (src/data/fuzz.test.ts) kills the process when a file runs past its
// time limit and restarts it after that file. After a file that stopped the HDF5 library (a WASM abort) the
// process exits with 3, so the next files get a fresh library.
import { readFileSync } from 'node:fs';
import { tsImport } from 'tsx/esm/api';

const files = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const from = Number(process.argv[3] ?? 0);
const { main } = await tsImport('../../src/cli/main.ts', import.meta.url);
const write = process.stdout.write.bind(process.stdout);
const writeErr = process.stderr.write.bind(process.stderr);
for (let i = from; i < files.length; i++) {
  write(JSON.stringify({ start: i }) + '\n');
  let out = '';
  let err = '';
  process.stdout.write = (chunk) => ((out += String(chunk)), true);
  process.stderr.write = (chunk) => ((err += String(chunk)), true);
  const t0 = Date.now();
  let code;
  try {
    code = await main(['inspect', files[i], '--json']);
  } catch (e) {
    code = 99;
    err += `uncaught: ${e?.stack ?? e}`;
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
  write(JSON.stringify({ i, code, stdout: out, stderr: err, ms: Date.now() - t0 }) + '\n');
  if (/HDF5 (library|reader) stopped/.test(out)) process.exit(3);
}
process.exit(0);
