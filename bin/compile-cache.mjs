// @ts-check
import { existsSync } from 'node:fs';
import { enableCompileCache } from 'node:module';

/**
 * Turns on Node's compile cache (https://nodejs.org/api/module.html#module-compile-cache) for the
 * modules imported after this call: a command started again reuses the TypeScript already
 * stripped and the bytecode already compiled, instead of loading the type stripper (~18 MB of
 * memory) and compiling every module (a third of a short command's time). Kept in
 * node_modules/.cache/patchferry, not the system's temporary directory, which other users can
 * write to: code read from the cache is run. NODE_COMPILE_CACHE chooses another directory and
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off, as for any Node program; a directory that cannot be
 * written only means no cache. JavaScript, so that nothing is stripped before the cache is on.
 */
export function keepCompileCache() {
  const modules = new URL('../node_modules/', import.meta.url);
  if (existsSync(modules)) enableCompileCache(new URL('.cache/patchferry', modules).pathname);
}
