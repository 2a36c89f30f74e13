import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // rpmbuild, createrepo_c and dnf are CPU-bound; two cores are shared by the whole suite.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
    // Every git in the run, the code under test's included, reads no ~/.gitconfig and no
    // /etc/gitconfig: a developer's settings (am.threeWay, commit.gpgSign, core.hooksPath …) must not
    // change a result. Child processes inherit these through process.env.
    env: {
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_SYSTEM: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
    },
  },
});
