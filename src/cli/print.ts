import type {
  BuildSummary,
  CheckOutcome,
  Deferred,
  JobSummary,
  PublishSummary,
  ReportSummary,
  SyncSummary,
  UnitProblem,
} from '../runtime/index.ts';

/** Human-readable lines for each stage's outcome; logs (JSON) go to stderr separately. */
export function printSync(s: SyncSummary, out: (line: string) => void): void {
  // Series given up on (a missing branch) are counted, not only listed below as GAVE UP.
  const gaveUp = s.units.filter((u) => u.kind === 'series' && !u.retryAt).length;
  out(
    `sync: ${s.newMails} new mail(s); ${s.applied.length} series applied,${s.already.length > 0 ? ` ${s.already.length} applied before,` : ''}${s.proposed.length > 0 ? ` ${s.proposed.length} proposed,` : ''} ${s.failed.length} failed,${gaveUp > 0 ? ` ${gaveUp} given up,` : ''}${s.failedBefore?.length ? ` ${s.failedBefore.length} failed before,` : ''} ${s.incomplete.length} incomplete,${s.held.length > 0 ? ` ${s.held.length} held,` : ''} ${s.rejected.length} rejected, ${s.ignored} not patches`,
  );
  for (const a of s.applied)
    out(`  applied   ${a.project}/${a.branch} ${a.head.slice(0, 12)}  <${a.series}>`);
  for (const a of s.already)
    out(`  applied before: on ${a.project}/${a.branch} up to ${a.head.slice(0, 12)}  <${a.series}>`);
  for (const f of s.failed)
    out(`  FAILED    ${f.project}/${f.branch} patch ${f.part}: ${f.reason}  <${f.series}>`);
  for (const f of s.failedBefore ?? [])
    out(
      `  failed before (an earlier job reported it): ${f.project}/${f.branch} patch ${f.part}: ${f.reason}  <${f.series}>`,
    );
  for (const i of s.incomplete) out(`  waiting   ${i.have}/${i.total} parts  <${i.series}>`);
  for (const i of s.expired)
    out(`  gave up   ${i.have}/${i.total} parts after the grace period  <${i.series}>`);
  for (const r of s.rejected)
    out(`  rejected  "${r.subject}": ${r.reason}${r.silent ? ` (not answered: ${r.silent})` : ''}`);
  for (const h of s.held) out(`  HELD      ${h.project} from ${h.sender}: ${h.reason}  <${h.series}>`);
  for (const q of s.quarantined) out(`  quarantined <${q.messageId}>: ${q.reason}`);
  for (const d of s.duplicates)
    out(
      `  duplicate <${d.messageId}>: another mail under this Message-ID (sha256 ${d.other.slice(0, 16)}…, first ${d.first.slice(0, 16)}…), not read`,
    );
  for (const r of s.resends) out(`  resend    same changes as <${r.of}>, already applied  <${r.series}>`);
  for (const id of s.superseded) out(`  skipped   a newer version came in the same batch  <${id}>`);
  for (const r of s.refused)
    out(
      `  not linked: its ${r.via} points at <${r.other}>, a series of another sender (${r.sender}), left as it is  <${r.series}>`,
    );
  for (const p of s.proposed)
    out(`  ${p.action.padEnd(9)} ${p.project}/${p.branch} from ${p.sourceBranch}: ${p.url}  <${p.series}>`);
  for (const m of s.merged) out(`  merged    ${m.url} as ${m.commit.slice(0, 12)}  <${m.series}>`);
  for (const u of s.unchecked) out(`  UNCHECKED ${u.url}: ${u.error} (asked again next time)`);
  printUnits(s.units, out);
  printDeferred(s.deferred, out);
}

export function printBuild(b: BuildSummary, out: (line: string) => void): void {
  out(
    `build: ${b.builds.filter((x) => x.ok).length} succeeded, ${b.builds.filter((x) => !x.ok).length} failed`,
  );
  for (const x of b.builds) {
    const what = `${x.project}/${x.branch} ${x.platform} ${x.commit.slice(0, 12)}`;
    out(
      x.ok
        ? `  built     ${what}${x.reused ? ' (already built)' : ''}: ${x.rpms.length} RPM(s)`
        : `  FAILED    ${what}: ${x.error ?? ''}${x.logPath ? ` (log: ${x.logPath})` : ''}`,
    );
  }
  for (const x of b.skipped)
    out(
      `  SKIPPED   ${x.project}/${x.branch}: ${x.error} (${x.lasting ? 'not built until this is fixed' : 'built by the next run'})`,
    );
  printUnits(b.units, out);
  printDeferred(b.deferred, out);
}

export function printPublish(p: PublishSummary, out: (line: string) => void): void {
  out(`publish: ${p.published.length} repositor(ies) updated, ${p.failed.length} failed`);
  for (const x of p.published) out(`  published ${x.project}/${x.branch} ${x.platform}: ${x.url}`);
  for (const x of p.checked ?? []) out(`  ${checkedLine(x)}`);
  printUnits(p.units, out);
  printDeferred(p.deferred, out);
}

/** One tested build: promoted, or why it stays in testing. */
function checkedLine(x: CheckOutcome): string {
  const at = `${x.project}/${x.branch} ${x.platform} (build ${x.buildId})`;
  if (x.state === 'passed')
    return `tested ${at}: checks passed${x.stableUrl ? `, promoted to ${x.stableUrl}` : ''}`;
  if (x.state === 'failed')
    return `TESTED ${at}: check "${x.failed ?? '?'}" FAILED; stays in testing: ${x.testingUrl}`;
  if (x.state === 'not-installed') return `TESTED ${at}: did not install; stays in testing: ${x.testingUrl}`;
  return `not tested ${at}: this machine cannot run its packages`;
}

export function printReport(r: ReportSummary, out: (line: string) => void, withBodies = true): void {
  out(`report: ${r.sent.length} sent, ${r.failed.length} failed`);
  for (const x of r.sent) {
    // Mail has recipients; a note or status for the forge says where it went in its subject.
    out(x.to.length > 0 ? `  --- to ${x.to.join(', ')}: ${x.subject}` : `  --- ${x.subject}`);
    if (withBodies) for (const line of x.body.trimEnd().split('\n')) out(`  | ${line}`);
  }
  printUnits(r.units, out);
  printDeferred(r.deferred, out);
}

/** A daemon round: only the stages that did something. */
export function printJob(job: JobSummary, out: (line: string) => void): void {
  const s = job.sync;
  if (s.newMails > 0 || s.applied.length + s.failed.length + s.proposed.length + s.merged.length > 0)
    printSync(s, out);
  if (job.build.builds.length > 0 || job.build.units.length > 0) printBuild(job.build, out);
  if (
    job.publish.published.length > 0 ||
    job.publish.failed.length > 0 ||
    (job.publish.checked?.length ?? 0) > 0
  )
    printPublish(job.publish, out);
  if (job.report.sent.length > 0 || job.report.failed.length > 0) printReport(job.report, out);
}

/** Units that failed: when they are tried again, or that they are not. */
function printUnits(units: readonly UnitProblem[], out: (line: string) => void): void {
  // Units given up on for one cause (every series of a branch the repository lacks: the same
  // code and words) are one line, not one each: the cause is said once.
  const gaveUp = new Map<string, UnitProblem[]>();
  for (const u of units) {
    if (u.retryAt) {
      out(`  RETRY     ${u.key} at ${u.retryAt}: ${lines(u.error)}`);
      continue;
    }
    const cause = JSON.stringify([u.code, u.error]);
    const same = gaveUp.get(cause);
    if (same) same.push(u);
    else gaveUp.set(cause, [u]);
  }
  for (const [first, ...others] of gaveUp.values()) {
    if (!first) continue;
    const more = others.length > 0 ? ` and ${others.length} more unit(s) of this cause` : '';
    out(`  GAVE UP   ${first.key}${more} (${first.code}): ${lines(first.error)}`);
  }
}

/** Units that failed in an earlier run and wait for a retry this run did not reach yet. */
function printDeferred(d: Deferred | null | undefined, out: (line: string) => void): void {
  if (!d) return;
  out(
    `  WAITING   ${d.count} unit(s) failed before and wait for their retry, the next at ${d.next} (${d.first.key}: ${lines(d.first.error)})`,
  );
}

/** A unit's error on its RETRY, WAITING or GAVE UP line: one line, so that the line reads as one
 * and `grep RETRY` finds the cause, a tool's lines (ssh ends them with CR LF) joined by " | ". */
function lines(message: string): string {
  return message
    .split(/\r\n?|\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(' | ');
}
