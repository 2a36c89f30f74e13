/** Who sent a series, for the rule that a new version may replace only its own sender's series
 * (issue "Trust and containment", Versions). Pure. */

export interface Submitter {
  /** The From: address, as written. */
  readonly address: string;
  /** The From: display name ("Ann Author via GitGitGadget" on a bridge). */
  readonly name: string;
  /** The in-body From: address of its patches (git's author), when they carry one. */
  readonly author: string | null;
}

/** Addresses the configuration says belong to one person (`series.sameSender`): each lower-cased
 * address → the first address of its group. */
export type SenderLinks = ReadonlyMap<string, string>;

export function senderLinks(groups: readonly (readonly string[])[]): SenderLinks {
  const out = new Map<string, string>();
  for (const group of groups) {
    const first = group[0]?.toLowerCase();
    if (first === undefined) continue;
    for (const address of group) out.set(address.toLowerCase(), first);
  }
  return out;
}

const NO_LINKS: SenderLinks = new Map();

/** Whether two series come from the same person: the same From: address (compared without case,
 * or linked by the configuration); where either carries an in-body From:, the same author (bridges
 * such as GitGitGadget send everyone's patches from one address); and where both From: names are
 * a list's or bridge's rewrite ("Ann via hello-devel"), the same name before "via". */
export function sameSubmitter(a: Submitter, b: Submitter, links: SenderLinks = NO_LINKS): boolean {
  const canon = (address: string) => links.get(address.toLowerCase()) ?? address.toLowerCase();
  if (canon(a.address) !== canon(b.address)) return false;
  if (
    (a.author !== null || b.author !== null) &&
    canon(a.author ?? a.address) !== canon(b.author ?? b.address)
  )
    return false;
  const viaA = viaName(a.name);
  const viaB = viaName(b.name);
  return viaA === null || viaB === null || viaA === viaB;
}

/** The person in a rewritten From: name ("Ann Author via GitGitGadget" → "ann author"), or null. */
function viaName(name: string): string | null {
  const m = /^"?(.+?)\s+via\s+\S.*$/i.exec(name.trim());
  return m ? (m[1] ?? '').toLowerCase() : null;
}

/** Two addresses written with different case are one address. */
export function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
