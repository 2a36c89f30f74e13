import type { z } from 'zod';

/** What did not fit a zod schema, for a person: the first few problems, each with the path of its
 * field (`[2].body: Invalid input: expected string, received undefined`). */
export function describeIssues(error: z.ZodError, max = 3): string {
  const described = error.issues.slice(0, max).map((issue) => `${fieldPath(issue.path)}: ${issue.message}`);
  const more = error.issues.length - described.length;
  return described.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  return out || '(top level)';
}

/** `data` as `schema` has it, or the error `refuse` makes of what did not fit (described as
 * describeIssues does): every boundary that reads what it did not write (a forge's answer, a
 * database row) stops a wrong value there, with a message naming the field. */
export function parseOr<T>(
  schema: z.ZodType<T>,
  data: unknown,
  refuse: (issues: string, cause: z.ZodError) => Error,
): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  throw refuse(describeIssues(result.error), result.error);
}
