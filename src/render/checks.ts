/** What the reports say of the test stage (projects.<p>.tests). Pure. */

/** One check's result as the reports show it. */
export interface CheckLine {
  readonly name: string;
  readonly passed: boolean;
  /** "exit 3", "timed out after 30 s"; null when it passed. */
  readonly failure: string | null;
  /** The last lines of its output. */
  readonly tail: string;
}

/** A build's test stage: its checks ran (`passed`, `failed`), or the build did not install into the
 * root (`not-installed`, `tail` is dnf's), or this machine cannot run it (`not-run`, `tail` says why). */
export interface CheckFacts {
  readonly state: 'passed' | 'failed' | 'not-installed' | 'not-run';
  /** The testing repository the build was installed from: where a build whose checks failed stays,
   * and what a maintainer installs from to see why. */
  readonly testingUrl: string;
  /** The stable repository the build was promoted to; null while it is not (or will not be). */
  readonly stableUrl: string | null;
  readonly results: readonly CheckLine[];
  readonly tail: string | null;
}

/** Whether the test stage found the build wanting (a build it could not run counts as neither). */
export function checksFailed(c: CheckFacts | null | undefined): boolean {
  return c?.state === 'failed' || c?.state === 'not-installed';
}

/** The list report's lines for a build's test stage, indented under the build. */
export function checkLines(c: CheckFacts): string[] {
  if (c.state === 'not-run') return [`  tests not run: ${c.tail ?? 'this machine cannot run them'}`];
  if (c.state === 'not-installed')
    return [
      '  tests: the build did not install from the testing repository into a fresh root; dnf said:',
      ...indent(c.tail ?? '', '    '),
      `  It stays in testing: ${c.testingUrl}`,
    ];
  const failed = c.results.find((r) => !r.passed);
  return [
    `  tests, installed from the testing repository ${c.testingUrl} into a fresh root:`,
    ...c.results.flatMap((r) =>
      r.passed
        ? [`    passed: ${r.name}`]
        : [
            `    FAILED: ${r.name} (${r.failure ?? 'failed'})${r.tail ? ', its output ends:' : ''}`,
            ...(r.tail ? indent(r.tail, '      ') : []),
          ],
    ),
    failed
      ? `  It stays in testing (check "${failed.name}" failed): ${c.testingUrl}`
      : c.stableUrl
        ? `  promoted to stable: ${c.stableUrl}`
        : '  (not promoted to stable yet)',
  ];
}

/** The status note's Markdown for the test stage of each build that has one: a line per check,
 * the end of a failed check's output folded away. */
export function checkNote(builds: readonly { platform: string; checks?: CheckFacts | null }[]): string[] {
  const tested = builds.filter((b) => b.checks);
  if (tested.length === 0) return [];
  const lines = ['', '**Tests** (the build installed from the testing repository into a fresh root):', ''];
  for (const { platform, checks } of tested) {
    const c = checks as CheckFacts;
    if (c.state === 'not-run') lines.push(`- ${platform}: not run: ${escape(c.tail ?? '')}`);
    else if (c.state === 'not-installed') lines.push(`- [ ] ${platform}: **did not install**`);
    for (const r of c.results)
      lines.push(
        `- [${r.passed ? 'x' : ' '}] ${platform}: ${escape(r.name)} ${r.passed ? 'passed' : `**failed** (${escape(r.failure ?? 'failed')})`}`,
      );
    if (c.stableUrl) lines.push(`- ${platform}: promoted to stable: ${c.stableUrl}`);
    else if (checksFailed(c)) lines.push(`- ${platform}: stays in testing: ${c.testingUrl}`);
    const tails = [
      ...(c.state === 'not-installed' && c.tail
        ? [{ what: `what dnf said on ${platform}`, tail: c.tail }]
        : []),
      ...c.results
        .filter((r) => !r.passed && r.tail)
        .map((r) => ({ what: `the end of ${r.name}'s output on ${platform}`, tail: r.tail })),
    ];
    for (const t of tails)
      lines.push(
        '',
        `<details><summary>${escape(t.what)}</summary>`,
        '',
        '```',
        t.tail.trimEnd().replaceAll('```', "'''"),
        '```',
        '</details>',
        '',
      );
  }
  return lines;
}

function indent(text: string, prefix: string): string[] {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => `${prefix}${l}`);
}

function escape(text: string): string {
  return text.replace(/([\\`*_[\]<>])/g, '\\$1');
}
