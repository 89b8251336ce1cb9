/**
 * Tasks are plug-ins (design/architecture.md §3 TaskDefinition, §5b "Every task-specific thing lives with its
 * task"): a task family lives in its folder under src/sim/tasks/ and is reached through the registry, so
 *  1. no generic folder names a task — no task id, no task family's folder, no task-specific identifier;
 *  2. no family's folder imports another family's folder (shared pieces go to src/sim/control/ or sim/).
 * Adding a family is its folder plus one registry line; these tests fail when a change breaks that.
 * Source files only (*.test.ts may use a concrete task as a fixture). The patterns are a superset of the
 * before-stop hook's (/work/shared/hooks/before-stop, check 4).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TASKS_DIR = join(ROOT, 'src/sim/tasks');

/** Folders that must stay task-agnostic (the engine's generic layers, the UI, the CLI and the benchmarks). */
const GENERIC = [
  'src/core', 'src/config', 'src/policy', 'src/rl', 'src/data', 'src/train', 'src/workers', 'src/cli',
  'src/bridge', 'src/state', 'src/ui', 'src/features', 'src/app', 'bench',
];

/** Task ids (architecture.md §4 and the learning test's two-goals task). */
const TASK_IDS = ['avoid-m1', 'avoid-m2', 'avoid-m3', 'hopper', 'walker2d', 'halfcheetah', 'lift', 'can', 'square', 'transport', 'two-goals'];

/** Families present now, plus those the spec plans (so a generic path to them fails before they exist). */
const FAMILIES = [...new Set([...readdirSync(TASKS_DIR).filter((f) => statSync(join(TASKS_DIR, f)).isDirectory()), 'avoid', 'gym', 'robomimic', 'twoGoals', 'furniture'])];

const alt = (xs: string[]) => xs.map((x) => x.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&')).join('|');

/** What counts as naming a task, each with the reason shown on failure. */
const PATTERNS: { re: RegExp; why: string }[] = [
  // A task id as a whole string literal, in any quotes: 'hopper', "avoid-m2", `lift`.
  { re: new RegExp(`(['"\`])(?:${alt(TASK_IDS)})\\1`), why: 'task id literal' },
  // A task id inside a bundled-asset reference or a path: 'builtin:avoid-m2/diffusion-mlp', `tasks/lift`.
  { re: new RegExp(`builtin:(?:${alt(TASK_IDS)})\\b|/(?:${alt(TASK_IDS)})(?=/|['"\`])`), why: 'task id in a reference or path' },
  // A task family's folder: '../sim/tasks/avoid', 'tasks/twoGoals/…'.
  { re: new RegExp(`tasks/(?:${alt(FAMILIES)})\\b`), why: "task family's folder" },
  // Task-specific identifiers (the hook's AVOID_ and avoidEnv, and their kin).
  { re: /\bAVOID_|\bavoid(?:Env|Task|Preset|Reference|Laptop|Expert|Route|Demo|Diffusion|Gaussian|Gmm|Critic|Scene|Geometry|Mode)\w*|\bAvoid(?:Env|Task|Preset|Expert|Route|Mode|Scene)\w*|\btwoGoals\w*|\bTwoGoals\w*|\bTWO_GOALS/, why: 'task-specific identifier' },
];

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return []; // a folder that does not exist (yet) holds no task names
  }
  return entries.flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx|js|mjs)$/.test(name) && !/\.test\.(ts|tsx)$/.test(name) ? [p] : [];
  });
}

/** `file:line: text (why)` for every line of `files` matching one of `patterns`. */
function hits(files: string[], patterns: { re: RegExp; why: string }[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      const reasons = patterns.filter((p) => p.re.test(line)).map((p) => p.why);
      if (reasons.length) out.push(`${relative(ROOT, file).split(sep).join('/')}:${i + 1}: ${line.trim().slice(0, 140)}  [${reasons.join('; ')}]`);
    });
  }
  return out;
}

describe('tasks are plug-ins', () => {
  it('the patterns catch what they should and spare ordinary code', () => {
    const named = (line: string) => PATTERNS.some((p) => p.re.test(line));
    for (const bad of [
      "const t = 'hopper';", 'if (task === "avoid-m2") {', 'const x = `lift`;', "ref = 'builtin:avoid-m2/diffusion-mlp'",
      "import { x } from '../sim/tasks/avoid/presets';", "import { y } from '../../sim/tasks/twoGoals';",
      'AVOID_TASKS.includes(t)', 'avoidEnv.step(a)', 'avoidReferencePreset(task)', 'twoGoalsDemos(200, rng)',
      "load('public/tasks/can/')",
    ]) expect(named(bad), bad).toBe(true);
    for (const ok of [
      "throw new UserError('Cannot read this file; it can be re-exported.');", '// to avoid a copy we square the norm',
      "const kind = 'square-wave';", 'const avoidance = 1;', "taskSpec(cfg.task)", "const id = 'transporter';",
    ]) expect(named(ok), ok).toBe(false);
  });

  it('no generic folder names a task (ids, family folders, task identifiers)', () => {
    const files = GENERIC.flatMap((d) => sourceFiles(join(ROOT, d)));
    expect(files.length).toBeGreaterThan(20);
    const found = hits(files, PATTERNS);
    expect(found, `Generic folders name a task; move the task-specific part into src/sim/tasks/<family>/ and reach it through the registry:\n${found.join('\n')}\n`).toEqual([]);
  });

  it("no task family's folder imports another family's folder", () => {
    const families = readdirSync(TASKS_DIR).filter((f) => statSync(join(TASKS_DIR, f)).isDirectory());
    const found: string[] = [];
    const importRe = /(?:\bfrom\s*|\bimport\s*\(?\s*)(['"])([^'"]+)\1/g;
    for (const family of families) {
      for (const file of sourceFiles(join(TASKS_DIR, family))) {
        readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
          for (const m of line.matchAll(importRe)) {
            const spec = m[2];
            if (!spec.startsWith('.')) continue;
            const target = relative(TASKS_DIR, resolve(dirname(file), spec)).split(sep);
            if (target[0] !== '..' && target[0] !== family && families.includes(target[0])) {
              found.push(`${relative(ROOT, file).split(sep).join('/')}:${i + 1}: ${line.trim()}  [imports tasks/${target[0]}]`);
            }
          }
        });
      }
    }
    expect(found, `A task family imports another family; move the shared piece to src/sim/ (e.g. sim/control/):\n${found.join('\n')}\n`).toEqual([]);
  });
});
