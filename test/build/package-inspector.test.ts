import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RpmPackageInspector } from '../../src/build/package-inspector.ts';
import { buildNoarch } from '../helpers/rpm.ts';
import { tempDir } from '../helpers/tmp.ts';

describe('reading what an RPM is from its header', () => {
  it('gives the name and Epoch of each file, in order', async () => {
    const dir = tempDir();
    const [a, b] = await Promise.all([
      buildNoarch(join(dir, 'a'), { name: 'greeter' }),
      buildNoarch(join(dir, 'b'), { name: 'hello-tools' }),
    ]);
    expect(await new RpmPackageInspector().identities([b as string, a as string])).toEqual([
      { name: 'hello-tools', epoch: 0 },
      { name: 'greeter', epoch: 0 },
    ]);
  });

  it('refuses a file that is not an RPM', async () => {
    const fake = join(tempDir(), 'bash-5.0-1.x86_64.rpm');
    writeFileSync(fake, 'not an rpm');
    await expect(new RpmPackageInspector().identities([fake])).rejects.toMatchObject({ code: 'rpm_failed' });
  });
});
