import { describe, expect, it } from 'vitest';
import { unitDied } from '../../../src/app/report/dead.ts';
import { report } from '../../../src/app/stages.ts';
import type { UnitError } from '../../../src/ports/work-queue.ts';
import { fakeDeps } from '../../fakes/deps.ts';

const MISSING: UnitError = {
  code: 'git_branch_missing',
  message: 'project hello: the repository has no branch "stable-1.0"',
};

/** A build unit queued, claimed and given up on with `error`, as the worker gives one up. */
function dies(deps: ReturnType<typeof fakeDeps>['deps'], key: string, error: UnitError): void {
  deps.store.work.enqueue({ kind: 'build', key, payload: {} });
  const unit = deps.store.work.claim(['build'], Date.now(), { holder: 't', leaseUntil: Date.now() + 60_000 });
  if (unit?.key !== key) throw new Error(`claimed ${unit?.key} instead of ${key}`);
  deps.store.work.bury(unit.id, 't', error);
  unitDied(deps, deps.store.work.get(key)!, error);
}

describe('telling the failure recipients of units given up on', () => {
  it('tells them once for units given up on for one reason, naming each, and apart for another reason', async () => {
    const { deps, notifier } = fakeDeps();
    dies(deps, 'build:a', MISSING);
    dies(deps, 'build:b', MISSING);
    dies(deps, 'build:c', MISSING);
    dies(deps, 'build:d', { code: 'build_failed', message: 'rpmbuild exited 1' });
    await report(deps);
    expect(notifier.sent.map((s) => [s.key, s.message.subject])).toEqual([
      ['dead:build:a#1', '[patchferry] gave up: build build:a and 2 more unit(s), for one reason'],
      ['dead:build:d#1', '[patchferry] gave up: build build:d'],
    ]);
    const body = notifier.sent[0]?.message.body ?? '';
    expect(body).toContain('has no branch "stable-1.0"');
    expect(body).toContain(
      'It gave up on 2 more for the same reason:\n\n  build:b (build)\n  build:c (build)\n',
    );
    expect(notifier.sent.every((s) => s.message.to.join() === 'mia@example.org')).toBe(true);
  });

  it('tells of a unit given up on after the notice of its reason went out in a notice of its own', async () => {
    const { deps, notifier } = fakeDeps();
    dies(deps, 'build:a', MISSING);
    await report(deps);
    dies(deps, 'build:b', MISSING);
    await report(deps);
    expect(notifier.sent.map((s) => s.key)).toEqual(['dead:build:a#1', 'dead:build:b#1']);
    expect(notifier.sent[1]?.message.body).not.toContain('more for the same reason');
  });
});
