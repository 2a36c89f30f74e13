import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { makeRepo } from '../helpers/git.ts';
import { tempDir } from '../helpers/tmp.ts';
import { plannedJobs, root, serveTemplate } from './gitlab-ci-local.ts';

// The managed repository includes the template the way a GitLab instance serves it: over HTTP.
const templateUrl = serveTemplate();

function managedRepository(): string {
  return makeRepo(join(tempDir(), 'managed'), {
    '.gitlab-ci.yml': [
      'include:',
      `  - remote: ${templateUrl()}`,
      '    inputs:',
      '      platforms: [el9, fc41]',
      '',
    ].join('\n'),
  });
}

const names = (jobs: { name: string }[]) => jobs.map((j) => j.name.trim()).sort();

describe('the RPM pipeline template, as gitlab-ci-local plans it', () => {
  it('builds every target, publishes and reports after a push (a merge) to a branch', async () => {
    const jobs = await plannedJobs(managedRepository(), 'push', { CI_COMMIT_BRANCH: 'master' });
    expect(names(jobs)).toEqual([
      'patchferry-build: [el9]',
      'patchferry-build: [fc41]',
      'patchferry-publish',
      'patchferry-report',
    ]);
  });

  it('syncs the list first on the nightly schedule', async () => {
    const jobs = await plannedJobs(managedRepository(), 'schedule');
    expect(jobs.find((j) => j.name === 'patchferry-sync')?.stage).toBe('sync');
    expect(names(jobs)).toContain('patchferry-build: [fc41]');
  });

  it('narrows the Run pipeline button to the one target PLATFORMS names', async () => {
    const jobs = await plannedJobs(managedRepository(), 'web', { PLATFORMS: 'fc41' });
    expect(names(jobs)).toEqual([
      'patchferry-build: [fc41]',
      'patchferry-publish',
      'patchferry-report',
      'patchferry-sync',
    ]);
  });

  it('runs every target from the Run pipeline button when PLATFORMS is empty or a list', async () => {
    const repo = managedRepository();
    for (const platforms of ['', 'el9,fc41']) {
      const jobs = await plannedJobs(repo, 'web', { PLATFORMS: platforms });
      expect(names(jobs).filter((n) => n.startsWith('patchferry-build'))).toHaveLength(2);
    }
  });

  it('runs nothing for pipelines of other sources (a tag, a trigger from elsewhere)', async () => {
    expect(await plannedJobs(managedRepository(), 'trigger')).toEqual([]);
  });
});

describe("patchferry's own .gitlab-ci.yml", () => {
  it('runs the test job on every pipeline', async () => {
    const jobs = await plannedJobs(root, 'push');
    expect(names(jobs)).toEqual(['test']);
  });
});

describe('the GitHub workflows', () => {
  for (const file of ['rpm-pipeline.yml', 'caller.yml']) {
    it(`ci/github/${file} is a valid workflow`, () => {
      const state = validateWorkflow(readFileSync(join(root, 'ci', 'github', file), 'utf8'));
      expect(state.errors).toEqual([]);
    });
  }
});
