import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnfAvailable } from '../helpers/dnf.ts';
import { dovecotAvailable } from '../helpers/dovecot.ts';
import { httpdAvailable } from '../helpers/httpd.ts';
import { opensmtpdAvailable } from '../helpers/opensmtpd.ts';
import { rpmToolsAvailable } from '../helpers/rpm.ts';
import { startE2eWorld, type E2eWorld } from './world.ts';

const what = 'the end-to-end run on Koji, signed';

function signingToolsAvailable(): boolean {
  const missing = ['gpg', 'rpmsign', 'gpgconf'].filter(
    (t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0,
  );
  if (missing.length === 0) return true;
  if (process.env.CI === 'true') throw new Error(`${what} cannot run: ${missing.join(', ')} missing`);
  console.warn(`${what} skipped: ${missing.join(', ')} missing`);
  return false;
}

const available =
  dovecotAvailable() &&
  opensmtpdAvailable() &&
  rpmToolsAvailable(what) &&
  httpdAvailable(what) &&
  dnfAvailable(what) &&
  signingToolsAvailable();

let world: E2eWorld | undefined;
beforeAll(async () => {
  if (available) world = await startE2eWorld({ koji: true, signed: true });
}, 60_000);
afterAll(async () => {
  await world?.stop();
}, 30_000);

describe.skipIf(!available)('end to end, built on the Koji test hub, published signed', () => {
  it('carries a mailed series through Koji to a signed repository dnf installs from with gpgcheck=1, and reports it', async () => {
    if (!world) throw new Error('world not started');
    const run = await world.run('koji');

    // Built by Koji (the hub rebuilt the uploaded SRPM), collected, published signed, and installed
    // by dnf only after checking each package's signature against the key the .repo file names.
    expect(run.rpms).toContainEqual(
      expect.stringMatching(/^greeter-0\.1-1\.\d+\.\d{8}git[0-9a-f]+\.el9\.noarch\.rpm$/),
    );
    expect(run.installedGreeter).toContain('echo hello from koji');
    const served = readdirSync(join(world.dir, 'repos', 'hello', 'master', 'el9'), {
      recursive: true,
      encoding: 'utf8',
    }).filter((f) => f.endsWith('.noarch.rpm'));
    expect(served).toHaveLength(1);
    const signature = spawnSync(
      'rpm',
      [
        '-qp',
        '--qf',
        '%{RSAHEADER:pgpsig}|%{DSAHEADER:pgpsig}',
        join(world.dir, 'repos', 'hello', 'master', 'el9', served[0] ?? ''),
      ],
      { encoding: 'utf8' },
    ).stdout;
    expect(signature).toMatch(/Key ID [0-9a-f]{16}/i); // (none) for an unsigned package
    const key = await fetch(new URL('/RPM-GPG-KEY-patchferry', run.repoUrl));
    expect(key.status).toBe(200);
    expect(await key.text()).toContain('BEGIN PGP PUBLIC KEY BLOCK');

    // The list report and the status note say the same: the merged commit built on el9.
    const merged = run.master.slice(0, 12);
    expect(run.report.text).toContain(merged);
    expect(run.report.text).toContain(run.repoUrl);
    expect(run.statusNote).toContain(`merged into \`master\` as ${merged}`);
    expect(run.statusNote).toContain('- [x] published');
    expect(
      world
        .log()
        .split('\n')
        .filter((l) => l.includes('"unit dead"')),
    ).toEqual([]);
  }, 120_000);
});
