import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { mboxSource } from '../../src/ingest/mbox.ts';
import { readHeaders } from '../../src/mail/headers.ts';
import { plainBody } from '../../src/mail/plain-body.ts';
import { corporaAvailable, corporaDir } from '../helpers/corpora.ts';
import { rawMail } from '../helpers/mail.ts';

const available = corporaAvailable();

async function mailparserText(raw: Buffer): Promise<string> {
  return ((await simpleParser(raw)).text ?? '').replace(/\r\n/g, '\n').trimEnd();
}

describe('the plain-text fast path', () => {
  it('decodes quoted-printable, base64 and 8-bit bodies in their charsets', () => {
    const qp = rawMail(
      { 'Content-Type': 'text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding': 'quoted-printable' },
      'caf=E9 =\nsoft break\n',
    );
    expect(plainBody(qp, readHeaders(qp))).toBe('café soft break\n');
    const b64 = rawMail(
      { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Transfer-Encoding': 'base64' },
      `${Buffer.from('Łódź\n').toString('base64')}\n`,
    );
    expect(plainBody(b64, readHeaders(b64))).toBe('Łódź\n');
  });

  it('reads a charset that cannot be right by what the bytes are', () => {
    const raw = Buffer.concat([
      Buffer.from('Content-Type: text/plain; charset="none"\n\ncaf'),
      Buffer.from([0xe9]),
      Buffer.from('\n'),
    ]);
    expect(plainBody(raw, readHeaders(raw))).toBe('café\n');
  });

  it('undoes format=flowed as mailparser does', async () => {
    const raw = rawMail({ 'Content-Type': 'text/plain; format=flowed' }, 'a soft \nwrapped line\n');
    expect(plainBody(raw, readHeaders(raw))).toBe('a soft wrapped line');
    expect(await mailparserText(raw)).toBe('a soft wrapped line');
  });

  it('leaves multipart and attachments to the full parser', () => {
    const raw = rawMail({ 'Content-Type': 'multipart/mixed; boundary=b' }, '--b\n\nx\n--b--\n');
    expect(plainBody(raw, readHeaders(raw))).toBeNull();
  });

  it.skipIf(!available)(
    'gives the same text as mailparser for every plain-text mail of a month of a real list',
    async () => {
      let compared = 0;
      for await (const { raw } of mboxSource(join(corporaDir(), 'kbuild', 'linux-kbuild-2025-03.mbox')).read(
        null,
      )) {
        const fast = plainBody(raw, readHeaders(raw));
        if (fast === null) continue;
        expect(fast.replace(/\r\n/g, '\n').trimEnd()).toBe(await mailparserText(raw));
        compared++;
      }
      expect(compared).toBeGreaterThan(400);
    },
  );

  it.skipIf(!available)("agrees with mailparser on the peer projects' plain-text mails", async () => {
    const dirs = ['patchwork/data/mail', 'patchwork/data/series', 'patchew/data'].map((d) =>
      join(corporaDir(), d),
    );
    for (const dir of dirs) {
      for (const name of readdirSync(dir).filter((n) => /\.(mbox|gz)$/.test(n) && !n.includes('json'))) {
        for await (const { raw } of mboxSource(join(dir, name)).read(null)) {
          const fast = plainBody(raw, readHeaders(raw));
          if (fast !== null)
            expect(fast.replace(/\r\n/g, '\n').trimEnd(), name).toBe(await mailparserText(raw));
        }
      }
    }
  });
});
