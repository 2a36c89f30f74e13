import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnfAvailable } from '../helpers/dnf.ts';
import { dovecotAvailable } from '../helpers/dovecot.ts';
import { httpdAvailable } from '../helpers/httpd.ts';
import { opensmtpdAvailable } from '../helpers/opensmtpd.ts';
import { rpmToolsAvailable } from '../helpers/rpm.ts';
import { startE2eWorld, type E2eWorld } from './world.ts';

const what = 'the end-to-end run';
const available =
  dovecotAvailable() &&
  opensmtpdAvailable() &&
  rpmToolsAvailable(what) &&
  httpdAvailable(what) &&
  dnfAvailable(what);

let world: E2eWorld | undefined;
beforeAll(async () => {
  if (available) world = await startE2eWorld();
}, 60_000);
afterAll(async () => {
  await world?.stop();
}, 30_000);

describe.skipIf(!available)('end to end, local builder', () => {
  it('carries a mailed 3-patch series to a merge request, then after the merge to a dnf-installable package, a list report and a status note', async () => {
    if (!world) throw new Error('world not started');
    const run = await world.run('wave');

    // The list got the series as git send-email sent it, through OpenSMTPD and LMTP (which may
    // deliver the parts in any order: patchferry orders them by their numbers).
    expect([...run.subjects].sort()).toEqual([
      '[master PATCH hello 0/3] greeter: greet from wave',
      '[master PATCH hello 1/3] wave: note the first step',
      '[master PATCH hello 2/3] wave: note the second step',
      '[master PATCH hello 3/3] greeter: greet from wave',
    ]);
    // serve proposed it as a merge request with the three commits on the forge.
    const mr = world.gitlab.mergeRequests('virt/hello')[run.iid - 1];
    expect(mr).toMatchObject({
      target_branch: 'master',
      title: expect.stringContaining('greeter: greet from wave'),
    });

    // The merged master was built in the sandbox, published, served by Apache and installed by dnf.
    expect(run.rpms).toEqual([
      expect.stringMatching(/^greeter-0\.1-1\.\d+\.\d{8}git[0-9a-f]+\.el9\.noarch\.rpm$/),
      expect.stringMatching(/^greeter-0\.1-1\.\d+\.\d{8}git[0-9a-f]+(\.el9)?\.src\.rpm$/),
    ]);
    expect(run.repoUrl.startsWith('http://127.0.0.1:')).toBe(true);
    expect(run.installedGreeter).toContain('echo hello from wave');

    // The list's mailbox has the report, naming the package built and where to get it.
    const nvr = (run.rpms[0] ?? '').replace(/\.noarch\.rpm$/, '');
    expect(run.report.text).toContain(nvr);
    expect(run.report.text).toContain(run.repoUrl);
    expect(run.report.text).toContain(`${run.repoUrl.replace(/noarch\/$/, '')}hello-master-el9.repo`);
    // The merge request's status note carries the same facts: the merged commit built, the
    // target and arch, the repository and how to add it to dnf.
    const merged = run.master.slice(0, 12);
    expect(run.report.text).toContain(merged);
    expect(run.statusNote).toContain(`merged into \`master\` as ${merged}`);
    expect(run.statusNote).toMatch(/- \[x\] built: el9 \(noarch\) published/);
    expect(run.statusNote).toContain(`| el9 (noarch) | 2 RPMs | ${run.repoUrl} |`);
    expect(run.statusNote).toContain(`${run.repoUrl.replace(/noarch\/$/, '')}hello-master-el9.repo`);

    // Nothing was given up on along the way (every mail delivered, every unit of work done).
    expect(
      world
        .log()
        .split('\n')
        .filter((l) => l.includes('"unit dead"')),
    ).toEqual([]);

    // serve's /metrics counts it all: the four mails, the series pushed for review, its merge
    // request merged, one build of el9, its publication and the report mailed, nothing given up on.
    const metrics = parseMetrics(await world.metrics());
    expect(metrics.get('patchferry_mails_received_total')).toBeGreaterThanOrEqual(4);
    expect(metrics.get('patchferry_series_outcomes_total{outcome="pushed"}')).toBe(1);
    expect(metrics.get('patchferry_merge_requests{state="merged"}')).toBe(1);
    expect(metrics.get('patchferry_builds{target="el9",state="succeeded"}')).toBe(1);
    expect(metrics.get('patchferry_build_duration_seconds_count{target="el9",state="succeeded"}')).toBe(1);
    expect(metrics.get('patchferry_publish_duration_seconds_count{state="succeeded"}')).toBe(1);
    expect(metrics.get('patchferry_unit_runs_total{kind="mail",outcome="done"}')).toBeGreaterThanOrEqual(1);
    expect([...metrics.keys()].filter((k) => k.startsWith('patchferry_units_dead{'))).toEqual([]);
  }, 120_000);
});

/** Prometheus' text format as series (name with its labels, as written) → value. */
function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(\S+)$/.exec(line);
    if (m && !line.startsWith('#')) values.set(m[1] ?? '', Number(m[2]));
  }
  return values;
}
