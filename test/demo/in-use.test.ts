import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { capturedIo } from '../helpers/io.ts';
import { tempDir } from '../helpers/tmp.ts';

const LOCK = pathToFileURL(join(import.meta.dirname, '../../src/store/lock.ts')).href;

describe('demo on a world another patchferry works on', () => {
  it('says which process uses it, exits 2, and leaves the world as it was', async () => {
    const dir = join(tempDir(), 'demo');
    const database = join(dir, 'state', 'patchferry.db');
    mkdirSync(join(dir, 'state'), { recursive: true });
    writeFileSync(join(dir, '.patchferry-demo'), 'made by patchferry demo; safe to delete\n');
    writeFileSync(join(dir, 'notes.txt'), 'mine\n');
    writeFileSync(database, '');
    // Another process holds the database, as a running demo's daemon does.
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { lockDatabase } from ${JSON.stringify(LOCK)}; lockDatabase(${JSON.stringify(database)}); console.log('locked'); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.once('data', () => resolve());
        holder.once('exit', (code) => reject(new Error(`the holder exited with ${code}`)));
      });
      const { io, err } = capturedIo({ interrupted: 'never' });
      const status = await main(['demo', '--dir', dir, '--no-serve'], io);
      expect(status).toBe(2);
      expect(err.join('\n')).toContain(`another patchferry (pid ${holder.pid}) is working on this database`);
      expect(existsSync(join(dir, 'notes.txt'))).toBe(true);
    } finally {
      holder.kill('SIGKILL');
    }
  }, 60_000);
});
