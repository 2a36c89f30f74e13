import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { mboxSource } from '../../src/ingest/mbox.ts';
import { headerText, messageIds, readHeaders } from '../../src/mail/headers.ts';
import { mailInfo, type MailInfoOptions } from '../../src/mail/mailinfo.ts';
import { parseMail } from '../../src/mail/parse.ts';
import { plainBody } from '../../src/mail/plain-body.ts';
import { corporaAvailable, corporaDir } from '../helpers/corpora.ts';
import { corpusCases } from '../helpers/corpus-cases.ts';
import { readTsv } from '../helpers/tsv.ts';

const available = corporaAvailable();
const root = join(corporaDir(), 'git-mailinfo');
const rows = available ? readTsv(join(root, 'expected.tsv')) : [];

/** Rows that do not pass yet, with the reason. Each fails loudly once fixed. */
const KNOWN: Record<string, string> = {};

async function messagesOf(file: string): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const m of mboxSource(join(root, file)).read(null)) out.push(m.raw);
  return out;
}

async function infoOf(raw: Buffer, options: string) {
  const headers = readHeaders(raw);
  const opts: MailInfoOptions = {
    scissors: /--scissors|mailinfo\.scissors=true/.test(options),
    inbodyHeaders: !options.includes('--no-inbody-headers'),
    ...(options.includes('--message-id') ? { messageId: messageIds(headers, 'message-id')[0] ?? '' } : {}),
  };
  const text = (await parseMail(raw)).text;
  return mailInfo(
    {
      from: headerText(headers, 'from') ?? '',
      subject: headerText(headers, 'subject') ?? '',
      date: headerText(headers, 'date') ?? '',
      text,
    },
    opts,
  );
}

/** "Author: …", "Email: …", "Subject: …" of an info file. */
function infoFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(join(root, file), 'utf8').split('\n')) {
    const m = /^(Author|Email|Subject): ?(.*)$/.exec(line);
    if (m) out[m[1] as string] = m[2] as string;
  }
  return out;
}

describe.skipIf(!available)('git mailinfo samples (corpora/git-mailinfo/expected.tsv)', () => {
  corpusCases(
    'git-mailinfo/expected.tsv',
    rows,
    (r) => `${r.input} #${r.message_index} ${r.options}`,
    async (r) => {
      const input = r.input as string;
      const messages = input.startsWith('t/t4256')
        ? [readFileSync(join(root, input))]
        : await messagesOf(input);
      if (input.endsWith('nul-plain')) {
        expect(messages).toHaveLength(1);
        expect(messages[0]?.includes(0)).toBe(true);
        return;
      }
      if (input.startsWith('t/t4256')) {
        // format=flowed: the diff as decoded must apply to the original and give git's result.
        const dir = mkdtempSync(join(tmpdir(), 'flowed-'));
        copyFileSync(join(root, 't/t4256/1/mailinfo.c.orig'), join(dir, 'mailinfo.c'));
        writeFileSync(join(dir, 'p.diff'), (await parseMail(messages[0] as Buffer)).diff ?? '');
        execFileSync('git', ['apply', '-p1', 'p.diff'], { cwd: dir });
        expect(readFileSync(join(dir, 'mailinfo.c'), 'utf8')).toBe(
          readFileSync(join(root, 't/t4256/1/mailinfo.c'), 'utf8'),
        );
        return;
      }
      if (input.endsWith('sample.mboxrd')) {
        expect(messages).toHaveLength(2);
        for (const [i, expected] of ['0001mboxrd', '0002mboxrd'].entries()) {
          expect((await infoOf(messages[i] as Buffer, '')).message).toBe(
            readFileSync(join(root, 't/t5100', expected), 'utf8'),
          );
        }
        return;
      }
      if (input.endsWith('quoted-cr.mbox')) {
        // git's t5100: CRs that base64 carried stay in the message unless --quoted-cr=strip. The
        // decoded body is taken before parseMail drops them (patchferry shows none).
        expect(messages).toHaveLength(2);
        const template = readFileSync(join(root, 't/t5100/quoted-cr-msg'), 'utf8');
        const lfOnly = template.replace(/%%$/gm, '').replace(/%%/g, '\r');
        const crlf = template.replace(/%%/g, '\r');
        const info = (raw: Buffer, quotedCr: 'keep' | 'strip') => {
          const headers = readHeaders(raw);
          const text = plainBody(raw, headers) ?? '';
          const subject = headerText(headers, 'subject') ?? '';
          return mailInfo({ from: headerText(headers, 'from') ?? '', subject, date: '', text }, { quotedCr });
        };
        const [first, second] = messages as [Buffer, Buffer];
        expect(info(first, 'keep').message).toBe(lfOnly);
        expect(info(second, 'keep').message).toBe(crlf);
        expect(info(first, 'strip').message).toBe(lfOnly);
        expect(info(second, 'strip').message).toBe(lfOnly);
        expect(infoFile('t/t5100/quoted-cr-info')).toMatchObject({
          Author: info(second, 'keep').author,
          Email: info(second, 'keep').email,
          Subject: info(second, 'keep').subject,
        });
        return;
      }
      if (r.options?.startsWith('mailsplit -d5')) {
        // base64 body decoding to content with NUL bytes: the patch comes through whole.
        // git's patch file starts with the diffstat; the diff below it is what patchferry finds.
        const mail = await parseMail(messages[0] as Buffer);
        const expected = readFileSync(join(root, r.expected_patch_file as string), 'utf8');
        expect(mail.diff).toBe(expected.slice(expected.indexOf('diff --git')));
        return;
      }
      const index = Number(/^\d+/.exec(r.message_index ?? '1')?.[0] ?? 1) - 1;
      const info = await infoOf(messages[index] as Buffer, r.options ?? '');
      const infoPath = r.expected_info_file && r.expected_info_file !== '-' ? r.expected_info_file : null;
      if (infoPath) {
        const expected = infoFile(infoPath);
        expect({ author: info.author, email: info.email, subject: info.subject }).toEqual({
          author: expected.Author ?? '',
          email: expected.Email ?? '',
          subject: expected.Subject ?? '',
        });
      }
      const msgPath = (r.expected_msg_file ?? '').split(' ')[0];
      if (msgPath && msgPath !== '-' && existsSync(join(root, msgPath))) {
        expect(info.message).toBe(readFileSync(join(root, msgPath), 'utf8'));
      }
    },
    KNOWN,
  );
});
