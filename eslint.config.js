// Lint rules that keep the layers apart (design/architecture.md §1): the engine never imports UI or DOM
// libraries, and features never import tfjs or MuJoCo directly.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const uiLibs = ['react', 'react-dom', 'react-dom/*', 'three', 'three/*', 'zustand', 'zustand/*', 'recharts'];
const engineLibs = ['@tensorflow/*', '@mujoco/*', 'mujoco'];

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
  {
    files: ['src/core/**', 'src/sim/**', 'src/policy/**', 'src/rl/**', 'src/train/**', 'src/data/**', 'src/config/**', 'src/cli/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: uiLibs, message: 'The engine must not import UI libraries (architecture.md §1).' }],
      }],
      'no-restricted-globals': ['error',
        { name: 'document', message: 'The engine must not touch the DOM.' },
        { name: 'window', message: 'The engine must not touch the DOM.' }],
    },
  },
  {
    files: ['src/features/**', 'src/ui/**', 'src/state/**', 'src/app/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: engineLibs, message: 'UI code talks to tfjs/MuJoCo only through workers (architecture.md §1).' }],
      }],
    },
  },
);
