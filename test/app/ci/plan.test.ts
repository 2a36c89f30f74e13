import { describe, expect, it } from 'vitest';
import { readPipelineEvent } from '../../../src/app/ci/event.ts';
import { planBuilds } from '../../../src/app/ci/plan.ts';
import { configSchema } from '../../../src/config/schema.ts';
import { UsageError } from '../../../src/shared/errors.ts';

const config = configSchema.parse({
  state: { database: ':memory:' },
  workDir: 'work',
  sources: [{ type: 'mbox', path: 'list.mbox' }],
  projects: {
    hello: {
      git: 'hello.git',
      branches: ['master', 'stable-1.0'],
      platforms: ['el9', 'fc41'],
      forgePath: 'virt/hello',
    },
    world: { git: 'world.git', branches: ['main'], platforms: ['el9'], forgePath: 'virt/world' },
  },
  platforms: { el9: { dist: '.el9', arch: 'x86_64' }, fc41: { dist: '.fc41', arch: 'x86_64' } },
  publisher: { root: 'repos', baseUrl: 'http://repos.example/' },
  reporter: { from: 'patchferry <pf@example.org>', listAddress: 'list@example.org' },
});

const plan = (env: Record<string, string>) => planBuilds(readPipelineEvent(env), config);

describe('what a pipeline job builds', () => {
  it('a push to a tracked branch: that commit, for the job’s own target', () => {
    const p = plan({
      CI_PIPELINE_SOURCE: 'push',
      CI_PROJECT_PATH: 'virt/hello',
      CI_COMMIT_BRANCH: 'stable-1.0',
      CI_COMMIT_SHA: 'abc123',
      PLATFORM: 'fc41',
    });
    expect(p.builds).toEqual([
      { project: 'hello', branch: 'stable-1.0', commit: 'abc123', platform: 'fc41' },
    ]);
  });

  it('a pipeline commit that is no commit id is a usage error, never handed to git', () => {
    expect(() =>
      plan({
        CI_PIPELINE_SOURCE: 'push',
        CI_PROJECT_PATH: 'virt/hello',
        CI_COMMIT_BRANCH: 'master',
        CI_COMMIT_SHA: '--upload-pack=x',
      }),
    ).toThrow(/the pipeline's commit "--upload-pack=x" is not a commit id/);
  });

  it('a push to a branch the project does not track builds nothing, and says so', () => {
    const p = plan({ CI_PIPELINE_SOURCE: 'push', CI_PROJECT_PATH: 'virt/hello', CI_COMMIT_BRANCH: 'wip' });
    expect(p.builds).toEqual([]);
    expect(p.skipped).toEqual(['hello: wip is not a tracked branch (master, stable-1.0)']);
  });

  it('a push to a repository no project names is a usage error naming the setting, not a green job', () => {
    expect(() =>
      plan({ CI_PIPELINE_SOURCE: 'push', CI_PROJECT_PATH: 'other/repo', CI_COMMIT_BRANCH: 'master' }),
    ).toThrow(/no project has forgePath other\/repo.*set projects\.<name>\.forgePath/);
  });

  it("the nightly schedule in a managed repository: every tracked branch's tip of its own project", () => {
    const p = plan({ CI_PIPELINE_SOURCE: 'schedule', CI_PROJECT_PATH: 'Virt/Hello', PLATFORM: 'el9' });
    expect(p.builds).toEqual([
      { project: 'hello', branch: 'master', commit: null, platform: 'el9' },
      { project: 'hello', branch: 'stable-1.0', commit: null, platform: 'el9' },
    ]);
  });

  it('the Run pipeline button in a central repository: every project, narrowed by the form', () => {
    const all = plan({ CI_PIPELINE_SOURCE: 'web', CI_PROJECT_PATH: 'tools/jobs' });
    expect(all.builds).toHaveLength(5);
    const narrowed = plan({
      CI_PIPELINE_SOURCE: 'web',
      CI_PROJECT_PATH: 'tools/jobs',
      PROJECT: 'hello',
      BRANCH: 'master',
      PLATFORMS: 'fc41',
      PLATFORM: 'el9',
    });
    expect(narrowed.builds).toEqual([]);
    expect(narrowed.skipped).toEqual(['hello/master: el9 not asked for (PLATFORMS=fc41)']);
  });

  it('a BRANCH or PLATFORMS entry the configuration does not have is a usage error, not a green job that built nothing', () => {
    expect(() => plan({ CI_PIPELINE_SOURCE: 'web', PROJECT: 'hello', BRANCH: 'nope' })).toThrow(
      /BRANCH=nope is not a tracked branch of hello \(master, stable-1\.0\)/,
    );
    expect(() => plan({ CI_PIPELINE_SOURCE: 'web', PLATFORMS: 'el9,el10' })).toThrow(/PLATFORMS names el10/);
  });

  it('a PROJECT the configuration does not have is a usage error naming the projects', () => {
    expect(() => plan({ CI_PIPELINE_SOURCE: 'web', PROJECT: 'nope' })).toThrow(UsageError);
    expect(() => plan({ CI_PIPELINE_SOURCE: 'web', PROJECT: 'nope' })).toThrow(/hello, world/);
  });

  it('a matrix target no project in scope builds is a usage error: the template and patchferry.yml disagree', () => {
    expect(() =>
      plan({ CI_PIPELINE_SOURCE: 'schedule', CI_PROJECT_PATH: 'virt/world', PLATFORM: 'fc41' }),
    ).toThrow(/PLATFORM=fc41 is not a platform of world \(el9\)/);
  });

  it('a matrix target some projects of a central repository lack is skipped for those, and says so', () => {
    const p = plan({ CI_PIPELINE_SOURCE: 'schedule', CI_PROJECT_PATH: 'tools/jobs', PLATFORM: 'fc41' });
    expect(p.builds.map((b) => b.project)).not.toContain('world');
    expect(p.builds.length).toBeGreaterThan(0);
    expect(p.skipped).toEqual(['world/main: fc41 is not one of its platforms (el9)']);
  });
});
