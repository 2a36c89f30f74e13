import { describe, expect, it } from 'vitest';
import { classifyFailure, errorLines, failureLabel } from '../../src/rpm/failure.ts';

const compileLog = `+ make -j2
gcc -O2 -c vl.c -o vl.o
vl.c:412:5: error: 'nodefaults' undeclared (first use in this function)
make: *** [Makefile:12: vl.o] Error 1
error: Bad exit status from /var/tmp/rpm-tmp.Ab12 (%build)

RPM build errors:
    Bad exit status from /var/tmp/rpm-tmp.Ab12 (%build)
`;

const mirrorRootLog = `DEBUG util.py:446:  Errors during downloading metadata for repository 'build':
DEBUG util.py:446:    - Curl error (7): Couldn't connect to server for http://mirror.example/repodata/repomd.xml
DEBUG util.py:446:  Error: Failed to download metadata for repo 'build': Cannot download repomd.xml
`;

describe('error lines of a build log', () => {
  it('takes the compiler error, make and rpmbuild lines, each once', () => {
    expect(errorLines(compileLog)).toEqual([
      "vl.c:412:5: error: 'nodefaults' undeclared (first use in this function)",
      'make: *** [Makefile:12: vl.o] Error 1',
      'error: Bad exit status from /var/tmp/rpm-tmp.Ab12 (%build)',
      'Bad exit status from /var/tmp/rpm-tmp.Ab12 (%build)',
    ]);
  });

  it('keeps the last twenty of a log full of them', () => {
    const log = Array.from({ length: 50 }, (_, i) => `f.c:${i}:1: error: x`).join('\n');
    expect(errorLines(log)).toHaveLength(20);
    expect(errorLines(log).at(-1)).toBe('f.c:49:1: error: x');
  });
});

describe('failure classes', () => {
  it('classes compile errors in build.log as the patch', () => {
    const f = classifyFailure({
      cause: 'exit',
      message: 'rpmbuild failed (exit 1)',
      buildLog: compileLog,
      arch: 'x86_64',
    });
    expect(f).toMatchObject({
      class: 'patch',
      arch: 'x86_64',
      message: expect.stringMatching(/Bad exit status/),
    });
  });

  it('classes mirror errors in root.log as the infrastructure, whatever build.log says', () => {
    const f = classifyFailure({
      cause: 'exit',
      message: 'buildArch failed',
      rootLog: mirrorRootLog,
      buildLog: '',
    });
    expect(f.class).toBe('infrastructure');
    expect(f.errorLines.some((l) => l.includes('Curl error (7)'))).toBe(true);
  });

  it.each(['timeout', 'builder-died', 'canceled', 'hub-fault', 'sandbox-missing', 'network'] as const)(
    'classes %s as the infrastructure',
    (cause) => {
      expect(classifyFailure({ cause, message: cause, buildLog: compileLog }).class).toBe('infrastructure');
    },
  );

  it('labels infrastructure failures with their retries', () => {
    expect(failureLabel('infrastructure', 2)).toBe('infrastructure, retried 2 times');
    expect(failureLabel('infrastructure', 1)).toBe('infrastructure, retried 1 time');
    expect(failureLabel('patch', 0)).toBe('patch');
  });
});
