import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { capturedIo } from '../helpers/io.ts';
import { tempDir } from '../helpers/tmp.ts';

describe('demo --no-serve', () => {
  it('binds nothing: the port it would serve on stays free for others, and it still runs every stage', async () => {
    // Someone else holds the port: a demo that bound it anyway would fail with EADDRINUSE.
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const address = holder.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    // Never interrupted: a demo that waited to serve would never return.
    const { io, out, err } = capturedIo({ interrupted: 'never' });
    try {
      const dir = join(tempDir(), 'demo');
      const status = await main(['demo', '--dir', dir, '--port', String(port), '--no-serve'], io);
      expect(err).toEqual([]);
      expect(status).toBe(0);
      const text = out.join('\n');
      expect(text).toContain('build: 4 succeeded, 0 failed');
      expect(text).toContain(
        `Repositories are in ${join(dir, 'repos')} (not served: --no-serve; the URLs above name http://127.0.0.1:${port}/`,
      );
      expect(text).not.toContain('Serving');
      expect(text).toMatch(/--repofrompath=[^,]+,file:\/\//);
    } finally {
      holder.close();
    }
  }, 120_000);
});
