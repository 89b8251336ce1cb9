#!/usr/bin/env node
// `dppo` command: runs the TypeScript engine in Node through tsx (no separate build step).
import { tsImport } from 'tsx/esm/api';

const mod = await tsImport('../src/cli/main.ts', import.meta.url);
const code = await mod.main(process.argv.slice(2));
process.exitCode = code;
