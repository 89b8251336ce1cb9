/**
 * Strict option parsing for `dppo <command>` (node:util `parseArgs`, strict mode). Each command declares its
 * options (`CommandSpec`); an unknown option, a missing value or a stray argument is an error that names the
 * option (with "did you mean" for near misses: `--iter` → `--iters`). Values are checked where they are read
 * (`int`, `num`, `choice`, `setting`), again naming the option; settings that are also config keys (`--seed`,
 * `--iters`) are checked by the config schema, so the CLI refuses what the form refuses.
 *
 * For commands still on their own parsing (bench), everything here is exported to adopt: declare a
 * `CommandSpec`, list it in main.ts, and read values through `Parsed`.
 */
import { parseArgs } from 'node:util';
import { checkFinetuneSetting, type FinetuneKey } from '../config/finetune';
import { UserError } from '../core/errors';
import { closest } from '../core/suggest';

export interface OptionDecl {
  /** `string` takes a value (`--task T` or `--task=T`); `boolean` is a flag. */
  type: 'string' | 'boolean';
  /** May be given more than once (e.g. `--set k=v`). */
  multiple?: boolean;
  /** Placeholder of the value in help, e.g. `N`, `FILE`. */
  value?: string;
  /** One line for `dppo <command> --help`. */
  help: string;
}

export interface CommandSpec {
  options: Record<string, OptionDecl>;
  /** Names of the positional arguments the command takes (none if absent), e.g. ['FILE']. */
  positionals?: readonly string[];
}

/** Options every command accepts. */
export const COMMON_OPTIONS: Record<string, OptionDecl> = {
  json: { type: 'boolean', help: 'one JSON object per line; the last line is the summary' },
  help: { type: 'boolean', help: 'this help' },
};

/** The `--set key=value` option of the commands that take fine-tuning settings. */
export const SET_OPTION: OptionDecl = { type: 'string', multiple: true, value: 'key=value', help: 'override a fine-tuning setting (FinetuneConfig key), repeatable' };

export interface Parsed {
  command: string;
  positional: string[];
  /** Values of string options (the last one where given twice; `--set` is in `sets`). */
  opts: Map<string, string>;
  flags: Set<string>;
  /** `--set key=value` pairs, in order (a later one wins). */
  sets: Record<string, string>;
  /** A string option; required when no fallback. */
  str(key: string, fallback?: string): string;
  /** A finite number option; required when no fallback. */
  num(key: string, fallback?: number): number;
  /** An integer option in [min, max]; required when no fallback. */
  int(key: string, range: { min: number; max: number }, fallback?: number): number;
  /** One of `values`. */
  choice<T extends string>(key: string, values: readonly T[], fallback?: T): T;
  /** An option that sets a fine-tuning setting (`--seed` → seed): checked by the config schema, message names the option. */
  setting(option: string, key: FinetuneKey, fallback?: number): number;
  has(flag: string): boolean;
}

/** A value that starts like a negative number (`-1`, `-0.5`, `-.5`, `-1e3`), which parseArgs would take for an option. */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * Parses `argv` (after the command name) against the command's declared options (plus --json, --help).
 * Throws a UserError naming the offending option.
 */
export function parseCommand(command: string, argv: string[], spec: CommandSpec): Parsed {
  const declared: Record<string, OptionDecl> = { ...spec.options, ...COMMON_OPTIONS };
  // `--seed -1` means the value -1: join it so parseArgs does not read "-1" as an option (the schema then says
  // why -1 is not a seed, as the form does).
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : null;
    if (name && declared[name]?.type === 'string' && i + 1 < argv.length && NEGATIVE_NUMBER.test(argv[i + 1])) {
      args.push(`${a}=${argv[++i]}`);
    } else args.push(a);
  }
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  let positionals: string[];
  try {
    const options = Object.fromEntries(Object.entries(declared).map(([k, d]) => [k, { type: d.type, multiple: d.multiple ?? false }]));
    ({ values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true }));
  } catch (err) {
    throw new UserError(parseError(command, err, declared));
  }
  const allowed = spec.positionals ?? [];
  if (positionals.length > allowed.length) {
    const extra = positionals[allowed.length];
    throw new UserError(
      allowed.length
        ? `dppo ${command} takes ${allowed.join(' ')} but got another argument "${extra}".`
        : `dppo ${command} takes no positional arguments, got "${extra}"; options start with --, e.g. ${Object.keys(spec.options).slice(0, 2).map((k) => `--${k}`).join(', ')}.`,
    );
  }
  const opts = new Map<string, string>();
  const flags = new Set<string>();
  const sets: Record<string, string> = {};
  for (const [key, v] of Object.entries(values)) {
    if (v === undefined) continue;
    if (key === 'set') {
      for (const pair of (Array.isArray(v) ? v : [v]) as string[]) {
        const eq = pair.indexOf('=');
        if (eq <= 0) throw new UserError(`--set expects key=value, got "${pair}".`);
        sets[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
    } else if (declared[key].type === 'boolean') {
      if (v === true || (Array.isArray(v) && v.length)) flags.add(key);
    } else {
      const last = Array.isArray(v) ? v[v.length - 1] : v;
      opts.set(key, String(last));
    }
  }
  const required = (key: string): string => {
    const v = opts.get(key);
    if (v === undefined) throw new UserError(`dppo ${command} needs --${key}${declared[key]?.value ? ` ${declared[key].value}` : ''}.`);
    return v;
  };
  const raw = (key: string): string | undefined => {
    if (!(key in declared)) throw new Error(`dppo ${command}: option --${key} is read but not declared`);
    return opts.get(key);
  };
  const parsed: Parsed = {
    command,
    positional: positionals,
    opts,
    flags,
    sets,
    str(key, fallback) {
      return raw(key) ?? fallback ?? required(key);
    },
    num(key, fallback) {
      const r = raw(key);
      if (r === undefined) return fallback ?? Number(required(key));
      const v = r.trim() === '' ? Number.NaN : Number(r);
      if (!Number.isFinite(v)) throw new UserError(`--${key} must be a number, got "${r}".`);
      return v;
    },
    int(key, { min, max }, fallback) {
      const r = raw(key);
      if (r === undefined && fallback !== undefined) return fallback;
      const text = r ?? required(key);
      const v = /^[+-]?\d+(\.\d*)?(e[+-]?\d+)?$/i.test(text.trim()) ? Number(text) : Number.NaN;
      if (!Number.isInteger(v) || v < min || v > max) throw new UserError(`--${key} must be an integer from ${min} to ${max}, got "${text}".`);
      return v;
    },
    choice(key, choices, fallback) {
      const v = raw(key) ?? fallback ?? required(key);
      if (!(choices as readonly string[]).includes(v)) throw new UserError(`--${key} must be one of ${choices.join(', ')}, got "${v}".`);
      return v as (typeof choices)[number];
    },
    setting(option, key, fallback) {
      const r = raw(option);
      if (r === undefined && fallback !== undefined) return fallback;
      const res = checkFinetuneSetting(key, r ?? required(option), `--${option}`);
      if (!res.ok) throw new UserError(res.message);
      return res.value as number;
    },
    has(flag) {
      return flags.has(flag);
    },
  };
  return parsed;
}

/** parseArgs' errors, rewritten to name the option the way the rest of the CLI does. */
function parseError(command: string, err: unknown, declared: Record<string, OptionDecl>): string {
  const code = (err as { code?: string }).code;
  const placeholder = (opt: string): string => {
    const v = declared[opt.replace(/^-+/, '')]?.value;
    return v ? ` (${v})` : '';
  };
  const message = err instanceof Error ? err.message : String(err);
  const names = Object.keys(declared);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const opt = /'([^']+)'/.exec(message)?.[1] ?? message;
    const bare = opt.replace(/^-+/, '').split('=')[0];
    const near = closest(bare, names);
    return `unknown option ${opt} for dppo ${command}${near ? `; did you mean --${near}?` : '.'} Options: ${names.map((n) => `--${n}`).join(', ')}.`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const opt = /'(--?[\w-]+)/.exec(message)?.[1] ?? '';
    if (/does not take an argument/.test(message)) return `option ${opt} of dppo ${command} is a flag and takes no value.`;
    if (/argument missing/.test(message)) return `option ${opt} of dppo ${command} needs a value${placeholder(opt)}.`;
    if (/ambiguous/.test(message)) return `option ${opt} of dppo ${command} needs a value${placeholder(opt)}; to pass one that starts with "-", write ${opt}=VALUE.`;
  }
  return `dppo ${command}: ${message}`;
}

/** `  --task T        the task id` lines for a command's help. */
export function optionHelp(spec: CommandSpec): string[] {
  const rows = Object.entries({ ...spec.options, ...COMMON_OPTIONS }).map(([k, d]) => [`--${k}${d.value ? ` ${d.value}` : ''}`, d.help]);
  const width = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([a, b]) => `  ${a.padEnd(width)}  ${b}`);
}
