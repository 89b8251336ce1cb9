/**
 * `npx dppo <command>` — the workbench engine in Node (design/architecture.md §4). Every command accepts
 * --json (one JSON object per line, summary last); errors exit non-zero with an {"error": …} line.
 */
import { UserError } from '../core/errors';
import { Output } from './output';
import { parseCli, type Parsed } from './args';
import { cmdInfo } from './commands/info';
import { cmdDemos } from './commands/demos';
import { cmdPretrain } from './commands/pretrain';
import { cmdFinetune } from './commands/finetune';
import { cmdEval } from './commands/evalCmd';
import { cmdBench } from './commands/bench';
import { cmdInspect } from './commands/inspect';
import { cmdTrace } from './commands/trace';

const COMMANDS: Record<string, { run: (p: Parsed, out: Output) => Promise<void>; help: string }> = {
  info: { run: cmdInfo, help: 'versions, backends, tasks, bundled checkpoints and datasets' },
  demos: { run: cmdDemos, help: '--task T --episodes N --out FILE.npz [--seed S]: scripted-expert demonstrations (DPPO npz)' },
  pretrain: { run: cmdPretrain, help: '--task T --policy diffusion-mlp|gaussian-mlp|gmm-mlp --data FILE|builtin --epochs N --out CKPT' },
  finetune: { run: cmdFinetune, help: '--task T --algo dppo|gaussian|gmm [--ckpt C] [--preset laptop|reference] --iters N --seed S [--set k=v …] [--out CKPT] [--workers N]' },
  eval: { run: cmdEval, help: '--ckpt C [--task T] --episodes N [--action-noise σ] [--seed S] [--workers N] (the task defaults to the checkpoint\'s)' },
  bench: { run: cmdBench, help: 'sim|sample|update|finetune [--task T] [--backend B] [--reps N] [--kernels dppo|xnnpack] [--chain auto|single|off]: throughput figures' },
  inspect: { run: cmdInspect, help: 'FILE: what a dataset (.npz) or checkpoint (.safetensors) holds' },
  trace: { run: cmdTrace, help: '--task T --seed S --actions FILE.npy [--episodes N] [--max-episode-steps M] [--state reset|each]: one env under raw actions [T, Da], state and obs per step' },
};

function usage(): string {
  return ['usage: dppo <command> [options] [--json]', '', ...Object.entries(COMMANDS).map(([k, v]) => `  ${k.padEnd(9)} ${v.help}`)].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const out = new Output(json);
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage() + '\n');
    return command ? 0 : 1;
  }
  const entry = COMMANDS[command];
  if (!entry) {
    out.error(`unknown command "${command}"; commands: ${Object.keys(COMMANDS).join(', ')}`);
    return 2;
  }
  try {
    await entry.run(parseCli(rest), out);
    return 0;
  } catch (err) {
    out.error(err instanceof Error ? err.message : String(err));
    // A UserError says what to change in its message; anything else (InternalError, a plain Error) is a bug, so
    // its stack goes to stderr (stdout keeps the one-JSON-object-per-line contract).
    if (!(err instanceof UserError) && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}
