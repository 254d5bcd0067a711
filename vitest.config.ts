import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Runs the tests start must not write into a real CI step summary (tests that check the
    // summary set the variable themselves).
    env: { GITHUB_STEP_SUMMARY: '' },
  },
});
