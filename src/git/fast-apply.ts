import { createHash } from 'node:crypto';
import { access, constants } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  amCommit,
  gitDate,
  localZone,
  plainIdent,
  stripSpace,
  type AmCommit,
  type Ident,
} from './am-commit.ts';
import { applyBinary, applyHunks, parseGitDiff, type FileDiff } from './git-diff.ts';
import type { Git } from './git-run.ts';
import { ObjectReader, treeEntries } from './object-reader.ts';
import type { PatchToApply } from '../ports/repository.ts';

/**
 * The applier's fast path: a series applied in memory and written as commits by one
 * `git fast-import`, with no worktree, no index and no file per patch — the commits `git am` would
 * make, for series that apply exactly where they say. Every file it changes must first be the very
 * blob the patch was made from and then become the very blob the patch made (both named on the
 * patch's `index` line), so a content it writes is one git itself wrote on the sender's machine.
 * Anything else — a patch made against other content, which `git am --3way` may still merge, a
 * binary change without its content, a mail or a repository setting it does not model — is declined
 * with the reason, and the applier has `git am` go on from there.
 */
export interface FastApplyRequest {
  /** The mirror's git directory, and a Git running there. */
  readonly gitDir: string;
  readonly git: Git;
  /** Where the series starts: a commit id or a ref. */
  readonly start: string;
  readonly patches: readonly PatchToApply[];
  /** The committer `git am` would use, before GIT_COMMITTER_NAME/EMAIL (which win, as in git). */
  readonly committer: { readonly name: string; readonly email: string };
  readonly reproducible: boolean;
  /** The ref fast-import writes the series to; the caller removes it once pushed. */
  readonly ref: string;
  /** What in the repository changes what git am makes (see amSettings), or null: read once for
   * all the fast path's attempts at one series. */
  readonly settings: Promise<string | null>;
  readonly env?: NodeJS.ProcessEnv;
}

/** How far the fast path went: the first `applied` patches are commits from `base` to `head`;
 * `declined` says why it stopped before the end (null when it did not), and `byPatch` whether that
 * is the next patch's own doing (the ones after it may still be taken) or holds for the whole
 * series (a repository setting, a hook). A series it declines from its first patch on has neither
 * base nor head. */
export interface FastApplyOutcome {
  readonly applied: number;
  readonly base: string | null;
  readonly head: string | null;
  readonly declined: string | null;
  readonly byPatch: boolean;
}

interface Planned {
  readonly commit: AmCommit;
  readonly files: readonly FileDiff[];
  readonly trailers: readonly string[];
}

export async function fastApply(req: FastApplyRequest): Promise<FastApplyOutcome> {
  const env = req.env ?? process.env;
  const none = (reason: string, byPatch = false) => ({
    applied: 0,
    base: null,
    head: null,
    declined: reason,
    byPatch,
  });
  const committer = committerOf(req, env);
  if (typeof committer === 'string') return none(committer);
  // The series up to its first patch the fast path cannot take: those become commits here, and
  // git am goes on from the last of them.
  let declined: string | null = null;
  const planned: Planned[] = [];
  for (const patch of req.patches) {
    const plan = planOf(patch);
    if (typeof plan === 'string') {
      declined = `patch ${patch.part}: ${plan}`;
      break;
    }
    planned.push(plan);
  }
  if (planned.length === 0) return none(declined ?? 'no patches', true);

  const reader = new ObjectReader(req.gitDir, env);
  try {
    const [settings, base] = await Promise.all([req.settings, readBase(reader, req.start, planned)]);
    if (settings) return none(settings);
    if (typeof base === 'string') return none(base);
    const changes: Change[][] = [];
    const tree = new TreeView(base);
    for (const [i, plan] of planned.entries()) {
      const change = applyFiles(tree, plan.files);
      if (typeof change === 'string') {
        declined = `patch ${req.patches[i]?.part ?? i + 1}: ${change}`;
        break;
      }
      changes.push(change);
    }
    const taken = planned.slice(0, changes.length);
    if (taken.length === 0) return { ...none(declined ?? '', true), base: base.commit };
    const messages = await Promise.all(taken.map((p) => withTrailers(req.git, p.commit.message, p.trailers)));
    const stream = importStream(req.ref, base.commit, taken, messages, changes, (author) =>
      req.reproducible ? { ...committer, date: author.date } : committer,
    );
    const out = await req.git.raw(['fast-import', '--quiet', '--done', '--date-format=raw'], stream);
    const head = out.trim().split('\n').at(-1) ?? '';
    if (!/^[0-9a-f]{40,64}$/.test(head)) throw new Error(`git fast-import gave no commit id: ${out}`);
    return { applied: taken.length, base: base.commit, head, declined, byPatch: declined !== null };
  } finally {
    reader.close();
  }
}

/** A patch's commit and diffs, or why the fast path cannot read them as git would. */
function planOf(patch: PatchToApply): Planned | string {
  const commit = amCommit(patch.raw);
  if ('unsupported' in commit) return commit.unsupported;
  const diff = parseGitDiff(commit.patch);
  if ('unsupported' in diff) return diff.unsupported;
  return { commit, files: diff.files, trailers: patch.trailers };
}

/** The committer as git works it out: GIT_COMMITTER_* over the configured identity, the date from
 * GIT_COMMITTER_DATE or now. A string says why the fast path cannot be sure of it. */
function committerOf(req: FastApplyRequest, env: NodeJS.ProcessEnv): Ident | string {
  const name = env.GIT_COMMITTER_NAME ?? req.committer.name;
  const email = env.GIT_COMMITTER_EMAIL ?? req.committer.email;
  if (!plainIdent(name) || !plainIdent(email)) return `a committer git would clean up: ${name} <${email}>`;
  const now = new Date();
  const date = env.GIT_COMMITTER_DATE
    ? gitDate(env.GIT_COMMITTER_DATE)
    : `${Math.floor(now.getTime() / 1000)} ${localZone(now)}`;
  if (!date) return `a GIT_COMMITTER_DATE git might read otherwise: ${env.GIT_COMMITTER_DATE ?? ''}`;
  return { name, email, date };
}

const HOOKS = [
  'applypatch-msg',
  'pre-applypatch',
  'post-applypatch',
  'pre-commit',
  'prepare-commit-msg',
  'commit-msg',
  'post-commit',
  'post-rewrite',
];

/** Settings that change what `git am` (or the `git commit --amend` folding trailers in) makes:
 * with any of them, or a hook that would run, git does the work. */
const CHANGES_AM: Readonly<Record<string, (value: string) => boolean>> = {
  'am.keepcr': isTrue,
  'am.messageid': isTrue,
  'mailinfo.scissors': isTrue,
  'apply.whitespace': (v) => !['warn', 'nowarn', ''].includes(v.toLowerCase()),
  'apply.ignorewhitespace': (v) => !['false', 'no', 'off', '0', ''].includes(v.toLowerCase()),
  'commit.gpgsign': isTrue,
  'commit.cleanup': () => true,
  'i18n.commitencoding': (v) => !/^utf-?8$/i.test(v),
  // These win over the user.name and user.email patchferry passes git.
  'committer.name': () => true,
  'committer.email': () => true,
};

function isTrue(value: string): boolean {
  return !['false', 'no', 'off', '0'].includes(value.toLowerCase());
}

export async function amSettings(gitDir: string, git: Git): Promise<string | null> {
  const found = await git
    .raw(['config', '--get-regexp', '^(am|apply|mailinfo|commit|committer|i18n)\\.|^core\\.hookspath$'])
    .catch(() => ''); // nothing set: git config says so with exit code 1
  let hooksDir = join(gitDir, 'hooks');
  for (const line of found.split('\n').filter(Boolean)) {
    const [key = '', value = ''] = line.split(/ (.*)/);
    if (key === 'core.hookspath') hooksDir = resolve(gitDir, value);
    else if (CHANGES_AM[key]?.(value)) return `git setting ${key}=${value}`;
  }
  for (const hook of HOOKS) {
    const ok = await access(join(hooksDir, hook), constants.X_OK).then(
      () => true,
      () => false,
    );
    if (ok) return `the ${hook} hook`;
  }
  return null;
}

interface BaseTree {
  readonly commit: string;
  /** Files of the directories the series touches: path → mode and blob id, with contents read. */
  readonly files: ReadonlyMap<string, { mode: string; id: string; content: string | null }>;
  /** Directories among them that exist. */
  readonly dirs: ReadonlySet<string>;
}

/** The start commit, the trees on the way to every path the series names and the blobs it changes,
 * in three rounds of one `git cat-file`. */
async function readBase(
  reader: ObjectReader,
  start: string,
  planned: readonly Planned[],
): Promise<BaseTree | string> {
  const [commit] = await reader.read([`${start}^{commit}`]);
  if (!commit) return `${start} is not a commit`;
  const treeId = /^tree ([0-9a-f]+)$/m.exec(commit.content.toString('latin1'))?.[1];
  if (!treeId) return `commit ${commit.id} has no tree`;

  const paths = new Set<string>();
  const olds = new Set<string>();
  for (const { files } of planned) {
    for (const f of files) {
      for (const p of [f.oldPath, f.newPath]) if (p !== null) paths.add(p);
      if (f.oldPath !== null) olds.add(f.oldPath);
    }
  }
  const dirs = new Set<string>(['']);
  for (const path of paths) {
    const parts = path.split('/');
    for (let k = 1; k < parts.length; k++) dirs.add(parts.slice(0, k).join('/'));
  }
  const dirList = [...dirs];
  const trees = await reader.read(dirList.map((d) => (d === '' ? treeId : `${treeId}:${d}`)));
  const files = new Map<string, { mode: string; id: string; content: string | null }>();
  const found = new Set<string>();
  for (const [k, tree] of trees.entries()) {
    if (!tree || tree.type !== 'tree') continue;
    const dir = dirList[k] ?? '';
    found.add(dir);
    for (const [name, entry] of treeEntries(tree.content, commit.id.length / 2)) {
      const path = dir === '' ? name : `${dir}/${name}`;
      if (entry.mode === '040000') found.add(path);
      else files.set(path, { ...entry, content: null });
    }
  }
  const wanted = [...olds].flatMap((p) => {
    const file = files.get(p);
    return file && file.mode !== '160000' ? [p] : [];
  });
  const blobs = await reader.read(wanted.map((p) => files.get(p)?.id ?? ''));
  for (const [k, blob] of blobs.entries()) {
    const file = files.get(wanted[k] ?? '');
    if (file && blob) files.set(wanted[k] ?? '', { ...file, content: blob.content.toString('latin1') });
  }
  return { commit: commit.id, files, dirs: found };
}

interface Entry {
  readonly mode: string;
  readonly content: string;
  readonly id: string;
}

type Change =
  | { readonly op: 'M'; readonly path: string; readonly entry: Entry }
  | { readonly op: 'D'; readonly path: string };

/** The base tree with the series' changes so far laid over it. */
class TreeView {
  readonly #base: BaseTree;
  readonly #over = new Map<string, Entry | null>();

  constructor(base: BaseTree) {
    this.#base = base;
  }

  file(path: string): Entry | 'other' | null {
    if (this.#over.has(path)) return this.#over.get(path) ?? null;
    const f = this.#base.files.get(path);
    if (!f) return this.#base.dirs.has(path) ? 'other' : null;
    // A submodule is a commit id, which git's diffs show as one line of text.
    if (f.mode === GITLINK) return { mode: f.mode, content: gitlinkText(f.id), id: f.id };
    if (f.content === null || !['100644', '100755', '120000'].includes(f.mode)) return 'other';
    return { mode: f.mode, content: f.content, id: f.id };
  }

  /** Whether a new file can go at `path`: nothing there, no file where its directories go. */
  free(path: string): boolean {
    if (this.file(path) !== null || this.#base.dirs.has(path)) return false;
    if ([...this.#over.keys()].some((p) => p.startsWith(`${path}/`) && this.#over.get(p))) return false;
    const parts = path.split('/');
    for (let k = 1; k < parts.length; k++) {
      const dir = parts.slice(0, k).join('/');
      const there = this.#over.has(dir) ? this.#over.get(dir) : this.#base.files.get(dir);
      if (there) return false;
    }
    return true;
  }

  set(path: string, entry: Entry | null): void {
    this.#over.set(path, entry);
  }
}

/** One patch's files applied to the tree view; a string says why not. */
function applyFiles(tree: TreeView, files: readonly FileDiff[]): Change[] | string {
  const changes: Change[] = [];
  for (const f of files) {
    const name = f.newPath ?? f.oldPath ?? '';
    let before: Entry | null = null;
    if (f.oldPath !== null) {
      const found = tree.file(f.oldPath);
      if (found === null) return `${f.oldPath} does not exist`;
      if (found === 'other') return `${f.oldPath} is not a plain file here`;
      before = found;
      if (f.oldId !== null && !before.id.startsWith(f.oldId)) {
        return `${f.oldPath} is not the version the patch was made from`;
      }
      if (f.oldMode !== null && f.oldMode !== before.mode) return `${f.oldPath} has mode ${before.mode}`;
    } else if (f.oldId !== null && !/^0+$/.test(f.oldId)) {
      return `new file ${name} with a preimage`;
    }
    if (f.newPath !== null && f.newPath !== f.oldPath && !tree.free(f.newPath)) {
      return `${f.newPath} is already there`;
    }
    const content = f.binary
      ? applyBinary(Buffer.from(before?.content ?? '', 'latin1'), f.binary)?.toString('latin1')
      : f.hunks.length > 0
        ? applyHunks(before?.content ?? '', f.hunks)
        : (before?.content ?? '');
    if (content === null || content === undefined) return `a hunk of ${name} does not apply where it says`;
    if (f.newPath === null) {
      if (content !== '') return `deleting ${name} leaves content behind`;
      tree.set(f.oldPath ?? '', null);
      changes.push({ op: 'D', path: f.oldPath ?? '' });
      continue;
    }
    const mode = f.newMode ?? before?.mode ?? '100644';
    const id =
      mode === GITLINK
        ? /^Subproject commit ([0-9a-f]{40,64})\n$/.exec(content)?.[1]
        : blobId(content, before?.id.length ?? 40);
    if (!id) return `submodule ${name} without a commit`;
    if (f.newId !== null && !id.startsWith(f.newId))
      return `${name} did not come out as the patch's ${f.newId}`;
    const entry = { mode, content, id };
    if (f.oldPath !== null && f.oldPath !== f.newPath && !f.copy) {
      tree.set(f.oldPath, null);
      changes.push({ op: 'D', path: f.oldPath });
    }
    tree.set(f.newPath, entry);
    changes.push({ op: 'M', path: f.newPath, entry });
  }
  return changes;
}

const GITLINK = '160000';

function gitlinkText(commit: string): string {
  return `Subproject commit ${commit}\n`;
}

function blobId(content: string, hexLength: number): string {
  const bytes = Buffer.from(content, 'latin1');
  return createHash(hexLength === 64 ? 'sha256' : 'sha1')
    .update(`blob ${bytes.length}\0`)
    .update(bytes)
    .digest('hex');
}

/** The message with trailers folded in as `git commit --amend --no-edit --trailer …` does it:
 * `git interpret-trailers`, then the whitespace clean-up. */
async function withTrailers(git: Git, message: string, trailers: readonly string[]): Promise<string> {
  if (trailers.length === 0) return message;
  const out = await git.raw(['interpret-trailers', ...trailers.flatMap((t) => ['--trailer', t])], message);
  return stripSpace(out);
}

/** The fast-import stream: one commit per patch on `ref`, starting at `base`, and the last
 * commit's id asked for at the end. */
function importStream(
  ref: string,
  base: string,
  planned: readonly Planned[],
  messages: readonly string[],
  changes: readonly Change[][],
  committerFor: (author: Ident) => Ident,
): Buffer {
  const parts: Buffer[] = [];
  const text = (s: string) => parts.push(Buffer.from(s, 'utf8'));
  const data = (bytes: Buffer) => {
    text(`data ${bytes.length}\n`);
    parts.push(bytes);
    text('\n');
  };
  for (const [k, plan] of planned.entries()) {
    const { author } = plan.commit;
    const committer = committerFor(author);
    text(`commit ${ref}\nmark :${k + 1}\n`);
    text(`author ${author.name} <${author.email}> ${author.date}\n`);
    text(`committer ${committer.name} <${committer.email}> ${committer.date}\n`);
    data(Buffer.from(messages[k] ?? '', 'utf8'));
    if (k === 0) text(`from ${base}\n`);
    for (const change of changes[k] ?? []) {
      if (change.op === 'D') text(`D ${change.path}\n`);
      else if (change.entry.mode === GITLINK) text(`M ${GITLINK} ${change.entry.id} ${change.path}\n`);
      else {
        text(`M ${change.entry.mode} inline ${change.path}\n`);
        data(Buffer.from(change.entry.content, 'latin1'));
      }
    }
    text('\n');
  }
  text(`get-mark :${planned.length}\ndone\n`);
  return Buffer.concat(parts);
}
