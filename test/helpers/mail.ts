/** A hand-written RFC 5322 message for tests that need a specific header or body. */
export function rawMail(headers: Record<string, string>, body: string): Buffer {
  const lines = Object.entries({ Date: 'Thu, 01 Jan 2026 10:00:00 +0000', ...headers }).map(
    ([k, v]) => `${k}: ${v}`,
  );
  return Buffer.from(`${lines.join('\n')}\n\n${body}`);
}

/** Dan's one-patch series `[master PATCH <project>]` changing not-there.txt, a file no project
 * has: it never applies. Lines end with `eol` (IMAP servers take CRLF). */
export function notTherePatch(project: string, eol = '\n'): string {
  return [
    'From: Dan Developer <dan@example.org>',
    'To: list@example.org',
    `Subject: [master PATCH ${project}] ${project}: change a file that is not there`,
    'Date: Mon, 2 Nov 2026 10:00:00 +0000',
    'Message-ID: <not-there-1@example.org>',
    '',
    '---',
    'diff --git a/not-there.txt b/not-there.txt',
    'index 1111111..2222222 100644',
    '--- a/not-there.txt',
    '+++ b/not-there.txt',
    '@@ -1 +1 @@',
    '-old',
    '+new',
    '',
  ].join(eol);
}
