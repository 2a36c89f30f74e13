import { z } from 'zod';
import { parseOr } from '../shared/describe-issues.ts';
import { PatchferryError } from '../shared/errors.ts';

/** A row as its table's schema says it is: a row that is not (a database edited by hand, or by a
 * newer patchferry) is an error naming the table, never a value of the wrong type. */
export function rows<T>(table: string, schema: z.ZodType<T>, found: readonly unknown[]): T[] {
  return found.map((r) =>
    parseOr(
      schema,
      r,
      (issues, cause) =>
        new PatchferryError(
          'database_row_invalid',
          `a row of table ${table} is not what this patchferry wrote (${issues}); restore the database from a backup, or remove it (patchferry rebuilds it from the mailbox, git and the forge)`,
          { cause },
        ),
    ),
  );
}

export const text = z.string();
export const maybeText = z.string().nullable();
export const integer = z.number().int();
/** A JSON column holding a list of strings. */
export const jsonStrings = z.string().transform((s, ctx) => {
  const list = z.array(z.string()).safeParse(JSON.parse(s));
  if (list.success) return list.data;
  ctx.addIssue({ code: 'custom', message: 'expected a JSON list of strings' });
  return z.NEVER;
});
