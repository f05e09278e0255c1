// Lint: TypeScript rules plus the import boundaries of DESIGN.md. The compiler enforces the same for Node and
// DOM types (missions/tsconfig.json has no Node types; renderer/tsconfig.json has DOM but no Node).
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'node:*', 'fs', 'fs/*', 'path', 'os', 'net', 'dgram', 'http', 'https', 'crypto', 'child_process', 'stream',
  'stream/*', 'events', 'url', 'util', 'worker_threads', 'zlib', 'buffer', 'process', 'readline', 'tls', 'dns',
];
const nodeOnlyPackages = ['serialport', 'ws', 'node-mavlink', 'better-sqlite3', 'electron'];

/** @param {string[]} folders @param {string[]} extra */
function forbid(folders, extra = []) {
  return {
    patterns: [
      ...folders.map((f) => ({ group: [`**/${f}/**`, `**/${f}`], message: `DESIGN.md boundaries: this folder must not import ${f}/.` })),
      ...extra.map((p) => ({ group: [p], message: 'DESIGN.md boundaries: Node and native packages are not allowed here.' })),
    ],
  };
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'test-results/**', 'playwright-report/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // The shared vocabulary: importable by every folder, imports nothing of ours, no Node and no DOM.
    files: ['common/**/*.ts'],
    ignores: ['common/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', forbid(['mavlink', 'missions', 'station', 'sitl', 'renderer', 'electron'], [...NODE_BUILTINS, ...nodeOnlyPackages, 'react', 'leaflet'])] },
  },
  {
    files: ['common/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', forbid(['mavlink', 'missions', 'station', 'sitl', 'renderer', 'electron'])] },
  },
  {
    files: ['missions/**/*.ts'],
    ignores: ['missions/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', forbid(['mavlink', 'station', 'sitl', 'renderer', 'electron'], [...NODE_BUILTINS, ...nodeOnlyPackages, 'react', 'leaflet'])] },
  },
  {
    // Tests of pure code run in Node and may read fixtures, but still import nothing else of ours.
    files: ['missions/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', forbid(['mavlink', 'station', 'sitl', 'renderer', 'electron'])] },
  },
  {
    files: ['mavlink/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', forbid(['missions', 'station', 'sitl', 'renderer', 'electron'])] },
  },
  {
    files: ['sitl/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', forbid(['station', 'renderer', 'electron'])] },
  },
  {
    files: ['station/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', forbid(['renderer', 'electron'])] },
  },
  {
    files: ['electron/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', forbid(['renderer'])] },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...forbid(['mavlink', 'sitl', 'electron'], [...NODE_BUILTINS, ...nodeOnlyPackages]).patterns,
            { group: ['**/station/**', '**/station'], message: 'DESIGN.md boundaries: the renderer imports common/ (the API contract is common/api/contract.ts) and missions/, not station/.' },
          ],
        },
      ],
    },
  },
  {
    // Time is injected below the UI: no wall clock or raw timers in the shared, protocol, planning and simulator code.
    files: ['common/**/*.ts', 'mavlink/**/*.ts', 'missions/**/*.ts', 'sitl/**/*.ts'],
    ignores: ['common/clock.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Use the injected Clock.' },
        { object: 'Math', property: 'random', message: 'Use a seeded PRNG.' },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use the injected Clock.' },
        { name: 'setInterval', message: 'Use the injected Clock.' },
      ],
    },
  },
);
