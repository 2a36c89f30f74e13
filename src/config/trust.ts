import { z } from 'zod';
import { bounded } from './bounded.ts';

/** `trust` in the configuration: who may have series applied and how a sender's mail must be
 * authenticated (globally, and per project in `projects.<p>.trust`); what is never answered. */

/** An address (`ada@example.org`), a whole domain (`example.org`, `@example.org`) or a domain
 * with its subdomains (`*.example.org`). */
const SENDER = /^(?:[^\s@]+@|@|\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/;

const sender = z.string().regex(SENDER, {
  error: (iss) =>
    `${JSON.stringify(iss.input)} is not an address or domain (ada@example.org, example.org, *.example.org)`,
});

const domain = z.string().regex(/^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/, {
  error: (iss) => `${JSON.stringify(iss.input)} is not a domain name`,
});

export const AUTHENTICITY = ['ignore', 'prefer', 'require'] as const;
export type AuthenticityPolicy = (typeof AUTHENTICITY)[number];

/** What a project may override. */
export const projectTrust = z.strictObject({
  /** Senders whose series are applied; everyone else's are held. Replaces the global list. */
  senders: z.array(sender).optional(),
  authenticity: z.enum(AUTHENTICITY).optional(),
});

const TRUST_DEFAULTS = {
  authenticity: 'ignore' as AuthenticityPolicy,
  arcSealers: [] as string[],
  tellHeld: true,
  answerUnauthenticated: false,
  notRoutedPerDay: 3,
};

export const trust = z
  .strictObject({
    /** Senders whose series are applied (addresses and domains); without it, everyone's. Series
     * of anyone else are held: recorded, neither applied nor built, until the sender is added. */
    senders: z.array(sender).optional(),
    /** What a series' mails must prove about their From: DKIM (aligned with From), ARC sealed by
     * one of arcSealers, or a patatt/b4 signature by a key in the keyring. `require`: series that
     * do not are held; `prefer`: they go on, and the report and merge request say so. */
    authenticity: z.enum(AUTHENTICITY).default(TRUST_DEFAULTS.authenticity),
    /** A patatt keyring directory: <keyring>/ed25519/<domain>/<local>/<selector> (the raw key) and
     * <keyring>/openpgp/<domain>/<local>/<selector> (the ASCII-armored public key). */
    keyring: z.string().min(1).optional(),
    /** Mail systems (the list's own server) whose ARC seal vouches for the DKIM result they saw
     * before they changed the mail (a footer, a subject tag). */
    arcSealers: z.array(domain).default(TRUST_DEFAULTS.arcSealers),
    /** Tell the sender of a held series, once, that it waits for a maintainer. */
    tellHeld: z.boolean().default(TRUST_DEFAULTS.tellHeld),
    /** Answer mail whose sender failed the authenticity policy (a forged From: turns every reply
     * into backscatter to the forged address). */
    answerUnauthenticated: z.boolean().default(TRUST_DEFAULTS.answerUnauthenticated),
    /** At most this many "not routed" replies to one sender in 24 hours. */
    notRoutedPerDay: bounded({
      min: 0,
      max: 1000,
      integer: true,
      expected: 'a whole number from 0 to 1000',
    }).default(TRUST_DEFAULTS.notRoutedPerDay),
  })
  .default(TRUST_DEFAULTS);

export type TrustConfig = z.output<typeof trust>;
export type ProjectTrustConfig = z.output<typeof projectTrust>;

/** What is done with mail that names no known repository or branch: a reply to its sender, a reply
 * on the list, or a line in the log only. */
export const rejections = z.enum(['reply', 'list', 'log']).default('reply');
export type Rejections = z.output<typeof rejections>;
