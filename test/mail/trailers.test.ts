import { describe, expect, it } from 'vitest';
import { findDiff, findPullRequest, findTrailers } from '../../src/mail/body.ts';

const values = (text: string) => findTrailers(text).map((t) => `${t.key}: ${t.value}`);

describe('trailers, as b4 reads them', () => {
  it('reads a trailer indented by a few spaces or a tab, but not one in a pasted log or a quote', () => {
    expect(
      values(
        ' Reviewed-by: A <a@x>\n   Acked-by: B <b@x>\n    Tested-by: Log <l@x>\n\tTested-by: T <t@x>\n> Acked-by: Q <q@x>\n> > Acked-by: R <r@x>\n>>Acked-by: S <s@x>\n',
      ),
    ).toEqual(['Reviewed-by: A <a@x>', 'Acked-by: B <b@x>', 'Tested-by: T <t@x>']);
  });

  it('reads keys in any case, and nothing below the signature marker', () => {
    expect(
      values('reviewed-by: A <a@x>\nBUGLINK: https://bugs.example/1\n-- \nRita\nAcked-by: A <a@x>\n'),
    ).toEqual(['reviewed-by: A <a@x>', 'BUGLINK: https://bugs.example/1']);
  });

  it('takes a Fixes: only when it names a commit hash, as b4 does', () => {
    expect(values('Fixes: the crash on boot\nFixes: 0123456789ab ("x")\n')).toEqual([
      'Fixes: 0123456789ab ("x")',
    ]);
  });

  it('joins a trailer wrapped before its address, and a Fixes: whose subject goes on', () => {
    expect(
      values(
        'Reviewed-by: Maximiliane Mustermann\n<max@x>\nFixes: 0123456789ab ("hello: a subject that\n is long")\nAcked-by: A <a@x>\nnot part of it\n',
      ),
    ).toEqual([
      'Reviewed-by: Maximiliane Mustermann <max@x>',
      'Fixes: 0123456789ab ("hello: a subject that is long")',
      'Acked-by: A <a@x>',
    ]);
  });

  it('drops mailer junk, bracketed notes and # comments from the value', () => {
    expect(
      values(
        'Reviewed-by: Rita <rita@x<mailto:rita@x>>\nAcked-by: Tom <tom@x> [tom: fixed a typo]\nCc: stable@x # 6.1+\nLink: https://lore.example/r/1#m2\n',
      ),
    ).toEqual([
      'Reviewed-by: Rita <rita@x>',
      'Acked-by: Tom <tom@x>',
      'Cc: stable@x',
      'Link: https://lore.example/r/1#m2',
    ]);
    expect(findTrailers('Reviewed-by: Rita <rita@x<mailto:rita@x>>\n')[0]?.address).toBe('rita@x');
  });

  it('reads the address a mailer left only in a mailto:, a no-break space, and a comment name as b4 does', () => {
    expect(
      values(
        'Reviewed-by: Rita R <mailto:rita@x.example>\nAcked-by: Tom T [mailto:tom@x.example]\nTested-by:\u00a0Max\u00a0M <max@x.example>.\nCc: uma@x.example (Uma U)\nReported-by: Ida I <ida@x.example> <ida@x.example>\n',
      ),
    ).toEqual([
      'Reviewed-by: Rita R <rita@x.example>',
      'Acked-by: Tom T <tom@x.example>',
      'Tested-by: Max M <max@x.example>',
      'Cc: Uma U <uma@x.example>',
      'Reported-by: Ida I <ida@x.example>',
    ]);
  });

  it('writes a person as Name <address> whatever junk or wrapping the mailer added', () => {
    expect(
      values(
        'Reviewed-by: Rita R rita@x.example<mailto:rita@x.example>\nAcked-by: Tom T <tom@x.example [mailto:tom@x.example]>\nTested-by: Max M\nmax@x.example\n',
      ),
    ).toEqual([
      'Reviewed-by: Rita R <rita@x.example>',
      'Acked-by: Tom T <tom@x.example>',
      'Tested-by: Max M <max@x.example>',
    ]);
  });
});

describe('what a body carries', () => {
  it('takes a git diff with combined @@@ hunks for a patch', () => {
    const diff = 'diff --cc a.c\nindex 1,2..3\n@@@ -1,1 -1,1 +1,1 @@@\n- a\n -b\n++c\n';
    expect(findDiff(`merge fix\n---\n${diff}`)).toBeNull();
    expect(findDiff(`merge fix\n---\ndiff --git a/a.c b/a.c\n${diff}`)).not.toBeNull();
    expect(findDiff('text\n--- a/x\n+++ b/x\n@@@ -1 -1 +1 @@@\n')).not.toBeNull();
  });

  it('reads pull requests from scp-like addresses and local paths', () => {
    const pull = (at: string) =>
      findPullRequest(
        `The following changes since commit 1:\n\nare available in the Git repository at:\n\n  ${at} for-next\n\nfor you to fetch changes up to 2:\n`,
      );
    expect(pull('git@host.example:ann/hello.git')).toEqual({
      url: 'git@host.example:ann/hello.git',
      ref: 'for-next',
    });
    expect(pull('host.example:/srv/git/hello.git')?.url).toBe('host.example:/srv/git/hello.git');
    expect(pull('/srv/git/hello.git')?.url).toBe('/srv/git/hello.git');
    expect(pull('../hello')?.url).toBe('../hello');
    expect(pull('ftp://host.example/hello.git')?.url).toBe('ftp://host.example/hello.git');
    expect(pull('somewhere')).toBeNull();
  });

  it('reads a pull request whose URL follows "at" on the same line, or stands in angle brackets', () => {
    const head = 'The following changes since commit 1:\n\n  base\n\n';
    expect(
      findPullRequest(`${head}are available in the git repository at https://h.example/a.git for-next\n`),
    ).toEqual({ url: 'https://h.example/a.git', ref: 'for-next' });
    expect(
      findPullRequest(
        `${head}are available in the Git repository at:\n\n  <git://h.example/a.git> tags/v1\n`,
      ),
    ).toEqual({ url: 'git://h.example/a.git', ref: 'tags/v1' });
  });
});
