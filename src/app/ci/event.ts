import { UsageError } from '../../shared/errors.ts';

/** Why a pipeline runs, in GitLab's words (GitHub's events are mapped onto them). */
export type PipelineSource = 'push' | 'merge_request_event' | 'schedule' | 'web' | 'other';

/** What a CI job of the RPM pipeline knows about its pipeline, read from the forge's variables. */
export interface PipelineEvent {
  readonly source: PipelineSource;
  /** The forge's path of the repository the pipeline runs for (`group/name`), when it says. */
  readonly repositoryPath: string | null;
  /** The branch a push went to, or a merged-results pipeline's target branch. */
  readonly branch: string | null;
  /** The commit the pipeline runs for. */
  readonly commit: string | null;
  /** The one target this job builds (the `parallel:matrix` / `strategy.matrix` value). */
  readonly platform: string | null;
  /** The Run pipeline form's narrowing: empty fields narrow nothing. */
  readonly narrow: {
    readonly project: string | null;
    readonly branch: string | null;
    readonly platforms: readonly string[] | null;
  };
  /** Where build results travel between jobs (a folder the pipeline keeps as artifacts). */
  readonly artifacts: string;
  /** The pipeline's id, digits (GitLab `CI_PIPELINE_ID`, GitHub `GITHUB_RUN_ID`), unique and
   * growing across pipelines: what a job publishes by build id is named with it, since each job's
   * database numbers its builds from 1. Null when the variable is absent or not digits. */
  readonly run: string | null;
}

const GITHUB_EVENTS: Record<string, PipelineSource> = {
  push: 'push',
  schedule: 'schedule',
  workflow_dispatch: 'web',
};
const GITLAB_SOURCES = new Set<string>(['push', 'merge_request_event', 'schedule', 'web']);

/**
 * Reads a pipeline job's variables: GitLab's (`CI_PIPELINE_SOURCE`, `CI_PROJECT_PATH`,
 * `CI_COMMIT_BRANCH`, `CI_MERGE_REQUEST_TARGET_BRANCH_NAME`, `CI_COMMIT_SHA`, `CI_PROJECT_DIR`,
 * `CI_PIPELINE_ID`) or GitHub Actions' (`GITHUB_EVENT_NAME`, `GITHUB_REPOSITORY`, `GITHUB_REF_NAME`,
 * `GITHUB_SHA`, `GITHUB_WORKSPACE`, `GITHUB_RUN_ID`), and the template's own: `PLATFORM` (the matrix value), `PROJECT`, `BRANCH`,
 * `PLATFORMS` (comma-separated) and `PATCHFERRY_ARTIFACTS` (default `patchferry-artifacts` in the
 * job's checkout). Throws UsageError when neither forge's variables are set: `patchferry ci` runs
 * inside a pipeline job.
 */
export function readPipelineEvent(env: Readonly<Record<string, string | undefined>>): PipelineEvent {
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : null;
  };
  const list = (name: string) => {
    const items = (value(name) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return items.length > 0 ? items : null;
  };
  const narrow = { project: value('PROJECT'), branch: value('BRANCH'), platforms: list('PLATFORMS') };
  const artifactsIn = (dir: string | null) => {
    const name = value('PATCHFERRY_ARTIFACTS') ?? 'patchferry-artifacts';
    return name.startsWith('/') || dir === null ? name : `${dir}/${name}`;
  };
  const gitlab = value('CI_PIPELINE_SOURCE');
  if (gitlab !== null) {
    const source = GITLAB_SOURCES.has(gitlab) ? (gitlab as PipelineSource) : 'other';
    return {
      source,
      repositoryPath: value('CI_PROJECT_PATH'),
      branch:
        source === 'merge_request_event'
          ? value('CI_MERGE_REQUEST_TARGET_BRANCH_NAME')
          : value('CI_COMMIT_BRANCH'),
      commit: value('CI_COMMIT_SHA'),
      platform: value('PLATFORM'),
      narrow,
      artifacts: artifactsIn(value('CI_PROJECT_DIR')),
      run: digits(value('CI_PIPELINE_ID')),
    };
  }
  const github = value('GITHUB_EVENT_NAME');
  if (github !== null) {
    const ref = value('GITHUB_REF') ?? '';
    return {
      source: GITHUB_EVENTS[github] ?? 'other',
      repositoryPath: value('GITHUB_REPOSITORY'),
      branch: ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null,
      commit: value('GITHUB_SHA'),
      platform: value('PLATFORM'),
      narrow,
      artifacts: artifactsIn(value('GITHUB_WORKSPACE')),
      run: digits(value('GITHUB_RUN_ID')),
    };
  }
  throw new UsageError(
    'ci: neither CI_PIPELINE_SOURCE (GitLab) nor GITHUB_EVENT_NAME (GitHub Actions) is set: "patchferry ci" runs inside a pipeline job (ci/templates/rpm-pipeline.yml); outside one, use sync, build, publish and report',
  );
}

function digits(value: string | null): string | null {
  return value !== null && /^\d+$/.test(value) ? value : null;
}

/** Why a pipeline ran, in the words a report uses. */
export function describeSource(source: PipelineSource): string {
  switch (source) {
    case 'push':
      return 'a push (a merge) to the branch';
    case 'merge_request_event':
      return 'a merged-results pipeline';
    case 'schedule':
      return 'the nightly schedule';
    case 'web':
      return 'a Run pipeline request';
    case 'other':
      return 'a pipeline';
  }
}
