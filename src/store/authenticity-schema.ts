import { z } from 'zod';
import type { Authenticity } from '../trust/authenticity.ts';

/** The authenticity verdict as stored with a mail (JSON): read back checked, never cast. */
export const authenticitySchema: z.ZodType<Authenticity> = z.object({
  from: z.string(),
  dkim: z.array(z.object({ domain: z.string(), result: z.string(), aligned: z.boolean() })),
  arc: z.object({ result: z.string(), sealer: z.string().nullable(), vouched: z.array(z.string()) }),
  attestation: z.array(
    z.object({
      identity: z.string(),
      algorithm: z.string(),
      result: z.enum(['pass', 'badsig', 'nokey', 'unsupported', 'error']),
    }),
  ),
  temporary: z.boolean(),
  rechecks: z.number().int().min(0).optional(),
  checkedAt: z.string().optional(),
});
