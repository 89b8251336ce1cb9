/**
 * Where the CLI's envs run: `--workers N` spreads them over N sim worker threads (the pool, src/sim/pool/;
 * bitwise the same results as in-process), `--workers 0` (the default) steps them in this thread. The
 * denoising chain already uses two threads in Node, and the rollout alternates inference and sim, so the
 * pool pays where env steps dominate (docs/benchmarks.md, "Sim throughput").
 *
 * `--bridge URL --token T` runs them in a `dppo-bridge` process instead (src/bridge/, docs/bridge-protocol.md):
 * native MuJoCo, Isaac Gym or a robot, over a WebSocket (the `ws` package: Node 20 has no global one). The
 * token may also come from $DPPO_BRIDGE_TOKEN, so it stays out of the shell history.
 */
import WebSocket from 'ws';
import { bridgeEnvFactory, type BridgeEnvSource } from '../bridge/bridgeVecEnv';
import type { WebSocketCtor } from '../bridge/client';
import { UserError } from '../core/errors';
import { createPooledVecEnv } from '../sim/pool';
import type { VecEnv, VecEnvOptions } from '../sim/types';
import type { OptionDecl, Parsed } from './args';

export const WORKERS_OPTION: OptionDecl = { type: 'string', value: 'N', help: 'sim worker threads for the envs (0 = in-process, the default; up to 64)' };
export const BRIDGE_OPTION: OptionDecl = { type: 'string', value: 'URL', help: 'run the envs in a dppo-bridge at this ws:// URL (e.g. ws://127.0.0.1:8765)' };
export const TOKEN_OPTION: OptionDecl = { type: 'string', value: 'T', help: 'the token dppo-bridge printed (default: $DPPO_BRIDGE_TOKEN)' };
/** The env options of commands that step envs (finetune, eval). */
export const ENV_OPTIONS: Record<string, OptionDecl> = { workers: WORKERS_OPTION, bridge: BRIDGE_OPTION, token: TOKEN_OPTION };

/** `--bridge`/`--token` as connection settings, or null without --bridge. */
export function bridgeOptions(p: Parsed): { url: string; token: string } | null {
  if (!p.opts.has('bridge')) {
    if (p.opts.has('token')) throw new UserError('--token goes with --bridge URL (the bridge the token belongs to).');
    return null;
  }
  const token = p.opts.get('token') ?? process.env.DPPO_BRIDGE_TOKEN ?? '';
  if (!token.trim()) throw new UserError('--bridge needs --token T (or $DPPO_BRIDGE_TOKEN): the token dppo-bridge printed when it started.');
  return { url: p.str('bridge'), token };
}

/**
 * The command's env factory. `onSource` hears where bridge-hosted envs live (URL, backend, session — never
 * the token), for the run's provenance.
 */
export function envFactory(p: Parsed, onSource?: (s: BridgeEnvSource) => void): (opts: VecEnvOptions) => Promise<VecEnv> {
  const bridge = bridgeFactory(p, onSource);
  if (bridge) {
    if (p.opts.has('workers')) throw new UserError('--workers and --bridge exclude each other: with --bridge the envs run in the bridge process.');
    return bridge;
  }
  const workers = p.int('workers', { min: 0, max: 64 }, 0);
  return (opts) => createPooledVecEnv(opts, { workers });
}

/** The factory of bridge-hosted envs named by `--bridge`/`--token`, or null without --bridge. */
export function bridgeFactory(p: Parsed, onSource?: (s: BridgeEnvSource) => void): ((opts: VecEnvOptions) => Promise<VecEnv>) | null {
  const bridge = bridgeOptions(p);
  return bridge ? bridgeEnvFactory({ ...bridge, WebSocket: WebSocket as unknown as WebSocketCtor, clientName: 'dppo-cli', onSource }) : null;
}
