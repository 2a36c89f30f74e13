import { describe, expect, it } from 'vitest';
import { checkPackages } from '../../../src/app/publish/package-check.ts';
import { fakeDeps } from '../../fakes/deps.ts';

const rpm = (name: string, n: number) => `/work/builds/${n}/${name}-1.0-${n}.el9.x86_64.rpm`;

/** A succeeded build of hello/master at commit `c<n>` whose RPMs are `names`; published when asked. */
function built(deps: ReturnType<typeof fakeDeps>['deps'], n: number, names: string[], published = false) {
  const { store } = deps;
  const b = store.builds.start({
    project: 'hello',
    branch: 'master',
    commit: `c${n}`,
    platform: 'el9',
    arch: 'x86_64',
  });
  store.builds.finish(b.id, {
    state: 'succeeded',
    logPath: null,
    rpms: names.map((x) => rpm(x, n)),
    error: null,
  });
  if (published)
    store.builds.recordPublication(b.id, {
      path: `/repos/${n}`,
      url: `http://r/${n}/`,
      repoFileUrl: 'http://r/x.repo',
    });
  return store.builds.get(b.id)!;
}

describe('publishing only the packages a project may publish', () => {
  it('refuses a build that makes a package its branch never published, saying which and why', async () => {
    const { deps } = fakeDeps();
    built(deps, 1, ['hello', 'hello-doc'], true);
    const next = built(deps, 2, ['hello', 'bash']);
    await expect(checkPackages(deps, next)).rejects.toMatchObject({
      code: 'publish_refused',
      retryable: false,
      message: expect.stringMatching(
        /^build \d+ of hello\/master \(c2, el9\) is not published: bash was not built by this branch before \(it built hello, hello-doc\)/,
      ),
    });
    await expect(checkPackages(deps, built(deps, 3, ['hello']))).resolves.toBeUndefined();
  });

  it("refuses a raised Epoch, read from the RPMs' headers", async () => {
    const { deps, packages } = fakeDeps();
    built(deps, 1, ['hello'], true);
    const next = built(deps, 2, ['hello']);
    packages.epochs.set(rpm('hello', 2), 99);
    await expect(checkPackages(deps, next)).rejects.toThrow(/hello raises its Epoch from 0 to 99/);
  });

  it('still holds the branch to its names when the earlier RPMs were cleaned away', async () => {
    const { deps, packages } = fakeDeps();
    built(deps, 1, ['hello'], true);
    packages.gone.add(rpm('hello', 1));
    await expect(checkPackages(deps, built(deps, 2, ['bash']))).rejects.toThrow(/bash was not built/);
  });

  it('allows what any platform of the branch published: a subpackage may be made on one platform only', async () => {
    const { deps } = fakeDeps();
    built(deps, 1, ['hello', 'hello-selinux'], true);
    const fc = deps.store.builds.start({
      project: 'hello',
      branch: 'master',
      commit: 'c2',
      platform: 'fc41',
      arch: 'x86_64',
    });
    deps.store.builds.finish(fc.id, {
      state: 'succeeded',
      logPath: null,
      rpms: [rpm('hello', 2)],
      error: null,
    });
    deps.store.builds.recordPublication(fc.id, {
      path: '/repos/2',
      url: 'http://r/2/',
      repoFileUrl: 'http://r/x.repo',
    });
    await expect(checkPackages(deps, built(deps, 3, ['hello', 'hello-selinux']))).resolves.toBeUndefined();
  });

  it("accepts a branch's first build", async () => {
    const { deps } = fakeDeps();
    await expect(checkPackages(deps, built(deps, 1, ['hello', 'hello-doc']))).resolves.toBeUndefined();
  });
});
