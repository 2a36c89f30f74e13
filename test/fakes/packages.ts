import { basename } from 'node:path';
import type { PackageInspector } from '../../src/ports/package-inspector.ts';
import type { PackageIdentity } from '../../src/rpm/package-policy.ts';

/** Names each RPM from its file name (`name-version-release.arch.rpm`), as the fake builder makes
 * them; Epoch 0 unless the test sets one for a file; files in `gone` cannot be read. */
export class FakePackageInspector implements PackageInspector {
  readonly epochs = new Map<string, number>();
  readonly gone = new Set<string>();
  /** While set, the Epoch of every file not in `epochs`. */
  epoch = 0;

  identities(files: readonly string[]): Promise<PackageIdentity[]> {
    const missing = files.find((f) => this.gone.has(f));
    if (missing) return Promise.reject(new Error(`${missing}: No such file or directory`));
    return Promise.resolve(
      files.map((f) => ({
        name: basename(f)
          .replace(/\.rpm$/, '')
          .split('-')
          .slice(0, -2)
          .join('-'),
        epoch: this.epochs.get(f) ?? this.epoch,
      })),
    );
  }
}
