import { describe, expect, it } from 'vitest';
import { readPipelineEvent } from '../../../src/app/ci/event.ts';
import { UsageError } from '../../../src/shared/errors.ts';

describe('a pipeline job reads its event', () => {
  it("from GitLab's variables: a push to a branch, its commit, and the job's matrix target", () => {
    const event = readPipelineEvent({
      CI_PIPELINE_SOURCE: 'push',
      CI_PROJECT_PATH: 'virt/hello',
      CI_COMMIT_BRANCH: 'master',
      CI_COMMIT_SHA: 'abc123',
      CI_PROJECT_DIR: '/builds/virt/hello',
      CI_PIPELINE_ID: '4711',
      PLATFORM: 'el9',
    });
    expect(event).toMatchObject({
      run: '4711',
      source: 'push',
      repositoryPath: 'virt/hello',
      branch: 'master',
      commit: 'abc123',
      platform: 'el9',
      artifacts: '/builds/virt/hello/patchferry-artifacts',
      narrow: { project: null, branch: null, platforms: null },
    });
  });

  it("takes a merged-results pipeline's branch from its target branch", () => {
    const event = readPipelineEvent({
      CI_PIPELINE_SOURCE: 'merge_request_event',
      CI_COMMIT_BRANCH: '',
      CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'stable-1.0',
    });
    expect(event.branch).toBe('stable-1.0');
  });

  it("reads the Run pipeline form's narrowing, ignoring empty fields and spaces in the list", () => {
    const event = readPipelineEvent({
      CI_PIPELINE_SOURCE: 'web',
      PROJECT: 'hello',
      BRANCH: '',
      PLATFORMS: ' el9 , fc41,',
    });
    expect(event.narrow).toEqual({ project: 'hello', branch: null, platforms: ['el9', 'fc41'] });
  });

  it("maps GitHub's workflow_dispatch to the Run pipeline button and reads the branch from the ref", () => {
    const event = readPipelineEvent({
      GITHUB_EVENT_NAME: 'workflow_dispatch',
      GITHUB_REF: 'refs/heads/master',
      GITHUB_REPOSITORY: 'virt/hello',
      GITHUB_WORKSPACE: '/home/runner/work/hello',
      GITHUB_RUN_ID: '9001',
      PATCHFERRY_ARTIFACTS: '/srv/out',
    });
    expect(event).toMatchObject({ source: 'web', branch: 'master', artifacts: '/srv/out', run: '9001' });
  });

  it('calls an unknown source "other", which builds nothing', () => {
    expect(readPipelineEvent({ CI_PIPELINE_SOURCE: 'trigger' }).source).toBe('other');
    expect(readPipelineEvent({ GITHUB_EVENT_NAME: 'release' }).source).toBe('other');
  });

  it('outside a pipeline job is a usage error that says where ci runs', () => {
    expect(() => readPipelineEvent({})).toThrow(UsageError);
    expect(() => readPipelineEvent({})).toThrow(/runs inside a pipeline job/);
  });
});
