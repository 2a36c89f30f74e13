import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/log.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, destination };
}

describe('structured logs', () => {
  it('writes one JSON object per event, metadata apart from the message', () => {
    const { lines, destination } = capture();
    createLogger({ destination, level: 'info' }).child({ series: 's1' }).info({ part: 2 }, 'series applied');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      app: 'patchferry',
      series: 's1',
      part: 2,
      msg: 'series applied',
    });
  });

  it('never writes secrets, wherever they sit', () => {
    const { lines, destination } = capture();
    createLogger({ destination }).info(
      { password: 'p1', smtp: { password: 'p2', token: 't' }, a: { b: { secret: 's' } } },
      'config',
    );
    expect(lines[0]).not.toMatch(/p1|p2|"t"|"s"/);
    expect(JSON.parse(lines[0] as string).smtp).toEqual({ password: '[redacted]', token: '[redacted]' });
  });
});
