import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { gitAt } from '../../src/git/git-run.ts';
import { ToolError } from '../../src/shared/errors.ts';
import { makeRepo } from '../helpers/git.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';

const IDENTITY = ['user.name=Tess Tester', 'user.email=tess@example.org'];

function hook(repo: string, name: string, script: string): void {
  const path = join(repo, '.git', 'hooks', name);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
}

function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('gitAt', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('stops a command with its hook when aborted, rejecting with git_aborted', async () => {
    const repo = makeRepo(join(tempDir(), 'work'), { 'a.txt': 'a\n' });
    const pidFile = join(repo, 'hook.pid');
    hook(repo, 'pre-commit', `sleep 30 & echo $! > "${pidFile}"; wait`);
    const stop = new AbortController();
    const commit = gitAt({ cwd: repo, config: IDENTITY, signal: stop.signal })
      .raw(['commit', '--allow-empty', '-q', '-m', 'never'])
      .catch((e: unknown) => e);
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    stop.abort();
    const err = await commit;
    expect(err).toBeInstanceOf(ToolError);
    expect(err).toMatchObject({ code: 'git_aborted', retryable: false });
    expect(running(pid)).toBe(false);
  });

  it('rejects with git_timeout past its time limit, and with git’s own words when git fails', async () => {
    const repo = makeRepo(join(tempDir(), 'work'), { 'a.txt': 'a\n' });
    hook(repo, 'pre-commit', 'sleep 30');
    const git = gitAt({ cwd: repo, config: IDENTITY, timeoutMs: 300 });
    await expect(git.raw(['commit', '--allow-empty', '-q', '-m', 'slow'])).rejects.toMatchObject({
      code: 'git_timeout',
      retryable: true,
      message: expect.stringMatching(/^git commit timed out after 0\.3 s/),
    });
    await expect(git.revparse(['--verify', 'no-such-branch'])).rejects.toThrow(
      'fatal: Needed a single revision',
    );
  });

  it('runs with an isolated configuration in tests: a hostile ~/.gitconfig is not read', async () => {
    const repo = makeRepo(join(tempDir(), 'work'), { 'a.txt': 'a\n' });
    const home = tempDir();
    const hooks = join(home, 'hooks');
    mkdirSync(hooks);
    writeFileSync(join(hooks, 'pre-commit'), '#!/bin/sh\necho hostile hook ran >&2; exit 1\n');
    chmodSync(join(hooks, 'pre-commit'), 0o755);
    const hostile = [
      '[am]',
      '\tthreeWay = false',
      '[commit]',
      '\tgpgSign = true',
      '[core]',
      `\thooksPath = ${hooks}`,
      '[user]',
      '\tname = Hostile Home',
      '',
    ].join('\n');
    writeFileSync(join(home, '.gitconfig'), hostile);
    mkdirSync(join(home, '.config', 'git'), { recursive: true });
    writeFileSync(join(home, '.config', 'git', 'config'), hostile);
    vi.stubEnv('HOME', home);
    vi.stubEnv('XDG_CONFIG_HOME', join(home, '.config'));

    // The file is one git reads when nothing isolates it …
    const unisolated = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('GIT_CONFIG')),
    );
    const read = (key: string) =>
      execFileSync('git', ['config', '--global', '--get', key], { env: unisolated, encoding: 'utf8' }).trim();
    expect([read('am.threeWay'), read('commit.gpgSign'), read('core.hooksPath')]).toEqual([
      'false',
      'true',
      hooks,
    ]);

    // … but git run by the code under test sees none of it, nor /etc/gitconfig.
    const git = gitAt({ cwd: repo, config: IDENTITY });
    const origins = await git.raw(['config', '--list', '--show-origin']);
    expect(origins).not.toContain(home);
    expect(
      origins
        .split('\n')
        .filter((l) => l && !l.startsWith('command line:') && !l.startsWith('file:.git/config')),
    ).toEqual([]);
    await git.raw(['commit', '--allow-empty', '-q', '-m', 'signed by nobody, no hook run']);
    expect(await git.raw(['log', '-1', '--format=%G? %an'])).toBe('N Tess Tester\n');
  });
});
