import { describe, expect, it } from 'vitest';
import { sync } from '../../../src/app/stages.ts';
import { fakeDeps } from '../../fakes/deps.ts';
import { patchMail } from '../../fakes/source.ts';

describe("an applied series goes into the archive of the day's patches", () => {
  it('files its mails as received, on the day it was applied, once however often the unit runs', async () => {
    const { deps, source, archive, clock } = fakeDeps();
    const mail = patchMail({ id: 'a@x', subject: '[master PATCH hello] add a' });
    source.add(mail);
    const day = new Date(clock.now()).toISOString().slice(0, 10);
    await sync(deps);
    expect(archive.archived).toMatchObject([
      { seriesId: 'a@x', day, project: 'hello', branch: 'master', title: 'add a', patches: 1, version: 1 },
    ]);
    expect(archive.archived[0]?.mails.map((m) => m.toString())).toEqual([mail.toString()]);
    expect(deps.store.work.get('archive:a@x')).toMatchObject({
      state: 'done',
      result: { url: `http://repos.example/patches/${day}/hello/master/a-x.mbox` },
    });
    await sync(deps);
    expect(archive.archived).toHaveLength(1);
  });

  it('files nothing for a series that is not on its branch', async () => {
    const { deps, source, archive, git } = fakeDeps();
    git.throwFor('b@x');
    source.add(patchMail({ id: 'b@x', subject: '[master PATCH hello] add b' }));
    await sync(deps);
    expect(archive.archived).toEqual([]);
    expect(deps.store.work.get('archive:b@x')).toBeUndefined();
  });
});
