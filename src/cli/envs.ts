/**
 * Where the CLI's envs run: `--workers N` spreads them over N sim worker threads (the pool, src/sim/pool/;
 * bitwise the same results as in-process), `--workers 0` (the default) steps them in this thread. The
 * denoising chain already uses two threads in Node, and the rollout alternates inference and sim, so the
 * pool pays where env steps dominate (docs/benchmarks.md, "Sim throughput").
 */
import { createPooledVecEnv } from '../sim/pool';
import type { VecEnv, VecEnvOptions } from '../sim/types';
import type { OptionDecl, Parsed } from './args';

export const WORKERS_OPTION: OptionDecl = { type: 'string', value: 'N', help: 'sim worker threads for the envs (0 = in-process, the default; up to 64)' };

export function envFactory(p: Parsed): (opts: VecEnvOptions) => Promise<VecEnv> {
  const workers = p.int('workers', { min: 0, max: 64 }, 0);
  return (opts) => createPooledVecEnv(opts, { workers });
}
