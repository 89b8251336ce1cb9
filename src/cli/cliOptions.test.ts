/**
 * Strict options (issue 13 item 9): every command declares its options; unknown ones and bad values are
 * errors naming the option; file options say when a path is a directory, empty, or a file of another kind;
 * settings are checked by the same schema as the form. Most cases fail before any engine work, so they run
 * through `main` in-process; the must-show case spawns the real bin as `npx dppo` does.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { zipSync } from 'fflate';
import { MAX_SEED } from '../config/finetune';
import { npyArray, writeNpy } from '../data/npy';
import { parseCommand, type CommandSpec } from './args';
import { runDppo } from './runBin';
import { main } from './main';
import { captureCliOutput } from './captureOutput';

const lines = captureCliOutput();

/** Runs `dppo …args --json`; returns the exit code and the error line's message. */
async function fails(...args: string[]): Promise<string> {
  lines.length = 0;
  const code = await main([...args, '--json']);
  const last = lines.length ? (JSON.parse(lines[lines.length - 1]) as { error?: string }) : {};
  expect(code, `${args.join(' ')} → ${lines.join('\n')}`).not.toBe(0);
  expect(last.error, args.join(' ')).toBeTypeOf('string');
  return last.error as string;
}

const dir = mkdtempSync(join(tmpdir(), 'dppo-options-'));
const emptyNpz = join(dir, 'empty.npz');
writeFileSync(emptyNpz, new Uint8Array(0));
const datasetNpz = join(dir, 'data.npz');
writeFileSync(datasetNpz, zipSync({ 'states.npy': writeNpy(npyArray('float32', [2, 2], new Float32Array(4))) }));
const textFile = join(dir, 'notes.safetensors');
writeFileSync(textFile, 'not a checkpoint at all\n');
const actionsNpy = join(dir, 'a.npy');
writeFileSync(actionsNpy, writeNpy(npyArray('float32', [3, 3], new Float32Array(9))));
const folder = join(dir, 'folder');
mkdirSync(folder);

describe('strict options', () => {
  it('`npx dppo finetune --task avoid-m2 --iter 3` fails naming --iter and suggesting --iters', async () => {
    vi.restoreAllMocks();
    const r = await runDppo(['finetune', '--task', 'avoid-m2', '--iter', '3']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/unknown option --iter for dppo finetune; did you mean --iters\?/);
    expect(r.stdout).toBe('');
  }, 60_000);

  it('unknown options, missing values, flags with values and stray arguments name the option', async () => {
    expect(await fails('finetune', '--task', 'avoid-m2', '--bogus', '1')).toMatch(/^unknown option --bogus for dppo finetune\. Options: --task, --algo/);
    expect(await fails('eval', '--ckpt', 'builtin:avoid-m2/diffusion-mlp', '--episode', '3')).toMatch(/unknown option --episode for dppo eval; did you mean --episodes\?/);
    expect(await fails('finetune', '--task')).toMatch(/^option --task of dppo finetune needs a value \(T\)/);
    expect(parseError(() => parseCommand('finetune', ['--task'], { options: { task: { type: 'string', value: 'T', help: '' } } }))).toBe('option --task of dppo finetune needs a value (T).');
    expect(await fails('finetune', '--task', 'avoid-m2', '--no-final-eval=yes')).toBe('option --no-final-eval of dppo finetune is a flag and takes no value.');
    expect(await fails('finetune', 'avoid-m2')).toMatch(/^dppo finetune takes no positional arguments, got "avoid-m2"/);
    expect(await fails('inspect', 'a.npz', 'b.npz')).toBe('dppo inspect takes FILE but got another argument "b.npz".');
    expect(await fails('finetune', '--task', 'avoid-m2', '--set', 'actorLr')).toBe('--set expects key=value, got "actorLr".');
    expect(await fails('finetune', '--task', 'avoid-m2', '--algo', 'ppo')).toBe('--algo must be one of dppo, gaussian, gmm, got "ppo".');
    expect(await fails('finetune', '--task', 'avoid-m2', '--workers', 'two')).toBe('--workers must be an integer from 0 to 64, got "two".');
    expect(await fails('frobnicate')).toMatch(/^unknown command "frobnicate"/);
    expect(await fails('evl')).toMatch(/^unknown command "evl"; did you mean "eval"\?/);
  });

  it('--seed -1 is refused as the form refuses it (the same schema), naming --seed', async () => {
    const msg = `--seed must be an integer from 0 to ${MAX_SEED}; got -1.`;
    expect(await fails('finetune', '--task', 'avoid-m2', '--seed', '-1')).toBe(msg);
    expect(await fails('eval', '--ckpt', 'builtin:avoid-m2/diffusion-mlp', '--seed', '-1')).toBe(msg);
    expect(await fails('demos', '--task', 'avoid-m2', '--out', join(dir, 'd.npz'), '--seed=-1')).toBe(msg);
    expect(await fails('finetune', '--task', 'avoid-m2', '--seed', '12345678901234567890')).toBe(`--seed must be an integer from 0 to ${MAX_SEED}; got 12345678901234567890.`);
    expect(await fails('finetune', '--task', 'avoid-m2', '--iters', '1e12')).toBe('--iters must be an integer from 1 to 100000; got 1e12.');
    expect(await fails('finetune', '--task', 'avoid-m2', '--set', 'actorLr=-1')).toBe('actorLr (actor_lr) must be a number > 0; got -1.');
    expect(await fails('finetune', '--task', 'avoid-m2', '--set', 'nEnv=8')).toMatch(/^Unknown fine-tuning setting "nEnv"; did you mean "nEnvs"\?/);
  });

  it('eval --episodes 0 names --episodes (not the internal nEnvs)', async () => {
    expect(await fails('eval', '--ckpt', 'builtin:avoid-m2/diffusion-mlp', '--episodes', '0')).toBe('--episodes must be an integer from 1 to 100000, got "0".');
    expect(await fails('eval', '--ckpt', 'builtin:avoid-m2/diffusion-mlp', '--episodes', '2.5')).toMatch(/^--episodes must be an integer/);
    expect(await fails('eval', '--ckpt', 'builtin:avoid-m2/diffusion-mlp', '--action-noise', '-0.1')).toBe('--action-noise must be ≥ 0, got -0.1');
  });

  it('a path option pointing to a directory, an empty file or a file of another kind says so, naming the option', async () => {
    expect(await fails('eval', '--ckpt', folder)).toBe(`--ckpt ${folder} is a directory, not a checkpoint (.safetensors).`);
    expect(await fails('eval', '--ckpt', emptyNpz)).toBe(`--ckpt ${emptyNpz} is empty (0 bytes), not a checkpoint (.safetensors).`);
    expect(await fails('eval', '--ckpt', datasetNpz)).toMatch(new RegExp(`^--ckpt ${datasetNpz} is an npz archive \\(a dataset\\), not a checkpoint \\(\\.safetensors\\)\\. Checkpoints are written by`));
    expect(await fails('eval', '--ckpt', textFile)).toMatch(/is not a checkpoint \(\.safetensors\): its first bytes are not those of one\./);
    expect(await fails('eval', '--ckpt', join(dir, 'missing.safetensors'))).toMatch(/^--ckpt .*missing\.safetensors does not exist; it should be a checkpoint/);
    expect(await fails('finetune', '--task', 'avoid-m2', '--ckpt', folder)).toBe(`--ckpt ${folder} is a directory, not a checkpoint (.safetensors).`);
    expect(await fails('finetune', '--task', 'avoid-m2', '--out', folder)).toMatch(new RegExp(`^--out ${folder} is a directory; give a file name inside it`));
    expect(await fails('pretrain', '--task', 'avoid-m2', '--data', folder, '--out', join(dir, 'p.safetensors'))).toBe(`--data ${folder} is a directory, not an npz archive (a dataset).`);
    expect(await fails('pretrain', '--task', 'avoid-m2', '--data', emptyNpz, '--out', join(dir, 'p.safetensors'))).toBe(`--data ${emptyNpz} is empty (0 bytes), not an npz archive (a dataset).`);
    expect(await fails('pretrain', '--task', 'avoid-m2', '--out', folder)).toMatch(/^--out .* is a directory/);
    expect(await fails('demos', '--task', 'avoid-m2', '--out', folder)).toMatch(/^--out .* is a directory/);
    expect(await fails('trace', '--task', 'hopper', '--actions', folder)).toBe(`--actions ${folder} is a directory, not a .npy array.`);
    expect(await fails('trace', '--task', 'hopper', '--actions', datasetNpz)).toBe(`--actions ${datasetNpz} is an npz archive (a dataset), not a .npy array.`);
    expect(await fails('inspect', emptyNpz)).toBe(`inspect ${emptyNpz} is empty (0 bytes).`);
    expect(await fails('inspect', folder)).toBe(`inspect ${folder} is a directory, not a file.`);
    expect(await fails('inspect', actionsNpy)).toMatch(/is a single \.npy array; datasets are \.npz archives/);
  });

  it('finetune infers the task (and algorithm) from the checkpoint and checks K′ against it before any work', async () => {
    // No --task: the bundled checkpoint says avoid-m2, and its K = 20 bounds K′.
    expect(await fails('finetune', '--ckpt', 'builtin:avoid-m2/diffusion-mlp', '--set', 'ftDenoisingSteps=50')).toBe(
      "ftDenoisingSteps (ft_denoising_steps) must be an integer from 1 to 20, the checkpoint's denoising steps K; got 50.",
    );
    expect(await fails('finetune', '--ckpt', 'builtin:avoid-m1/gmm-mlp', '--algo', 'dppo')).toBe(
      '--algo dppo cannot fine-tune --ckpt builtin:avoid-m1/gmm-mlp, a gmm-mlp checkpoint (that needs --algo gmm).',
    );
    expect(await fails('finetune', '--iters', '3')).toMatch(/^dppo finetune needs --task T, or --ckpt CKPT/);
    expect(await fails('finetune', '--task', 'avoid-m2', '--set', 'nEnvs=100000')).toMatch(/^nEnvs \(n_envs\) must be an integer from 1 to 4096; got 100000\. .*at most 4096 fit\.$/);
  });

  it('`dppo <command> --help` lists the declared options', async () => {
    lines.length = 0;
    expect(await main(['finetune', '--help'])).toBe(0);
    const text = lines.join('\n');
    expect(text).toMatch(/usage: dppo finetune/);
    for (const o of ['--task', '--iters', '--set key=value', '--out', '--no-final-eval', '--json']) expect(text).toContain(o);
  });
});

function parseError(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
}

describe('parseCommand', () => {
  const spec: CommandSpec = {
    positionals: ['FILE'],
    options: { n: { type: 'string', value: 'N', help: 'n' }, x: { type: 'string', help: 'x' }, set: { type: 'string', multiple: true, help: 's' }, flag: { type: 'boolean', help: 'f' } },
  };
  it('reads --k v, --k=v, repeated --set, flags and negative numbers as values', () => {
    const p = parseCommand('t', ['f.npz', '--n', '-3', '--x=a=b', '--set', 'a=1', '--set', 'b=2', '--set', 'a=3', '--flag'], spec);
    expect(p.positional).toEqual(['f.npz']);
    expect(p.num('n')).toBe(-3);
    expect(p.str('x')).toBe('a=b');
    expect(p.sets).toEqual({ a: '3', b: '2' });
    expect(p.has('flag')).toBe(true);
    expect(p.has('json')).toBe(false);
  });
  it('checks values where they are read, naming the option', () => {
    const p = parseCommand('t', ['--n', '1.5', '--x', 'q'], spec);
    expect(() => p.int('n', { min: 1, max: 9 })).toThrow('--n must be an integer from 1 to 9, got "1.5".');
    expect(() => p.choice('x', ['a', 'b'] as const)).toThrow('--x must be one of a, b, got "q".');
    expect(() => parseCommand('t', ['--n', 'abc'], spec).num('n')).toThrow('--n must be a number, got "abc".');
    expect(() => parseCommand('t', [], spec).str('n')).toThrow('dppo t needs --n N.');
    expect(parseCommand('t', [], spec).int('n', { min: 1, max: 9 }, 4)).toBe(4);
    expect(() => p.str('undeclared')).toThrow(/read but not declared/);
  });
});
