import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gitlabForge } from '../../../src/forge/gitlab/index.ts';
import { ForgeError, type Forge } from '../../../src/ports/forge.ts';
import { forgeRepo } from '../../helpers/forge-repo.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { FakeGitLab } from '../../servers/gitlab.ts';
import type { FakeResponse } from '../../servers/http.ts';

const PROJECT = 'virt/qemu';

/** The answer with `change` applied to the JSON object (or to each object of a list). */
function alter(change: (json: Record<string, unknown>) => Record<string, unknown>) {
  return (response: FakeResponse): FakeResponse => ({
    ...response,
    body: Array.isArray(response.body)
      ? response.body.map((item: Record<string, unknown>) => change(item))
      : change(response.body as Record<string, unknown>),
  });
}

describe('GitLab answers that are not what GitLab sends', () => {
  let server: FakeGitLab;
  let forge: Forge;

  beforeEach(async () => {
    server = new FakeGitLab('glpat-test');
    const repo = forgeRepo(tempDir());
    server.addProject(PROJECT, repo.bare);
    forge = gitlabForge({ url: await server.listen(), token: 'glpat-test' });
    repo.pushBranch('topic', 'fix.txt');
    await forge.open(PROJECT, 'topic', { title: 't', description: 'd', targetBranch: 'master' });
  });
  afterEach(async () => {
    await server.close();
  });

  it('a merge request without its iid is a ForgeError that names the field, not a crash later', async () => {
    server.http.alterNext(alter(({ iid: _iid, ...rest }) => rest));
    const err = await forge.get(PROJECT, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForgeError);
    expect(err).toMatchObject({ code: 'forge_invalid', status: null, retryable: false });
    expect((err as Error).message).toMatch(
      /^GitLab: cannot read !1 of virt\/qemu: the answer is not what GitLab sends \(iid: .*expected number, received undefined\)/,
    );
  });

  it('names the item of a list and the field in it', async () => {
    server.http.alterNext(alter((mr) => ({ ...mr, state: 'reviewing', source_branch: 42 })));
    await expect(forge.findBySourceBranch(PROJECT, 'topic')).rejects.toMatchObject({
      code: 'forge_invalid',
      message: expect.stringMatching(/\[0\]\.state: .*"opened".*; \[0\]\.source_branch: .*expected string/),
    });
    await forge.comment(PROJECT, 1, 'hello');
    server.http.alterNext(alter(({ system: _system, ...note }) => note));
    await expect(forge.comments(PROJECT, 1)).rejects.toMatchObject({
      code: 'forge_invalid',
      message: expect.stringContaining('read the notes of !1 of virt/qemu'),
    });
  });

  it('a page that is not JSON at all (a proxy in the way) says so', async () => {
    server.http.alterNext(() => ({
      status: 200,
      body: '<html><body>Sign in</body></html>',
      headers: { 'content-type': 'text/html' },
    }));
    await expect(forge.get(PROJECT, 1)).rejects.toMatchObject({
      code: 'forge_invalid',
      message: expect.stringMatching(/\(\(top level\): .*expected object, received string\)/),
    });
  });
});
