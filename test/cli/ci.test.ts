import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';

function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      out: (l: string) => out.push(l),
      err: (l: string) => err.push(l),
      env,
      interrupted: () => new Promise<void>(() => {}),
    },
  };
}

describe('patchferry ci', () => {
  it('without a stage is a usage error that lists the stages', async () => {
    const t = io({ CI_PIPELINE_SOURCE: 'push' });
    expect(await main(['ci'], t.io)).toBe(2);
    expect(t.err.join('\n')).toMatch(/sync, build, publish/);
  });

  it('outside a pipeline job is a usage error that says what to run instead', async () => {
    const t = io({ PATCHFERRY_CONFIG: 'examples/patchferry.yml' });
    expect(await main(['ci', 'build'], t.io)).toBe(2);
    expect(t.err.join('\n')).toMatch(/runs inside a pipeline job/);
  });
});

describe('--log-level', () => {
  it('an unknown level is a usage error naming the levels, not a stack trace', async () => {
    const { logger } = await import('../../src/cli/common.ts');
    const { UsageError } = await import('../../src/shared/errors.ts');
    const t = io({ PATCHFERRY_LOG_LEVEL: 'loud' });
    expect(() => logger(undefined, t.io)).toThrow(UsageError);
    expect(() => logger(undefined, t.io)).toThrow(
      /PATCHFERRY_LOG_LEVEL "loud" is not a log level; use one of trace/,
    );
    expect(() => logger('loud', t.io)).toThrow(/--log-level "loud"/);
  });
});
