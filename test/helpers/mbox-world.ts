import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitFiles, formatPatches, git, makeRepo, uniqueIds } from './git.ts';

/** A list read from an mbox file: a bare upstream repository `hello` patchferry applies to, a
 * developer's clone that makes its patches, a clone of a repository the list does not carry, and a
 * configuration that reports to the outbox file and, when given a port, to an SMTP server too. */
export interface MboxWorld {
  readonly dir: string;
  readonly upstream: string;
  readonly configFile: string;
  readonly database: string;
  readonly outbox: string;
  /** `count` new commits of hello mailed as one series (with a cover letter when more than one). */
  series(name: string, count: number): void;
  /** `count` single patches for repository "qemu", which this list does not carry: each one is
   * answered with a rejection to its sender. */
  rejected(count: number): void;
}

export function makeMboxWorld(dir: string, opts: { smtpPort?: number } = {}): MboxWorld {
  const work = makeRepo(join(dir, 'work'), { README: 'hello\n' });
  const upstream = join(dir, 'hello.git');
  git(dir, ['clone', '-q', '--bare', work, upstream]);
  const other = makeRepo(join(dir, 'qemu'), { 'vl.c': 'int main(void) { return 0; }\n' });
  const mbox = join(dir, 'list.mbox');
  writeFileSync(mbox, '');
  const configFile = join(dir, 'patchferry.yml');
  writeFileSync(
    configFile,
    `state:
  database: state/patchferry.db
workDir: work-area
sources:
  - type: mbox
    path: list.mbox
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
${opts.smtpPort === undefined ? '' : `  smtp: { host: 127.0.0.1, port: ${opts.smtpPort}, security: plain }\n`}# Kills and refused sendings are what these worlds are for: a unit is retried soon, and many times.
work: { maxAttempts: 100, retrySeconds: 0.05, maxRetrySeconds: 0.2 }
`,
  );
  let n = 0;
  const append = (mails: readonly Buffer[]) => {
    for (const raw of mails) {
      const text = raw.toString('utf8');
      appendFileSync(mbox, `${text}${text.endsWith('\n') ? '' : '\n'}\n`);
    }
  };
  return {
    dir,
    upstream,
    configFile,
    database: join(dir, 'state', 'patchferry.db'),
    outbox: join(dir, 'outbox.mbox'),
    series(name, count) {
      for (let i = 0; i < count; i++) {
        n++;
        commitFiles(work, `${name}: change ${i + 1} of ${count}`, { [`${name}-${n}.txt`]: `${name} ${i}\n` });
      }
      const extra = ['--subject-prefix=master PATCH hello', ...(count > 1 ? ['--cover-letter'] : [])];
      const mails = formatPatches(work, count, extra);
      // The cover letter's template subject and blurb, filled in as a sender does.
      const filled = mails.map((m) =>
        m.toString('utf8').replace('*** SUBJECT HERE ***', name).replace('*** BLURB HERE ***', `${name}.`),
      );
      append([Buffer.from(uniqueIds(filled.join('')))]);
    },
    rejected(count) {
      for (let i = 0; i < count; i++) {
        n++;
        const who = { name: `Dev ${n}`, email: `dev${n}@example.org` };
        commitFiles(other, `vl: change ${n}`, { [`vl-${n}.c`]: `int x${n};\n` }, who);
        append(
          formatPatches(other, 1, ['--subject-prefix=master PATCH qemu']).map((m) =>
            Buffer.from(uniqueIds(m.toString('utf8'))),
          ),
        );
      }
    },
  };
}
