import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileNotAppliedRecord } from '../../src/publish/not-applied-file.ts';
import { tempDir } from '../helpers/tmp.ts';

describe('the record of series CI jobs reported as not applying', () => {
  it('is empty before any job wrote it, then holds what the last job found, in the published tree', async () => {
    const root = tempDir();
    const record = new FileNotAppliedRecord({ root });
    expect(await record.reported()).toEqual(new Set());
    await record.replace(['b@x', 'a@x', 'b@x']);
    expect(await new FileNotAppliedRecord({ root }).reported()).toEqual(new Set(['a@x', 'b@x']));
    expect(JSON.parse(readFileSync(join(root, '.ci', 'not-applied.json'), 'utf8'))).toEqual({
      series: ['a@x', 'b@x'],
    });
    await record.replace(['c@x']);
    expect(await record.reported()).toEqual(new Set(['c@x']));
  });

  it('says which file it cannot read and what to do', async () => {
    const root = tempDir();
    mkdirSync(join(root, '.ci'));
    writeFileSync(join(root, '.ci', 'not-applied.json'), '{"series": 3}');
    await expect(new FileNotAppliedRecord({ root }).reported()).rejects.toMatchObject({
      code: 'not_applied_unreadable',
      message: expect.stringContaining(`cannot read ${join(root, '.ci', 'not-applied.json')}`),
    });
  });
});
