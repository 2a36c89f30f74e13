import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { capturedIo } from '../helpers/io.ts';
import { tempDir } from '../helpers/tmp.ts';

describe('demo on a port in use', () => {
  it('says the port is in use and leaves the last demo world as it was', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const address = holder.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    // The last demo's world, with something the user made in it.
    const dir = join(tempDir(), 'demo');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.patchferry-demo'), 'made by patchferry demo; safe to delete\n');
    writeFileSync(join(dir, 'notes.txt'), 'mine\n');
    const { io, out, err } = capturedIo({ interrupted: 'never' });
    try {
      const status = await main(['demo', '--dir', dir, '--port', String(port)], io);
      expect(status).toBe(2);
      expect(err.join('\n')).toBe(
        `patchferry: cannot serve the demo's repositories on 127.0.0.1:${port}: the port is in use; choose another with --port (0 picks a free one)`,
      );
      expect(out.join('\n')).not.toContain('Making the demo world');
      expect(existsSync(join(dir, 'notes.txt'))).toBe(true);
    } finally {
      holder.close();
    }
  }, 60_000);
});
