import { describe, expect, it } from 'vitest';
import { whyNotAnswer } from '../../../src/app/report/answer.ts';
import { rawMail } from '../../helpers/mail.ts';
import { fakeDeps } from '../../fakes/deps.ts';

describe('whom patchferry answers', () => {
  it("answers mail a project's own list carries with Precedence: list, not another list's", () => {
    const { deps } = fakeDeps();
    const projects = { hello: { ...deps.config.projects.hello!, lists: ['hello-devel.example.net'] } };
    const d = { ...deps, config: { ...deps.config, projects } };
    const record = (id: string, listId: string) =>
      d.store.mails.record({
        messageId: id,
        raw: rawMail(
          {
            From: 'Ada <ada@example.org>',
            Subject: 'x',
            'Message-ID': `<${id}>`,
            Precedence: 'list',
            'List-Id': listId,
          },
          'hi\n',
        ),
        source: 'list',
        position: id,
        subject: 'x',
        sender: 'ada@example.org',
      });
    record('ours@x', 'Hello developers <hello-devel.example.net>');
    record('theirs@x', '<other.example.net>');
    expect(whyNotAnswer(d, 'ours@x')).toBeNull();
    expect(whyNotAnswer(d, 'theirs@x')).toBe('it came with Precedence: list from another list');
  });
});
