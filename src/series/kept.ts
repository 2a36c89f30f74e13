import type { Address, Mail } from '../mail/mail.ts';
import type { SubjectTag } from '../mail/subject.ts';
import type { Trailer } from '../mail/body.ts';
import type { SeriesMail } from './series.ts';

const NONE: readonly never[] = Object.freeze([]);

/**
 * One copy of each string, list of words and address kept for assembly. A long archive repeats
 * them mail after mail: the Message-IDs a reply's References name, its sender, the list's tags
 * ("PATCH", "RFC"), a reviewer's trailer. Kept once, they cost a pointer each. Strings given must
 * not be slices of a larger one (mail/parse.ts detaches what it returns).
 */
export class KeptStrings {
  readonly #strings = new Map<string, string>();
  readonly #lists = new Map<string, readonly string[]>();
  readonly #addresses = new Map<string, Address>();

  string(s: string): string {
    const known = this.#strings.get(s);
    if (known !== undefined) return known;
    this.#strings.set(s, s);
    return s;
  }

  /** A list of Message-IDs, each shared; the list itself is the mail's own. */
  ids(values: readonly string[]): readonly string[] {
    return values.length === 0 ? NONE : Object.freeze(values.map((v) => this.string(v)));
  }

  /** A short list that many mails share whole (a subject's words), shared whole. */
  words(values: readonly string[]): readonly string[] {
    if (values.length === 0) return NONE;
    const key = values.join('\n');
    const known = this.#lists.get(key);
    if (known) return known;
    const list = Object.freeze(values.map((v) => this.string(v)));
    this.#lists.set(key, list);
    return list;
  }

  address(a: Address): Address {
    const key = `${a.name}\n${a.address}`;
    const known = this.#addresses.get(key);
    if (known) return known;
    const kept = Object.freeze({ name: this.string(a.name), address: this.string(a.address) });
    this.#addresses.set(key, kept);
    return kept;
  }
}

/**
 * What assembly (assemble.ts) needs of a mail and nothing more: no text, no diff, no recipients,
 * no List-Id, and every repeated string shared through `strings`. For reading a long archive,
 * where every mail is kept until the last is read.
 */
export function keptForAssembly(mail: Mail, strings: KeptStrings): SeriesMail {
  return {
    messageId: strings.string(mail.messageId),
    inReplyTo: mail.inReplyTo === null ? null : strings.string(mail.inReplyTo),
    references: strings.ids(mail.references),
    from: strings.address(mail.from),
    author: mail.author === null ? null : strings.string(mail.author),
    subject: strings.string(mail.subject),
    date: mail.date,
    tag: keptTag(mail.tag, strings),
    kind: mail.kind,
    trailers: mail.trailers.length === 0 ? NONE : mail.trailers.map((t) => keptTrailer(t, strings)),
    supersedes: strings.ids(mail.supersedes),
    changeId: mail.changeId === null ? null : strings.string(mail.changeId),
    patchId: mail.patchId,
    pull: mail.pull,
  };
}

function keptTag(tag: SubjectTag, strings: KeptStrings): SubjectTag {
  return {
    ...tag,
    title: strings.string(tag.title),
    prefixes: strings.words(tag.prefixes),
    before: strings.words(tag.before),
    after: strings.words(tag.after),
    otherGroups: strings.words(tag.otherGroups),
  };
}

function keptTrailer(t: Trailer, strings: KeptStrings): Trailer {
  return {
    key: strings.string(t.key),
    value: strings.string(t.value),
    address: t.address === null ? null : strings.string(t.address),
  };
}
