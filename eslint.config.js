// Lint rules that keep the layers apart (design/architecture.md §1, §5b "ESLint enforces the import direction
// between folders"): a folder imports only itself and lower layers, the engine never imports UI or DOM
// libraries, and the UI never imports tfjs or MuJoCo directly.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const uiLibs = ['react', 'react-dom', 'react-dom/*', 'three', 'three/*', 'zustand', 'zustand/*', 'recharts'];
const engineLibs = ['@tensorflow/*', '@mujoco/*', 'mujoco'];

/**
 * Layers, low → high. A folder may import from itself and from folders of a lower rank only: folders of the
 * same rank are siblings that must not import each other. `bench` lives at the repo root; the rest in src/.
 *   core < config < sim, policy, rl, data < train, bridge < bench < workers, cli < state < ui < features < app
 * bridge (the client of the Python bridge, a VecEnv over a WebSocket) sits beside train: it needs only sim's
 * contracts, and the CLI, the benchmarks and the train worker all build bridge-hosted envs from it.
 */
const RANK = {
  core: 0,
  config: 1,
  sim: 2, policy: 2, rl: 2, data: 2,
  train: 3, bridge: 3,
  bench: 4,
  workers: 5, cli: 5,
  state: 6,
  ui: 7,
  features: 8,
  app: 9,
};
/**
 * Sibling imports that are part of the design. data → policy: a dataset's normalisation is a policy
 * `Normalizer` (saved with the weights, spec §4) and the DPPO npz writer/reader builds one; policy never
 * reads datasets, so the edge points one way. Nothing else crosses between sim, policy, rl and data.
 */
const ALSO_ALLOWED = { data: ['policy'] };
/** Folders whose code runs (or may run) in the engine: no UI libraries, no DOM. */
const ENGINE = ['core', 'config', 'sim', 'policy', 'rl', 'data', 'train', 'bench', 'workers', 'cli', 'bridge'];
/** Folders of the main-thread UI: no tfjs or MuJoCo (they reach the engine through workers/). */
const UI = ['state', 'ui', 'features', 'app'];

const ORDER = 'core < config < sim|policy|rl|data < train|bridge < bench < workers|cli < state < ui < features < app';
const dirOf = (layer) => (layer === 'bench' ? 'bench' : `src/${layer}`);
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** Deepest folder nesting we generate rules for (src/sim/tasks/<family>/<sub>/… is 5). */
const MAX_DEPTH = 8;

/**
 * no-restricted-imports matches the import string, not the resolved file, so each layer gets one block per
 * folder depth: from `src/train/x.ts` the sim layer is `../sim…`, from `src/sim/tasks/avoid/x.ts` the policy
 * layer is `../../../policy…`. Within one layer a relative path never climbs to the root, so these patterns
 * only match imports that really leave the layer. `import type` and `export … from` are checked too.
 */
function layerBlocks(layer) {
  const dir = dirOf(layer);
  const forbidden = Object.keys(RANK).filter(
    (other) => other !== layer && RANK[other] >= RANK[layer] && !(ALSO_ALLOWED[layer] ?? []).includes(other),
  );
  const libs = [];
  if (ENGINE.includes(layer)) libs.push({ group: uiLibs, message: 'The engine must not import UI libraries (architecture.md §1).' });
  if (UI.includes(layer)) libs.push({ group: engineLibs, message: 'UI code talks to tfjs/MuJoCo only through workers (architecture.md §1).' });
  const blocks = [];
  const baseDepth = dir.split('/').length;
  for (let depth = baseDepth; depth <= MAX_DEPTH; depth++) {
    const toRoot = '../'.repeat(depth);
    const folders = forbidden.map((other) => {
      const target = dirOf(other);
      // From inside src/, the shortest path to src/<other> climbs one level less than to the root.
      const spec = target.startsWith('src/') && dir.startsWith('src/') ? '../'.repeat(depth - 1) + target.slice(4) : toRoot + target;
      const why = RANK[other] === RANK[layer] ? 'a sibling layer' : 'a higher layer';
      return {
        regex: `^${escape(spec)}(/|$)`,
        message: `${dir}/ must not import ${target}/ (${why}; import direction ${ORDER}, architecture.md §1).`,
      };
    });
    blocks.push({
      files: [`${dir}/${'*/'.repeat(depth - baseDepth)}*.{ts,tsx,js,mjs}`],
      rules: { 'no-restricted-imports': ['error', { patterns: [...libs, ...folders] }] },
    });
  }
  return blocks;
}

export default tseslint.config(
  { ignores: ['dist/**', 'public/vendor/**', 'node_modules/**', 'bridge/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  ...Object.keys(RANK).flatMap(layerBlocks),
  {
    files: ENGINE.map((layer) => `${dirOf(layer)}/**`),
    rules: {
      'no-restricted-globals': ['error',
        { name: 'document', message: 'The engine must not touch the DOM.' },
        { name: 'window', message: 'The engine must not touch the DOM.' }],
    },
  },
);
