import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { githubForge } from '../../../src/forge/github/index.ts';
import { ForgeError, type Forge } from '../../../src/ports/forge.ts';
import { silentLogger } from '../../../src/shared/log.ts';
import { forgeRepo } from '../../helpers/forge-repo.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { FakeGitHub } from '../../servers/github.ts';
import type { FakeResponse } from '../../servers/http.ts';

const REPO = 'virt/libvirt';

/** The answer with `change` applied to the JSON object (or to each object of a list). */
function alter(change: (json: Record<string, unknown>) => Record<string, unknown>) {
  return (response: FakeResponse): FakeResponse => ({
    ...response,
    body: Array.isArray(response.body)
      ? response.body.map((item: Record<string, unknown>) => change(item))
      : change(response.body as Record<string, unknown>),
  });
}

describe('GitHub answers that are not what GitHub sends', () => {
  let server: FakeGitHub;
  let forge: Forge;

  beforeEach(async () => {
    server = new FakeGitHub(['ghp-test']);
    const repo = forgeRepo(tempDir());
    server.addRepo(REPO, repo.bare);
    const url = await server.listen();
    forge = githubForge({ url, token: 'ghp-test', throttle: false, log: silentLogger() });
    repo.pushBranch('topic', 'fix.txt');
    await forge.open(REPO, 'topic', { title: 't', description: 'd', targetBranch: 'master' });
  });
  afterEach(async () => {
    await server.close();
  });

  it('a pull request without its number is a ForgeError that names the field, not a crash later', async () => {
    server.http.alterNext(alter(({ number: _number, ...rest }) => rest));
    const err = await forge.get(REPO, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForgeError);
    expect(err).toMatchObject({ code: 'forge_invalid', status: null, retryable: false });
    expect((err as Error).message).toMatch(
      /^GitHub: cannot read #1 of virt\/libvirt: the answer is not what GitHub sends \(number: .*expected number, received undefined\)/,
    );
  });

  it('names the item of a list and the field in it', async () => {
    server.http.alterNext(alter((pr) => ({ ...pr, head: { label: 'virt:topic' } })));
    await expect(forge.findBySourceBranch(REPO, 'topic')).rejects.toMatchObject({
      code: 'forge_invalid',
      message: expect.stringMatching(/\[0\]\.head\.ref: .*expected string.*; \[0\]\.head\.sha: /),
    });
    await forge.comment(REPO, 1, 'hello');
    server.http.alterNext(alter((comment) => ({ ...comment, id: String(comment.id) })));
    await expect(forge.comments(REPO, 1)).rejects.toMatchObject({
      code: 'forge_invalid',
      message: expect.stringMatching(
        /read the comments of #1 of virt\/libvirt: .*\[0\]\.id: .*expected number/,
      ),
    });
  });
});
