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

/**
 * Who may import whom inside station/ (station/README.md): a room may not import the rooms listed. Imports are
 * relative, so the room is what follows the `../` chain; the app's composition (app/, service.ts) and the command
 * line (cli/) are imported by no room. `only` names rooms of which just the files listed may be imported
 * (`{ server: ['http-guard.js'] }`: that file of server/, nothing else of it).
 * @param {string} room @param {string[]} banned @param {Record<string, string[]>} [only]
 */
function stationRoom(room, banned, only = {}) {
  const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    files: [`station/${room}/**/*.ts`],
    ignores: ['**/*.test.ts'], // a test may set up the rooms around the one it tests
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...forbid(['renderer', 'electron']).patterns,
            { regex: `^(\\.\\./)+(${[...banned, 'app', 'cli'].join('|')})/`, message: `station/README.md: station/${room}/ must not import these rooms.` },
            ...Object.entries(only).map(([other, files]) => ({
              regex: `^(\\.\\./)+${other}/(?!(${files.map(escape).join('|')})$)`,
              message: `station/README.md: station/${room}/ may import only ${files.map((f) => `${other}/${f}`).join(', ')} of station/${other}/.`,
            })),
            { regex: '^(\\.\\./)+service\\.js$', message: 'station/README.md: only the command line and the desktop app start the service.' },
          ],
        },
      ],
    },
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
  // The station's rooms, lowest first. vehicle/ is the drones; storage/ and files/ are below everything.
  stationRoom('storage', ['vehicle', 'files', 'gateway', 'auth', 'patrol', 'server', 'video', 'replay', 'centre']),
  // The signing keys are written whole and flushed, as the station's own files are: that one file of storage/.
  stationRoom('files', ['vehicle', 'api', 'gateway', 'auth', 'patrol', 'server', 'video', 'replay', 'centre'], { storage: ['atomic-file.js'] }),
  stationRoom('api', ['storage', 'files', 'gateway', 'auth', 'patrol', 'server', 'video', 'replay', 'centre']),
  stationRoom('vehicle', ['gateway', 'auth', 'patrol', 'server', 'video', 'replay', 'centre']),
  stationRoom('gateway', ['auth', 'patrol', 'server', 'video', 'replay', 'centre']),
  stationRoom('auth', ['vehicle', 'patrol', 'server', 'video', 'replay', 'centre']),
  stationRoom('video', ['gateway', 'auth', 'patrol', 'server', 'replay', 'centre']),
  stationRoom('replay', ['gateway', 'auth', 'patrol', 'server', 'centre']),
  stationRoom('patrol', ['auth', 'server', 'video', 'replay', 'centre']),
  stationRoom('server', ['patrol', 'centre']),
  // The centre console serves with the station's HTTP guard, and with nothing else of the console server.
  stationRoom('centre', ['video', 'replay'], { server: ['http-guard.js'] }),
  stationRoom('app', []),
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
    // Time is injected in station/ too (the Clock in common/clock.ts): a simulated day stamps and times
    // everything on its fake clock. Outside the ban: the composition roots, which choose the clock, and
    // station/real-time.ts, which the real-time edges call (a child process's or a camera's deadline, Janus's
    // tokens, replay pacing, certificate dates), so each use of real time is a named call.
    files: ['station/**/*.ts'],
    ignores: [
      '**/*.test.ts',
      'station/testdata/**', // test fixtures (a child process that records, then dies)
      'station/**/testkit/**', // test kits (a real broker started for a test, a station in a child process)
      'station/service.ts', // composition root: picks SystemClock
      'station/compose.ts', // composition root
      'station/cli/**', // composition roots of the command line: the operator's own "now"
      'station/real-time.ts', // the one door to real time, for the edges whose time is another process's, machine's or the calendar's
    ],
    rules: {
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Use the injected Clock.' }],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use the injected Clock.' },
        { name: 'setInterval', message: 'Use the injected Clock.' },
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
