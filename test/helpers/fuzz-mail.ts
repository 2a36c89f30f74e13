import { intake } from '../../src/app/intake/intake.ts';
import { MailParseError, identifyMail, parseMail } from '../../src/mail/parse.ts';
import { fakeDeps } from '../fakes/deps.ts';

/** mulberry32: a small seeded PRNG, so that a crash is found again from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const int = (r: Rng, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)] as T;

const SUBJECTS = [
  '[master PATCH hello 1/2] add x',
  '[PATCH v2 0/3] cover',
  '[PATCH 1/4294967296] huge',
  '[PATCH 99999999999999999999999/1] big part',
  '[PATCH 1/100000] many',
  '[PATCH v0 0/0] zero',
  '[PATCH v-1 -1/-1] negative',
  '[[[[[[[[[[[[[[[[[[[[PATCH',
  `${'Re: '.repeat(500)}[PATCH] deep`,
  '=?UTF-8?Q?=E2=80=A6=ZZ=?= broken word',
  '=?x-unknown?B?////?= unknown charset',
  '=?UTF-8?B?AAAAAAAA?= nul in a word',
  '[PATCH\u0000NUL 1/2] nul',
  `[PATCH ${'a/'.repeat(300)} 1/2] long tag`,
  '[RFC PATCH qemu/stable-2.5 v3 2/4] odd',
  '',
];

const DIFF = [
  'diff --git a/x.txt b/x.txt',
  'index 0000000..1111111 100644',
  '--- a/x.txt',
  '+++ b/x.txt',
  '@@ -1,2 +1,2 @@',
  ' a',
  '-b',
  '+c',
  '',
].join('\n');

/** A mail of one of the shapes real lists carry, before it is broken. */
function template(r: Rng, id: string): string {
  const refs =
    int(r, 3) === 0
      ? ''
      : `In-Reply-To: <m${int(r, 40)}@fuzz>\nReferences: <m${int(r, 40)}@fuzz> <m${int(r, 40)}@fuzz>\n`;
  const head = `From: ${pick(r, ['Ada <ada@example.org>', '"a\\"b" <b@example.org>', 'group: x@y, z@w;', '<>', '=?UTF-8?Q?Ev=0Ail?= <e@example.org>', ''])}\nSubject: ${pick(r, SUBJECTS)}\nMessage-ID: <${id}>\nDate: ${pick(r, ['Sun, 29 Nov 2026 10:00:00 +0000', 'yesterday', '', 'Mon, 99 Foo 99999 99:99:99 +9999'])}\n${refs}`;
  const body = `Adds x.\n\nSigned-off-by: Ada <ada@example.org>\n---\n${DIFF}`;
  switch (int(r, 5)) {
    case 0:
      return `${head}\n${body}`;
    case 1:
      return `${head}Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n${Buffer.from(body).toString('base64').replace(/.{76}/g, '$&\n')}\n`;
    case 2:
      return `${head}Content-Type: text/plain; charset=${pick(r, ['utf-8', 'iso-8859-1', 'x-nonsense', ''])}\nContent-Transfer-Encoding: quoted-printable\n\n${body.replace(/=/g, '=3D')}=\n=ZZ\n`;
    case 3: {
      const b = `b${int(r, 1000)}`;
      return `${head}MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="${b}"\n\n--${b}\nContent-Type: text/plain\n\nSee the patch.\n--${b}\nContent-Type: text/x-patch\nContent-Disposition: attachment; filename=x.patch\n\n${body}\n--${b}--\n`;
    }
    default: {
      let inner = body;
      const depth = 1 + int(r, 40);
      for (let i = depth; i > 0; i--)
        inner = `Content-Type: multipart/mixed; boundary="d${i}"\n\n--d${i}\n${inner}\n--d${i}--\n`;
      return `${head}MIME-Version: 1.0\n${inner}`;
    }
  }
}

/** Breaks a mail in one of the ways senders, mailers and attackers do. */
function mutate(r: Rng, text: string): Buffer {
  let raw = Buffer.from(text, 'utf8');
  for (let n = int(r, 3); n >= 0; n--) {
    switch (int(r, 10)) {
      case 0: // truncated anywhere
        raw = raw.subarray(0, int(r, raw.length + 1));
        break;
      case 1: {
        // NUL and other control bytes
        const at = int(r, raw.length + 1);
        raw = Buffer.concat([raw.subarray(0, at), Buffer.from([0, int(r, 32), 0x7f]), raw.subarray(at)]);
        break;
      }
      case 2: // a huge header
        raw = Buffer.concat([Buffer.from(`X-Huge: ${'h'.repeat(50_000 + int(r, 100_000))}\n`), raw]);
        break;
      case 3: // byte flips
        raw = Buffer.from(raw);
        for (let k = 0; k < 1 + int(r, 20) && raw.length > 0; k++) raw[int(r, raw.length)] = int(r, 256);
        break;
      case 4: // CRLF and LF mixed, or CR alone
        raw = Buffer.from(
          raw.toString('latin1').replace(/\n/g, () => pick(r, ['\r\n', '\n', '\r'])),
          'latin1',
        );
        break;
      case 5: // no blank line between header and body
        raw = Buffer.from(raw.toString('latin1').replace(/\n\n/, '\n'), 'latin1');
        break;
      case 6: // a pathological subject line
        raw = Buffer.from(
          raw
            .toString('latin1')
            .replace(/^Subject:.*$/m, `Subject: ${pick(r, SUBJECTS)}${'['.repeat(int(r, 5000))}`),
          'latin1',
        );
        break;
      case 7: // a long body line and many hunk lines
        raw = Buffer.concat([
          raw,
          Buffer.from(`+${'y'.repeat(int(r, 20_000))}\n${'+z\n'.repeat(int(r, 5_000))}`),
        ]);
        break;
      case 8: // folded header continuation without a header
        raw = Buffer.concat([Buffer.from(' \tcontinued\n'), raw]);
        break;
      default: // random bytes
        raw = Buffer.concat([raw, Buffer.from(Array.from({ length: int(r, 512) }, () => int(r, 256)))]);
    }
  }
  return raw;
}

/** The fuzz test's mails for `seed`, generated one by one (the test's stream, without the
 * batching intake adds). */
export function* fuzzMails(seed: number): Generator<Buffer> {
  const r = prng(seed);
  for (;;) yield mutate(r, template(r, `m${int(r, 60)}@fuzz`));
}

export interface FuzzResult {
  readonly mails: number;
  readonly crashes: readonly { seed: number; mail: number; error: string }[];
  readonly quarantined: number;
  /** The slowest single mail, in ms: a parser stuck on a mail shows here. */
  readonly slowestMs: number;
}

/**
 * Generated malformed mails (truncation, NUL and control bytes, huge headers, deep nesting, bad
 * encodings, pathological subjects) through the whole recognition path: identified as ingest does,
 * parsed, and in batches taken in by intake over an in-memory store (recording, assembly, routing,
 * limits, duplicates). A crash is any error but a MailParseError (which quarantines the mail).
 * Runs for `ms` at most; the same `seed` gives the same mails.
 */
export async function fuzzRecognition(o: { seed: number; ms: number; batch?: number }): Promise<FuzzResult> {
  const r = prng(o.seed);
  const crashes: { seed: number; mail: number; error: string }[] = [];
  const end = Date.now() + o.ms;
  const batch = o.batch ?? 40;
  let mails = 0;
  let quarantined = 0;
  let slowestMs = 0;
  let world = fakeDeps();
  while (Date.now() < end) {
    if (mails % (batch * 25) === 0) world = fakeDeps();
    for (let i = 0; i < batch; i++) {
      const raw = mutate(r, template(r, `m${int(r, 60)}@fuzz`));
      const index = mails++;
      const t = performance.now();
      try {
        identifyMail(raw);
        await parseMail(raw);
      } catch (err) {
        if (!(err instanceof MailParseError)) crashes.push({ seed: o.seed, mail: index, error: String(err) });
      }
      slowestMs = Math.max(slowestMs, performance.now() - t);
      world.source.add(raw);
    }
    try {
      quarantined += (await intake(world.deps)).quarantined.length;
    } catch (err) {
      crashes.push({ seed: o.seed, mail: mails, error: `intake: ${String(err)}` });
    }
  }
  return { mails, crashes, quarantined, slowestMs: Math.round(slowestMs) };
}
