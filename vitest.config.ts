import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{common,mavlink,missions,sitl,station,renderer,tests}/**/*.test.ts'],
    exclude: ['tests/e2e/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
