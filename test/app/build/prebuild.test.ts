import { describe, expect, it } from 'vitest';
import { build, publish, report, sync } from '../../../src/app/stages.ts';
import { fakeDeps } from '../../fakes/deps.ts';
import { patchMail } from '../../fakes/source.ts';

function prebuilding() {
  const world = fakeDeps({ forge: true });
  const { deps } = world;
  const config = { ...deps.config, projects: { hello: { ...deps.config.projects.hello!, prebuild: true } } };
  return { ...world, deps: { ...deps, config } };
}

describe('scratch builds before the merge', () => {
  it('builds a new version on every target, sets a status per target on its head and a line in its note', async () => {
    const { deps, source, builder, forge, publisher } = prebuilding();
    source.add(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    await sync(deps);
    const mr = deps.store.mergeRequests.get('a@x');
    expect(mr?.head).toBeTruthy();

    const built = await build(deps);
    expect(built.builds).toMatchObject([{ ok: true, branch: mr?.sourceBranch, commit: mr?.head }]);
    expect(builder.built.map((b) => [b.scratch, b.branch])).toEqual([[true, mr?.sourceBranch]]);
    await publish(deps);
    expect(publisher.published).toEqual([]); // never published
    await report(deps);
    expect(forge?.statuses.map((s) => [s.sha, s.status.name, s.status.state])).toEqual([
      [mr?.head, 'patchferry/scratch/el9', 'running'],
      [mr?.head, 'patchferry/scratch/el9', 'success'],
    ]);
    const note = forge?.commentsOn('virt/hello', 1).find((c) => c.body.includes('patchferry-status'));
    expect(note?.body).toContain('- [x] scratch builds of this version:\n  - el9 (x86_64): built');
    // Nothing to do on a second run: the same head is not built again.
    expect((await build(deps)).builds).toEqual([]);
  });

  it('shows a failed scratch build with its class on the merge request', async () => {
    const { deps, source, builder, forge } = prebuilding();
    builder.failing = true;
    source.add(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    await sync(deps);
    await build(deps);
    await report(deps);
    expect(forge?.statuses.at(-1)?.status).toMatchObject({
      state: 'failed',
      description: expect.stringMatching(/^scratch build failed \(patch\): error: Bad exit status/),
    });
    const note = forge?.commentsOn('virt/hello', 1).find((c) => c.body.includes('patchferry-status'));
    expect(note?.body).toMatch(
      /- \[ \] scratch builds of this version:\n {2}- el9 \(x86_64\): failed: patch: /,
    );
  });

  it('builds nothing before the merge when the project does not prebuild', async () => {
    const { deps, source, builder } = fakeDeps({ forge: true });
    source.add(patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' }));
    await sync(deps);
    await build(deps);
    expect(builder.built).toEqual([]);
  });
});
