/** The part of a branch name made from a series' title: lower case, ASCII letters and digits joined
 * by dashes, at most 48 characters; "series" when nothing is left. */
export function branchSlug(title: string): string {
  return (
    title
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48)
      .replace(/-+$/, '') || 'series'
  );
}
