import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitFiles, formatPatches, git, makeRepo, nextSending, uniqueIds } from './git.ts';
import type { Dovecot } from './dovecot.ts';

/** A project as a list serves it: a bare upstream repository patchferry applies to, a developer's
 * clone that makes patches, and a configuration reading the list from a Dovecot folder. */
export interface ListWorld {
  readonly dir: string;
  readonly upstream: string;
  /** The developer's clone the series are made in. */
  readonly work: string;
  readonly configFile: string;
  /** The environment the configuration's secrets are read from. */
  readonly env: NodeJS.ProcessEnv;
  /** `count` new commits in the developer's clone, mailed as a series with a cover letter when
   * `cover` is set: the raw messages, ready for APPEND. */
  series(name: string, count: number, options?: { cover?: boolean }): Buffer[];
}

export function makeListWorld(dir: string, dovecot: Dovecot, mailbox = 'INBOX'): ListWorld {
  const work = makeRepo(join(dir, 'work'), { README: 'hello\n' });
  const upstream = join(dir, 'hello.git');
  git(dir, ['clone', '-q', '--bare', work, upstream]);
  const configFile = join(dir, 'patchferry.yml');
  writeFileSync(
    configFile,
    `state:
  database: state/patchferry.db
workDir: work-area
sources:
  - type: imap
    host: 127.0.0.1
    port: ${dovecot.imapPort}
    security: plain
    user: ${dovecot.user}
    passwordEnv: LIST_IMAP_PASSWORD
    mailboxes: [${JSON.stringify(mailbox)}]
    reconnect: { attempts: 20, maxDelaySeconds: 1 }
projects:
  hello:
    git: ${upstream}
    branches: [master]
    platforms: [el9]
platforms:
  el9: { dist: .el9, arch: noarch }
publisher:
  root: repos
  baseUrl: http://127.0.0.1:1/
reporter:
  from: patchferry <patchferry@example.org>
  listAddress: list@example.org
  outbox: outbox.mbox
`,
  );
  let n = 0;
  return {
    dir,
    upstream,
    work,
    configFile,
    env: { LIST_IMAP_PASSWORD: dovecot.password },
    series(name, count, options = {}) {
      for (let i = 0; i < count; i++) {
        n++;
        commitFiles(work, `${name}: change ${i + 1} of ${count}`, { [`${name}-${n}.txt`]: `${name} ${i}\n` });
      }
      const extra = ['--subject-prefix=master PATCH hello', ...(options.cover ? ['--cover-letter'] : [])];
      // git format-patch numbers only series of more than one patch unless asked.
      if (count > 1 || options.cover) extra.push('--numbered');
      // One sending: every mail of it gets the same rewrite, so the thread holds together.
      const sending = nextSending();
      return formatPatches(work, count, extra).map((raw) =>
        Buffer.from(uniqueIds(withoutMboxLine(raw).toString('utf8'), sending)),
      );
    },
  };
}

/** A message without the mbox "From " separator line git format-patch puts first. */
function withoutMboxLine(raw: Buffer): Buffer {
  const text = raw.toString('utf8');
  return Buffer.from(text.startsWith('From ') ? text.slice(text.indexOf('\n') + 1) : text);
}
