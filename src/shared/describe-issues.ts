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
