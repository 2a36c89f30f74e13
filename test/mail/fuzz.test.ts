import { describe, expect, it } from 'vitest';
import { fuzzRecognition } from '../helpers/fuzz-mail.ts';

describe('malformed mail, generated', () => {
  it('never crashes the recognition path: every mail is read or quarantined, and intake goes on', async () => {
    const result = await fuzzRecognition({ seed: 13, ms: 3_000 });
    console.log(JSON.stringify({ fuzz_mails: result.mails, crashes: result.crashes.length }));
    expect(result.crashes).toEqual([]);
    expect(result.mails).toBeGreaterThan(100);
    expect(result.quarantined).toBeGreaterThan(0);
  }, 30_000);
});
