// Entry of a Node sim-pool worker (nodeSpawn.ts): loads the TypeScript worker through tsx's API, as
// bin/dppo.mjs does for the CLI, so the pool runs the same sources in tests, the CLI and benchmarks.
import { tsImport } from 'tsx/esm/api';

await tsImport('./nodeWorkerMain.ts', import.meta.url);
