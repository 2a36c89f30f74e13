// Run as a program (node test/helpers/large-mail-peak.ts STEP MB): builds a patch mail with an
// attachment of about MB megabytes (base64, made without a string of it), runs one step of what
// patchferry does with a mail, and prints how much the process's peak RSS grew, in bytes.
import { amCommit } from '../../src/git/am-commit.ts';
import { amReadyMail } from '../../src/git/am-mail.ts';
import { amMailbox } from '../../src/git/am-mailbox.ts';
import { malformation } from '../../src/mail/malformed.ts';
import { writeMboxrd } from '../../src/mail/mboxrd.ts';
import { parseMail } from '../../src/mail/parse.ts';

const [step = '', megabytes = '8'] = process.argv.slice(2);
const lines = Math.round((Number(megabytes) * 2 ** 20) / 77);
const raw = Buffer.concat([
  Buffer.from(
    'From: Ann <ann@example.org>\nSubject: [PATCH] a: b\nDate: Mon, 21 Sep 2026 14:30:00 +0000\n' +
      'Message-ID: <big@example.org>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n' +
      '--b\nContent-Type: text/plain\n\nfix\n---\ndiff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-a\n+b\n' +
      '--b\nContent-Type: image/png\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=i.png\n\n',
  ),
  Buffer.alloc(77 * lines, `${'QUFB'.repeat(19)}\n`),
  Buffer.from('--b--\n'),
]);
const before = process.resourceUsage().maxRSS * 1024;
const steps: Record<string, () => unknown> = {
  parse: () => parseMail(raw),
  malformation: () => malformation(raw),
  amCommit: () => amCommit(raw),
  amReadyMail: () => amReadyMail(raw),
  amMailbox: () => amMailbox([raw]),
  writeMboxrd: () => writeMboxrd([raw], new Date(0)),
};
const run = steps[step];
if (!run) throw new Error(`no step ${step}`);
await run();
process.stdout.write(
  `${JSON.stringify({ size: raw.length, grew: process.resourceUsage().maxRSS * 1024 - before })}\n`,
);
