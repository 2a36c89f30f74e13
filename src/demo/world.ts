import { existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { PatchferryError } from '../shared/errors.ts';
import { runTool } from '../shared/run.ts';
import { HELLO_C, MAKEFILE, README, spec } from './package.ts';

/** The demo's world: a real RPM-packaged program in git, and a list mailbox made with git format-patch. */
export interface DemoWorld {
  readonly dir: string;
  readonly upstream: string;
  readonly mbox: string;
  readonly repoRoot: string;
}

const MARKER = '.patchferry-demo';
const LIST = 'hello-devel@example.org';
const PEOPLE = {
  maintainer: ['Mia Maintainer', 'mia@example.org'],
  ada: ['Ada Developer', 'ada@example.org'],
  bob: ['Bob Backport', 'bob@example.org'],
  carol: ['Carol Newcomer', 'carol@example.org'],
  dan: ['Dan Drift', 'dan@example.org'],
  rita: ['Rita Reviewer', 'rita@example.org'],
} as const;
type Person = keyof typeof PEOPLE;

export async function createDemoWorld(dir: string): Promise<DemoWorld> {
  if (existsSync(dir) && (await readdir(dir)).length > 0 && !existsSync(join(dir, MARKER))) {
    throw new PatchferryError(
      'demo_dir_in_use',
      `${dir} exists and is not a patchferry demo directory: choose another --dir`,
    );
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, MARKER), 'made by patchferry demo; safe to delete\n');
  const work = join(dir, 'src', 'hello');
  const upstream = join(dir, 'upstream', 'hello.git');
  const mbox = join(dir, 'list.mbox');
  const patches = join(dir, 'patches');
  let clock = Date.UTC(2026, 10, 2, 9, 0, 0) / 1000;
  const git = (who: Person, ...args: string[]) => {
    clock += 600;
    return runTool('git', args, { cwd: work, env: gitEnv(who, clock) });
  };
  const commit = async (who: Person, message: string, files: Record<string, string>) => {
    for (const [name, text] of Object.entries(files)) await writeFile(join(work, name), text);
    await git(who, 'add', '-A');
    await git(who, 'commit', '-q', '-m', message);
  };

  await mkdir(work, { recursive: true });
  await git('maintainer', 'init', '-q', '-b', 'master');
  await commit('maintainer', 'hello 1.0', {
    'hello.c': HELLO_C,
    Makefile: MAKEFILE,
    'hello.spec': spec('1'),
    README: README,
  });
  await git('maintainer', 'branch', 'stable-1.0');
  await git('maintainer', 'clone', '-q', '--bare', work, upstream);

  // A 3-patch series with a cover letter for master.
  await git('ada', 'checkout', '-q', '-b', 'ada/greet', 'master');
  await commit(
    'ada',
    'hello: greet the name given on the command line\n\nSigned-off-by: Ada Developer <ada@example.org>',
    {
      'hello.c': HELLO_C.replace(
        'const char *who = "world";',
        'const char *who = argc > 1 ? argv[1] : "world";',
      ),
    },
  );
  await commit(
    'ada',
    'README: document the name argument\n\nSigned-off-by: Ada Developer <ada@example.org>',
    {
      README: README.replace('Prints a greeting.', 'Prints a greeting to the name given, or to the world.'),
    },
  );
  await commit(
    'ada',
    'spec: release 2 with the name argument\n\nSigned-off-by: Ada Developer <ada@example.org>',
    {
      'hello.spec': spec(
        '2',
        '* Mon Nov 02 2026 Ada Developer <ada@example.org> - 1.0-2\n- Greet the name given on the command line\n\n',
      ),
    },
  );
  await formatPatch(
    'ada',
    ['--cover-letter', '--subject-prefix=master PATCH hello', '-3'],
    join(patches, 'series'),
  );
  await fillCoverLetter(join(patches, 'series'));

  // A fix for the stable branch.
  await git('bob', 'checkout', '-q', '-b', 'bob/fix', 'stable-1.0');
  await commit(
    'bob',
    'hello: exit with a failure when printing fails\n\nSigned-off-by: Bob Backport <bob@example.org>',
    {
      'hello.c': HELLO_C.replace('  return 0;', '  return fflush(stdout) == 0 ? 0 : 1;'),
    },
  );
  await formatPatch('bob', ['--subject-prefix=stable-1.0 PATCH hello', '-1'], join(patches, 'stable'));

  // A patch for a repository this list does not carry.
  await git('carol', 'checkout', '-q', '-b', 'carol/qemu', 'master');
  await commit('carol', 'vl: fix crash on -nodefaults\n\nSigned-off-by: Carol Newcomer <carol@example.org>', {
    'vl.c': 'int main(void) { return 0; }\n',
  });
  await formatPatch('carol', ['--subject-prefix=master PATCH qemu', '-1'], join(patches, 'unknown'));

  // A patch written against the old README, which the series above changes: it cannot apply after it.
  await git('dan', 'checkout', '-q', '-b', 'dan/readme', 'master');
  await commit('dan', 'README: say what the program is for\n\nSigned-off-by: Dan Drift <dan@example.org>', {
    README: README.replace('Prints a greeting.', 'Prints a greeting, to show how patches travel to RPMs.'),
  });
  await formatPatch('dan', ['--subject-prefix=master PATCH hello', '-1'], join(patches, 'conflict'));

  const series = await mailsIn(join(patches, 'series'));
  const review = await reviewReply(series[2] as Buffer, series[0] as Buffer);
  const order = [
    ...series,
    review,
    ...(await mailsIn(join(patches, 'stable'))),
    ...(await mailsIn(join(patches, 'unknown'))),
    ...(await mailsIn(join(patches, 'conflict'))),
  ];
  for (const raw of order) await appendFile(mbox, toMboxEntry(raw));
  return { dir, upstream, mbox, repoRoot: join(dir, 'repos') };

  async function formatPatch(who: Person, args: string[], out: string) {
    await git(who, 'format-patch', '-q', '--thread=shallow', `--to=${LIST}`, '-o', out, ...args);
  }
}

function gitEnv(who: Person, epoch: number): NodeJS.ProcessEnv {
  const [name, email] = PEOPLE[who];
  const date = `${epoch} +0000`;
  return {
    ...process.env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: name,
    GIT_AUTHOR_EMAIL: email,
    GIT_COMMITTER_NAME: name,
    GIT_COMMITTER_EMAIL: email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  };
}

async function mailsIn(dir: string): Promise<Buffer[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.patch')).sort();
  return Promise.all(files.map((f) => readFile(join(dir, f))));
}

async function fillCoverLetter(dir: string): Promise<void> {
  const file = join(dir, (await readdir(dir)).find((f) => f.startsWith('0000-')) as string);
  const text = (await readFile(file, 'utf8'))
    .replace('*** SUBJECT HERE ***', 'greet by name')
    .replace(
      '*** BLURB HERE ***',
      'hello learns to greet the name given on its command line,\nwith documentation and a new package release.',
    );
  await writeFile(file, text);
}

async function reviewReply(patch: Buffer, cover: Buffer): Promise<Buffer> {
  const header = (raw: Buffer, name: string) =>
    new RegExp(`^${name}: *(.*(?:\\n[ \\t].*)*)`, 'mi')
      .exec(raw.toString('utf8'))?.[1]
      ?.replace(/\s+/g, ' ')
      .trim() ?? '';
  const [name, email] = PEOPLE.rita;
  const mail = new MailComposer({
    from: `${name} <${email}>`,
    to: LIST,
    subject: `Re: ${header(patch, 'Subject')}`,
    date: new Date(Date.UTC(2026, 10, 2, 12, 0, 0)),
    messageId: '<review-1@example.org>',
    inReplyTo: header(patch, 'Message-ID'),
    references: [header(cover, 'Message-ID'), header(patch, 'Message-ID')],
    text: '> README: document the name argument\n\nClear and short.\n\nReviewed-by: Rita Reviewer <rita@example.org>\n',
  });
  return mail.compile().build();
}

function toMboxEntry(raw: Buffer): string {
  const text = raw.toString('utf8').replace(/\r\n/g, '\n');
  const body = text.startsWith('From ') ? text : `From patchferry-demo Mon Nov  2 12:00:00 2026\n${text}`;
  const [fromLine, ...rest] = body.split('\n');
  const quoted = rest.join('\n').replace(/^(>*From )/gm, '>$1');
  return `${fromLine}\n${quoted}${quoted.endsWith('\n') ? '' : '\n'}\n`;
}
