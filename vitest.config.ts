import { defineConfig } from 'vitest/config';

// Tests start real peers (PostgreSQL, slapd, xmlsec1, Chromium), so files run in separate
// processes and each test gets a generous timeout; speed targets live in `npm run bench`.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['test/harness/global-setup.ts'],
    reporters: ['default'],
  },
});
