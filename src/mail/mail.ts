import type { SubjectTag } from './subject.ts';
import type { PullRequest, Trailer } from './body.ts';

export type MailKind = 'patch' | 'cover' | 'reply' | 'pull' | 'other';

export interface Address {
  readonly name: string;
  readonly address: string;
}

/** "Name <address>", or the bare address when there is no name. */
export function formatAddress(a: Address): string {
  // One line, whatever the name held: it goes into headers and report lines.
  const name = a.name.replace(/[\r\n]+/g, ' ').trim();
  return name ? `${name} <${a.address}>` : a.address;
}

/** One message of the list, as the rest of patchferry sees it. */
export interface Mail {
  /** Message-ID without angle brackets. */
  readonly messageId: string;
  readonly inReplyTo: string | null;
  /** References, oldest first, without angle brackets; always a list. */
  readonly references: readonly string[];
  readonly from: Address;
  /** A patch's in-body From: address (git's author when the sender is not), else null. */
  readonly author: string | null;
  readonly subject: string;
  /** The List-Id header's id (inside its angle brackets), or null. */
  readonly listId: string | null;
  /** The To and Cc fields as written (for finding a list's address in them); '' without them. */
  readonly recipients: string;
  readonly date: Date | null;
  readonly tag: SubjectTag;
  readonly kind: MailKind;
  /** The plain-text body (HTML alternatives are ignored). */
  readonly text: string;
  readonly diff: string | null;
  /** The diff's patch id (mail/patch-id.ts): the same in every posting of an unchanged patch. */
  readonly patchId: string | null;
  readonly trailers: readonly Trailer[];
  readonly pull: PullRequest | null;
  /** Message-IDs of earlier versions this mail says it replaces ("Supersedes:" lines). */
  readonly supersedes: readonly string[];
  /** b4's topic id, the same in every version of a series; null when the mail has none. */
  readonly changeId: string | null;
}
