import type { SeriesFacts } from '../../src/render/report.ts';

/** A one-patch series of project hello on master, sent by Ada with a cover letter, with `changes`
 * over it: the facts a report test varies are then the only ones it spells out. */
export function seriesFacts(changes: Partial<SeriesFacts> = {}): SeriesFacts {
  return {
    title: 'greet by name',
    subject: '[master PATCH hello 0/1] greet by name',
    version: 1,
    sender: { name: 'Ada', address: 'ada@x' },
    project: 'hello',
    branch: 'master',
    patches: [{ part: 1, subject: 'hello: greet' }],
    replyTo: 'cover@x',
    references: [],
    ...changes,
  };
}

/** Where reports go: the list, and one address told of failures. */
export const AUDIENCE = { listAddress: 'list@x', failureRecipients: ['boss@x'] };

/** The outcome of a series git am applied. */
export const APPLIED = { state: 'applied', base: 'a'.repeat(40), head: 'b'.repeat(40) } as const;
