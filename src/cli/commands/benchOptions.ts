/**
 * Options of `dppo bench` (parsed strictly by args.ts). They live beside bench.ts until bench.ts declares
 * its own `benchSpec` (then main.ts imports it from there and this file goes); keep the two in step: an
 * option bench.ts reads that is not listed here is refused as unknown.
 */
import { SET_OPTION, type CommandSpec } from '../args';

export const benchSpec: CommandSpec = {
  positionals: ['sim|sample|update|finetune|workload'],
  options: {
    task: { type: 'string', value: 'T', help: 'task id (default: avoid-m2 for sim/finetune, hopper for sample/update)' },
    backend: { type: 'string', value: 'B', help: 'tfjs backend (wasm, cpu; webgpu needs a real GPU adapter); workload: a comma list' },
    kernels: { type: 'string', value: 'dppo|xnnpack', help: 'wasm kernels' },
    chain: { type: 'string', value: 'auto|single|off', help: 'direct denoising-chain mode' },
    workers: { type: 'string', value: 'N', help: 'sim: pool workers' },
    envs: { type: 'string', value: 'N', help: 'envs (sim, sample, workload chain)' },
    seconds: { type: 'string', value: 'S', help: 'sim: measured seconds' },
    'block-seconds': { type: 'string', value: 'S', help: 'sim: seconds per alternating block' },
    native: { type: 'string', value: 'on|off', help: 'sim: compare with native MuJoCo' },
    python: { type: 'string', value: 'PATH', help: 'sim: Python with mujoco for the native side' },
    bridge: { type: 'string', value: 'URL', help: 'sim: also measure envs hosted by the dppo-bridge at this ws:// URL' },
    token: { type: 'string', value: 'T', help: "sim: the bridge's token (default: $DPPO_BRIDGE_TOKEN)" },
    reps: { type: 'string', value: 'N', help: 'sample/update: repetitions' },
    batch: { type: 'string', value: 'N', help: 'update/workload: minibatch' },
    algo: { type: 'string', value: 'dppo|gaussian|gmm', help: 'finetune/workload: algorithm' },
    iters: { type: 'string', value: 'N', help: 'finetune/workload: iterations' },
    ckpt: { type: 'string', value: 'C', help: 'finetune: checkpoint' },
    set: SET_OPTION,
  },
};
