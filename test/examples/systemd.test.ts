import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.ts';

const ROOT = join(import.meta.dirname, '../..');
const UNIT = join(ROOT, 'examples/systemd/patchferry.service');
const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;

describe('the systemd unit in examples/', () => {
  it('is hardened: a dynamic user, a read-only system, its state directory, no new privileges', () => {
    const unit = readFileSync(UNIT, 'utf8');
    for (const line of [
      'DynamicUser=yes',
      'ProtectSystem=strict',
      'StateDirectory=patchferry',
      'NoNewPrivileges=yes',
    ])
      expect(unit.split('\n')).toContain(line);
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
  });

  // systemd's own check of every directive, with patchferry where the unit expects it (this clone).
  it.skipIf(!analyze && process.env.CI !== 'true')('passes systemd-analyze verify', () => {
    const dir = tempDir();
    const copy = join(dir, 'patchferry.service');
    writeFileSync(copy, readFileSync(UNIT, 'utf8').replaceAll('/opt/patchferry', ROOT));
    const run = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
    expect(run.error).toBeUndefined();
    expect(`${run.stdout}${run.stderr}`.trim()).toBe('');
    expect(run.status).toBe(0);
  });
});
