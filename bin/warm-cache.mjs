#!/usr/bin/env -S node --max-semi-space-size=4 --heap-growing-percent=20
// @ts-check
// Run by npm after an install (package.json's postinstall): fills the compile cache with every
// module of src/, so that even the first command after an install or an upgrade loads no type
// stripper (~20 MB of its memory) and compiles nothing, as pip byte-compiles a package on install.
// Importing a module only defines it: no module of src/ acts when imported. Never fails an
// install: on an older Node, or if anything goes wrong, the cache is simply filled by the first
// commands instead.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

if (Number(process.versions.node.split('.')[0]) >= 24) {
  try {
    const { keepCompileCache } = await import('./compile-cache.mjs');
    keepCompileCache();
    const src = new URL('../src/', import.meta.url);
    for (const name of readdirSync(src, { recursive: true, encoding: 'utf8' }).sort()) {
      if (name.endsWith('.ts')) await import(new URL(name, src).href);
    }
    // The launcher itself, with its own flags, as a command runs it.
    const launcher = new URL('patchferry.mjs', import.meta.url).pathname;
    spawnSync(process.execPath, [...process.execArgv, launcher, '--version'], { stdio: 'ignore' });
  } catch (err) {
    process.stderr.write(
      `patchferry: the compile cache was not filled (${String(err)}); the first commands fill it\n`,
    );
  }
}
