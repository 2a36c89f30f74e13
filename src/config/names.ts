/** Git's rules for a branch name (git-check-ref-format(1)), checked without running git so that
 * configuration and subject tags can be validated by pure code. */
export function isValidBranchName(name: string): boolean {
  if (name.length === 0 || name === '@' || name.startsWith('-') || name.startsWith('/')) return false;
  if (name.endsWith('/') || name.endsWith('.') || name.includes('..') || name.includes('@{')) return false;
  if (name.includes('//')) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return false;
  return name.split('/').every((part) => part.length > 0 && !part.startsWith('.') && !part.endsWith('.lock'));
}

/** Project, platform and environment-variable names appear in paths, URLs and repo ids. */
export const PROJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
export const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
