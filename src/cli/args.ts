/** Minimal `--key value` / `--flag` / positional parser with repeatable `--set k=v`. */
import { UserError } from '../core/errors';

export interface Parsed {
  positional: string[];
  opts: Map<string, string>;
  flags: Set<string>;
  sets: Record<string, string>;
  str(key: string, fallback?: string): string;
  num(key: string, fallback?: number): number;
  has(flag: string): boolean;
}

const FLAGS = new Set(['json', 'final-eval', 'no-final-eval', 'help']);

export function parseCli(argv: string[]): Parsed {
  const positional: string[] = [];
  const opts = new Map<string, string>();
  const flags = new Set<string>();
  const sets: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    let key = a.slice(2);
    let value: string | undefined;
    const eq = key.indexOf('=');
    if (eq >= 0 && key !== 'set') {
      value = key.slice(eq + 1);
      key = key.slice(0, eq);
    }
    if (FLAGS.has(key)) {
      flags.add(key);
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UserError(`option --${key} needs a value`);
    }
    if (key === 'set') {
      const k = value.indexOf('=');
      if (k <= 0) throw new UserError(`--set expects key=value, got "${value}"`);
      sets[value.slice(0, k)] = value.slice(k + 1);
    } else {
      opts.set(key, value);
    }
  }
  return {
    positional,
    opts,
    flags,
    sets,
    str(key, fallback) {
      const v = opts.get(key) ?? fallback;
      if (v === undefined) throw new UserError(`missing required option --${key}`);
      return v;
    },
    num(key, fallback) {
      const raw = opts.get(key);
      if (raw === undefined) {
        if (fallback === undefined) throw new UserError(`missing required option --${key}`);
        return fallback;
      }
      const v = Number(raw);
      if (!Number.isFinite(v)) throw new UserError(`option --${key} must be a number, got "${raw}"`);
      return v;
    },
    has(flag) {
      return flags.has(flag);
    },
  };
}
