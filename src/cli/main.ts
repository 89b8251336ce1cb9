/**
 * `npx dppo <command>` — the workbench engine in Node (design/architecture.md §4). Every command accepts
 * --json (one JSON object per line, summary last); errors exit non-zero with an {"error": …} line. Each
 * command declares its options (args.ts): unknown ones and bad values are errors naming the option.
 */
import { UserError } from '../core/errors';
import { closest } from '../core/suggest';
import { Output } from './output';
import { optionHelp, parseCommand, type CommandSpec, type Parsed } from './args';
import { cmdInfo, infoSpec } from './commands/info';
import { cmdDemos, demosSpec } from './commands/demos';
import { cmdPretrain, pretrainSpec } from './commands/pretrain';
import { cmdFinetune, finetuneSpec } from './commands/finetune';
import { cmdEval, evalSpec } from './commands/evalCmd';
import { cmdBench } from './commands/bench';
import { benchSpec } from './commands/benchOptions';
import { cmdInspect, inspectSpec } from './commands/inspect';
import { cmdTrace, traceSpec } from './commands/trace';
import { cmdExport, exportSpec } from './commands/export';
import { cmdExpert, expertSpec } from './commands/expert';
import { cmdRolloutData, rolloutDataSpec } from './commands/rolloutData';
import { cmdRobustness, robustnessSpec } from './commands/robustness';

interface Command {
  run: (p: Parsed, out: Output) => Promise<void>;
  spec: CommandSpec;
  help: string;
}

const COMMANDS: Record<string, Command> = {
  info: { run: cmdInfo, spec: infoSpec, help: 'versions, backends, tasks, bundled checkpoints and datasets' },
  demos: { run: cmdDemos, spec: demosSpec, help: '--task T --episodes N --out FILE.npz [--seed S]: scripted-expert demonstrations (DPPO npz)' },
  pretrain: { run: cmdPretrain, spec: pretrainSpec, help: '--task T --policy diffusion-mlp|gaussian-mlp|gmm-mlp --data FILE|builtin --epochs N --out CKPT' },
  finetune: { run: cmdFinetune, spec: finetuneSpec, help: '[--task T] [--algo dppo|gaussian|gmm] [--ckpt C] [--preset laptop|reference] --iters N --seed S [--set k=v …] [--out CKPT] [--workers N] (task and algorithm default to the checkpoint\'s)' },
  eval: { run: cmdEval, spec: evalSpec, help: '--ckpt C [--task T] --episodes N [--action-noise σ] [--init-noise-scale K] [--seed S] [--workers N] (the task defaults to the checkpoint\'s)' },
  robustness: { run: cmdRobustness, spec: robustnessSpec, help: '--task T [--ckpts A,B] [--sigmas 0,0.05,0.1,0.2] [--init-noise-scales 1,2,4] [--episodes N] [--seed S]: policies side by side under action noise and wider starts (paper Fig. 12)' },
  bench: { run: cmdBench, spec: benchSpec, help: 'sim|sample|update|finetune|workload [--task T] [--backend B] [--reps N] [--kernels dppo|xnnpack] [--chain auto|single|off]: throughput figures' },
  inspect: { run: cmdInspect, spec: inspectSpec, help: 'FILE: what a dataset (.npz) or checkpoint (.safetensors) holds' },
  export: { run: cmdExport, spec: exportSpec, help: '--ckpt FILE|builtin:… --format safetensors|onnx|tfjs --out PATH: a checkpoint (safetensors, DPPO .pt, ONNX, TF.js) in another format' },
  expert: { run: cmdExpert, spec: expertSpec, help: '--task T [--steps N] [--seed S] --out CKPT [--stop-at R] [--workers N] [--set k=v …]: from-scratch Gaussian PPO (the experts behind the Gym datasets)' },
  'rollout-data': { run: cmdRolloutData, spec: rolloutDataSpec, help: '--ckpt CKPT --episodes N --noise σ --out DIR [--seed S] [--workers N]: noisy rollouts of a one-step policy as DPPO npz (train.npz + normalization.npz)' },
  trace: { run: cmdTrace, spec: traceSpec, help: '--task T --seed S --actions FILE.npy [--episodes N] [--max-episode-steps M] [--state reset|each]: one env under raw actions [T, Da], state and obs per step' },
};

function usage(): string {
  return ['usage: dppo <command> [options] [--json]   (dppo <command> --help lists its options)', '', ...Object.entries(COMMANDS).map(([k, v]) => `  ${k.padEnd(9)} ${v.help}`)].join('\n');
}

function commandUsage(name: string, c: Command): string {
  const pos = c.spec.positionals?.length ? ` ${c.spec.positionals.join(' ')}` : '';
  return [`usage: dppo ${name}${pos} [options]`, '', `  ${c.help}`, '', ...optionHelp(c.spec)].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const out = new Output(json);
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage() + '\n');
    return command ? 0 : 1;
  }
  const entry = Object.prototype.hasOwnProperty.call(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!entry) {
    const near = closest(command, Object.keys(COMMANDS));
    out.error(`unknown command "${command}"${near ? `; did you mean "${near}"?` : '.'} Commands: ${Object.keys(COMMANDS).join(', ')}.`);
    return 2;
  }
  try {
    const parsed = parseCommand(command, rest, entry.spec);
    if (parsed.has('help')) {
      process.stdout.write(commandUsage(command, entry) + '\n');
      return 0;
    }
    await entry.run(parsed, out);
    return 0;
  } catch (err) {
    out.error(err instanceof Error ? err.message : String(err));
    // A UserError says what to change in its message; anything else (InternalError, a plain Error) is a bug, so
    // its stack goes to stderr (stdout keeps the one-JSON-object-per-line contract).
    if (!(err instanceof UserError) && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}
