/**
 * Where the CLI's envs run: `--workers N` spreads them over N sim worker threads (the pool, src/sim/pool/;
 * bitwise the same results as in-process), `--workers 0` (the default) steps them in this thread. The
 * denoising chain already uses two threads in Node, and the rollout alternates inference and sim, so the
 * pool pays where env steps dominate (docs/benchmarks.md, "Sim throughput").
 */
import { UserError } from '../core/errors';
import { createPooledVecEnv } from '../sim/pool';
import type { VecEnv, VecEnvOptions } from '../sim/types';
import type { Parsed } from './args';

export function envFactory(p: Parsed): (opts: VecEnvOptions) => Promise<VecEnv> {
  const workers = p.num('workers', 0);
  if (!Number.isInteger(workers) || workers < 0 || workers > 64) throw new UserError(`--workers must be an integer from 0 (in-process) to 64, got ${workers}`);
  return (opts) => createPooledVecEnv(opts, { workers });
}
