import { inflateSync } from 'node:zlib';

/**
 * The diffs of a patch as `git apply` reads them, and their hunks applied to a file's content, for
 * the in-memory fast path of the applier. Only what that path can apply exactly is accepted: any
 * other shape (binary patches, quoted or prefix-less names, submodules) is reported as unsupported,
 * and `git am` handles the series. Contents are Latin-1 strings, one character per byte, so every
 * byte of a file goes through unchanged. Pure.
 */

export interface HunkLine {
  readonly op: ' ' | '-' | '+';
  readonly text: string;
  /** False for a last line without a newline ("\ No newline at end of file"). */
  readonly eol: boolean;
}

export interface Hunk {
  readonly oldStart: number;
  readonly oldCount: number;
  readonly lines: readonly HunkLine[];
}

/** A `GIT binary patch`: the new content whole (literal) or as a git delta against the old, both
 * deflated, as git writes them in base85. */
export interface BinaryPatch {
  readonly kind: 'literal' | 'delta';
  readonly size: number;
  readonly deflated: Buffer;
}

export interface FileDiff {
  /** null for a new file. */
  readonly oldPath: string | null;
  /** null for a deleted file. */
  readonly newPath: string | null;
  /** Set for renames and copies (oldPath is the source). */
  readonly copy: boolean;
  readonly oldMode: string | null;
  readonly newMode: string | null;
  /** The abbreviated blob ids of the `index` line: what the author's file was and became. */
  readonly oldId: string | null;
  readonly newId: string | null;
  readonly hunks: readonly Hunk[];
  readonly binary: BinaryPatch | null;
}

export type ParsedDiff = { readonly files: readonly FileDiff[] } | { readonly unsupported: string };

const MODES = new Set(['100644', '100755', '120000', '160000']);
const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** Reads every `diff --git` of a patch (the text after the commit message). */
export function parseGitDiff(patch: string): ParsedDiff {
  const lines = patch.split('\n');
  const files: FileDiff[] = [];
  let i = lines.findIndex((l) => l.startsWith('diff '));
  if (i < 0) return { unsupported: 'no diff' };
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (!line.startsWith('diff ')) {
      i++; // text between and after diffs (a signature) is not git's business either
      continue;
    }
    if (!line.startsWith('diff --git ')) return { unsupported: `not a git diff: ${line}` };
    const file = parseFile(lines, i);
    if ('unsupported' in file) return file;
    files.push(file.diff);
    i = file.next;
  }
  return { files };
}

function parseFile(
  lines: readonly string[],
  start: number,
): { diff: FileDiff; next: number } | { unsupported: string } {
  const header = (lines[start] ?? '').slice('diff --git '.length);
  const h = {
    oldMode: null as string | null,
    newMode: null as string | null,
    oldId: null as string | null,
    newId: null as string | null,
    from: null as string | null,
    to: null as string | null,
    minus: null as string | null,
    plus: null as string | null,
    isNew: false,
    isDeleted: false,
    copy: false,
  };
  let i = start + 1;
  for (; i < lines.length; i++) {
    const line = lines[i] ?? '';
    let m: RegExpExecArray | null;
    if (line.startsWith('@@ ') || line.startsWith('diff ')) break;
    if ((m = /^(old|new|deleted file|new file) mode (\d+)$/.exec(line))) {
      const which = m[1] === 'old' || m[1] === 'deleted file' ? 'oldMode' : 'newMode';
      h[which] = m[2] ?? null;
      if (m[1] === 'deleted file') h.isDeleted = true;
      if (m[1] === 'new file') h.isNew = true;
    } else if ((m = /^index ([0-9a-f]+)\.\.([0-9a-f]+)(?: (\d+))?$/.exec(line))) {
      h.oldId = m[1] ?? null;
      h.newId = m[2] ?? null;
      if (m[3]) {
        h.oldMode ??= m[3];
        h.newMode ??= m[3];
      }
    } else if ((m = /^(rename|copy) (from|to) (.*)$/.exec(line))) {
      if (m[1] === 'copy') h.copy = true;
      h[m[2] === 'from' ? 'from' : 'to'] = m[3] ?? null;
    } else if (/^(dis)?similarity index \d+%$/.test(line)) {
      // how alike the two files are: nothing to apply
    } else if (line.startsWith('--- ')) {
      h.minus = line.slice(4);
    } else if (line.startsWith('+++ ')) {
      h.plus = line.slice(4);
    } else if (line === 'GIT binary patch') {
      break;
    } else if (line.startsWith('Binary files ')) {
      return { unsupported: 'a binary change without its content (git diff without --binary)' };
    } else if (line === '' || line.startsWith('-- ')) {
      break; // the end of the mail: an empty file's diff has nothing more
    } else {
      return { unsupported: `unknown diff header line: ${line}` };
    }
  }

  const names = fileNames(header, h);
  if ('unsupported' in names) return names;
  for (const mode of [h.oldMode, h.newMode]) {
    if (mode !== null && !MODES.has(mode)) return { unsupported: `file mode ${mode}` };
  }
  if (h.oldMode !== null && h.newMode !== null && (h.oldMode === '160000') !== (h.newMode === '160000')) {
    return { unsupported: 'a file turned into a submodule or back' };
  }

  if (lines[i] === 'GIT binary patch') {
    const binary = parseBinary(lines, i + 1);
    if ('unsupported' in binary) return binary;
    return {
      diff: {
        ...names,
        copy: h.copy,
        oldMode: h.oldMode,
        newMode: h.newMode,
        oldId: h.oldId,
        newId: h.newId,
        hunks: [],
        binary: binary.patch,
      },
      next: binary.next,
    };
  }
  const hunks: Hunk[] = [];
  while ((lines[i] ?? '').startsWith('@@ ')) {
    const hunk = parseHunk(lines, i);
    if ('unsupported' in hunk) return hunk;
    hunks.push(hunk.hunk);
    i = hunk.next;
  }
  return {
    diff: {
      oldPath: names.oldPath,
      newPath: names.newPath,
      copy: h.copy,
      oldMode: h.oldMode,
      newMode: h.newMode,
      oldId: h.oldId,
      newId: h.newId,
      hunks,
      binary: null,
    },
    next: i,
  };
}

function fileNames(
  header: string,
  h: {
    from: string | null;
    to: string | null;
    minus: string | null;
    plus: string | null;
    isNew: boolean;
    isDeleted: boolean;
  },
): { oldPath: string | null; newPath: string | null } | { unsupported: string } {
  if (header.startsWith('"') || [h.from, h.to, h.minus, h.plus].some((n) => n?.startsWith('"'))) {
    return { unsupported: 'quoted file name' };
  }
  // Names on the ---/+++ lines, a/ and b/ stripped (git adds a tab after a name with a space).
  const side = (name: string | null, prefix: string): string | null | undefined => {
    if (name === null) return undefined;
    const bare = name.replace(/\t$/, '');
    if (bare === '/dev/null') return null;
    return bare.startsWith(prefix) ? bare.slice(prefix.length) : undefined;
  };
  let oldPath: string | null | undefined;
  let newPath: string | null | undefined;
  if (h.from !== null || h.to !== null) {
    oldPath = h.from ?? undefined;
    newPath = h.to ?? undefined;
  } else if (h.minus !== null || h.plus !== null) {
    oldPath = side(h.minus, 'a/');
    newPath = side(h.plus, 'b/');
  } else {
    // No ---/+++ (a mode change, an empty file): the name both sides of "diff --git" share.
    const length = (header.length - 5) / 2;
    const name = header.slice(2, 2 + length);
    if (!Number.isInteger(length) || header !== `a/${name} b/${name}`) {
      return { unsupported: `cannot read the file name of: diff --git ${header}` };
    }
    oldPath = h.isNew ? null : name;
    newPath = h.isDeleted ? null : name;
  }
  if (oldPath === undefined || newPath === undefined) return { unsupported: `file names of ${header}` };
  if (h.isNew !== (oldPath === null) || h.isDeleted !== (newPath === null)) {
    return { unsupported: `new or deleted file without its header: ${header}` };
  }
  for (const path of [oldPath, newPath]) {
    if (path !== null && !safePath(path)) return { unsupported: `file name ${JSON.stringify(path)}` };
  }
  return { oldPath, newPath };
}

/** A relative path of printable ASCII without empty, `.`, `..` or `.git` parts (git refuses those;
 * other bytes git quotes unless told not to, and then only git should read them). */
function safePath(path: string): boolean {
  return (
    /^[\x20-\x7e]+$/.test(path) &&
    path
      .split('/')
      .every((part) => part !== '' && part !== '.' && part !== '..' && part.toLowerCase() !== '.git')
  );
}

const BASE85 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~';

/** The forward half of a `GIT binary patch` (the reverse half after it is skipped). */
function parseBinary(
  lines: readonly string[],
  start: number,
): { patch: BinaryPatch; next: number } | { unsupported: string } {
  const m = /^(literal|delta) (\d+)$/.exec(lines[start] ?? '');
  if (!m) return { unsupported: `binary patch header ${lines[start] ?? ''}` };
  const chunks: Buffer[] = [];
  let i = start + 1;
  for (; i < lines.length && lines[i] !== ''; i++) {
    const decoded = base85Line(lines[i] ?? '');
    if (!decoded) return { unsupported: 'a binary patch line that is not base85' };
    chunks.push(decoded);
  }
  // A blank line ends the forward half; git writes the reverse one after it, then another blank.
  i++;
  if (/^(literal|delta) \d+$/.test(lines[i] ?? '')) {
    while (i < lines.length && lines[i] !== '') i++;
    i++;
  }
  return {
    patch: {
      kind: m[1] === 'delta' ? 'delta' : 'literal',
      size: Number(m[2]),
      deflated: Buffer.concat(chunks),
    },
    next: i,
  };
}

/** One line of git's base85: a length character (A–Z 1–26, a–z 27–52), then groups of five. */
function base85Line(line: string): Buffer | null {
  const c = line.charCodeAt(0);
  const length = c >= 65 && c <= 90 ? c - 64 : c >= 97 && c <= 122 ? c - 96 + 26 : 0;
  const body = line.slice(1);
  if (length === 0 || body.length % 5 !== 0 || body.length / 5 < Math.ceil(length / 4)) return null;
  const out = Buffer.alloc((body.length / 5) * 4);
  for (let g = 0; g < body.length / 5; g++) {
    let value = 0;
    for (let k = 0; k < 5; k++) {
      const digit = BASE85.indexOf(body[g * 5 + k] ?? '');
      if (digit < 0) return null;
      value = value * 85 + digit;
    }
    if (value > 0xffffffff) return null;
    out.writeUInt32BE(value, g * 4);
  }
  return out.subarray(0, length);
}

/** The new content of a binary patch; null when it does not fit the old content. */
export function applyBinary(old: Buffer, patch: BinaryPatch): Buffer | null {
  let data: Buffer;
  try {
    data = inflateSync(patch.deflated);
  } catch {
    return null;
  }
  if (data.length !== patch.size) return null;
  return patch.kind === 'literal' ? data : applyDelta(old, data);
}

/** git's delta format: the sizes of source and result, then copy (from the source) and insert
 * instructions. */
function applyDelta(source: Buffer, delta: Buffer): Buffer | null {
  let at = 0;
  const size = (): number => {
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = delta[at++] ?? 0;
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80 && at < delta.length);
    return value;
  };
  if (size() !== source.length) return null;
  const out = Buffer.alloc(size());
  let written = 0;
  while (at < delta.length) {
    const cmd = delta[at++] ?? 0;
    if (cmd & 0x80) {
      let offset = 0;
      let length = 0;
      for (let bit = 0; bit < 4; bit++) if (cmd & (1 << bit)) offset += (delta[at++] ?? 0) * 2 ** (8 * bit);
      for (let bit = 0; bit < 3; bit++)
        if (cmd & (0x10 << bit)) length += (delta[at++] ?? 0) * 2 ** (8 * bit);
      if (length === 0) length = 0x10000;
      if (offset + length > source.length || written + length > out.length) return null;
      source.copy(out, written, offset, offset + length);
      written += length;
    } else if (cmd > 0) {
      if (at + cmd > delta.length || written + cmd > out.length) return null;
      delta.copy(out, written, at, at + cmd);
      at += cmd;
      written += cmd;
    } else {
      return null;
    }
  }
  return written === out.length ? out : null;
}

function parseHunk(
  lines: readonly string[],
  start: number,
): { hunk: Hunk; next: number } | { unsupported: string } {
  const m = HUNK_HEADER.exec(lines[start] ?? '');
  if (!m) return { unsupported: `hunk header ${lines[start] ?? ''}` };
  const oldStart = Number(m[1]);
  const oldCount = m[2] === undefined ? 1 : Number(m[2]);
  let oldLeft = oldCount;
  let newLeft = m[4] === undefined ? 1 : Number(m[4]);
  const out: HunkLine[] = [];
  let i = start + 1;
  while (oldLeft > 0 || newLeft > 0) {
    if (i >= lines.length) return { unsupported: 'hunk cut short' };
    const line = lines[i++] ?? '';
    // An empty line is an empty context line whose space a mailer ate, as git reads it.
    const op = line === '' ? ' ' : line[0];
    if (op === '\\') {
      const last = out.pop();
      if (!last) return { unsupported: 'stray "\\ No newline" line' };
      out.push({ ...last, eol: false });
      continue;
    }
    if (op !== ' ' && op !== '-' && op !== '+') return { unsupported: `hunk line ${line}` };
    if (op !== '+') oldLeft--;
    if (op !== '-') newLeft--;
    out.push({ op, text: line.slice(1), eol: true });
  }
  if (oldLeft < 0 || newLeft < 0) return { unsupported: 'hunk line counts do not add up' };
  if ((lines[i] ?? '').startsWith('\\')) {
    const last = out.pop();
    if (last) out.push({ ...last, eol: false });
    i++;
  }
  return { hunk: { oldStart, oldCount, lines: out }, next: i };
}

/**
 * The content after the hunks, each taken exactly where it says it goes; null when a hunk's lines
 * are not there. (git would also look a few lines away; the fast path leaves that search, and the
 * three-way merge after it, to `git am`.)
 */
export function applyHunks(content: string, hunks: readonly Hunk[]): string | null {
  const lines = splitLines(content);
  const out: Line[] = [];
  let cursor = 0;
  for (const hunk of hunks) {
    const before = hunk.lines.filter((l) => l.op !== '+');
    const after = hunk.lines.filter((l) => l.op !== '-');
    const at = hunk.oldCount === 0 ? hunk.oldStart : hunk.oldStart - 1;
    if (at < cursor || at + before.length > lines.length) return null;
    const matches = before.every((l, k) => {
      const have = lines[at + k];
      return have !== undefined && have.text === l.text && have.eol === l.eol;
    });
    if (!matches) return null;
    // A hunk that ends without context is the end of the file, and git holds it there.
    const trailing = hunk.lines.length - 1 - hunk.lines.findLastIndex((l) => l.op !== ' ');
    if (trailing === 0 && at + before.length !== lines.length) return null;
    append(out, lines, cursor, at);
    append(out, after, 0, after.length);
    cursor = at + before.length;
  }
  append(out, lines, cursor, lines.length);
  return out.map((l) => (l.eol ? `${l.text}\n` : l.text)).join('');
}

/** `out.push(...from.slice(start, end))` without the spread: a call's arguments live on the stack,
 * and a hunk of 200,000 lines would overflow it. */
function append<T>(out: T[], from: readonly T[], start: number, end: number): void {
  for (let i = start; i < end; i++) out.push(from[i] as T);
}

interface Line {
  readonly text: string;
  readonly eol: boolean;
}

function splitLines(content: string): Line[] {
  if (content === '') return [];
  const parts = content.split('\n');
  const last = parts.pop() ?? '';
  const lines: Line[] = parts.map((text) => ({ text, eol: true }));
  if (last !== '') lines.push({ text: last, eol: false });
  return lines;
}
