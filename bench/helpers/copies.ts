import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mboxSource } from '../../src/ingest/mbox.ts';

/** Writes `copies` copies of an mbox archive, one after another, into one mboxrd file: each copy's
 * Message-IDs (and the In-Reply-To and References naming them) made unique with a `cN.` prefix,
 * so that the copies are different mail that threads as the original does. Returns the mails. */
export async function writeCopies(source: string, copies: number, target: string): Promise<number> {
  const out = createWriteStream(target);
  let mails = 0;
  for (let copy = 1; copy <= copies; copy++) {
    for await (const { raw } of mboxSource(source).read(null)) {
      const text = raw.toString('latin1');
      const end = text.search(/\r?\n\r?\n/);
      const head = end === -1 ? text : text.slice(0, end);
      const renamed =
        head.replace(
          /^(Message-ID|In-Reply-To|References):((?:.*)(?:\r?\n[ \t].*)*)/gim,
          (_, name: string, value: string) => `${name}:${value.replace(/<([^<>\s]+)>/g, `<c${copy}.$1>`)}`,
        ) + (end === -1 ? '' : text.slice(end));
      // mboxrd: a body line that looks like a From_ line gets one more '>'.
      const quoted = renamed.replace(/\n(>*From )/g, '\n>$1');
      if (
        !out.write(
          `From mboxrd@z Thu Jan  1 00:00:00 1970\n${quoted}${quoted.endsWith('\n') ? '' : '\n'}\n`,
          'latin1',
        )
      )
        await once(out, 'drain');
      mails++;
    }
  }
  out.end();
  await once(out, 'finish');
  return mails;
}
