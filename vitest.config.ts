import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // rpmbuild, createrepo_c and dnf are CPU-bound; two cores are shared by the whole suite.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
