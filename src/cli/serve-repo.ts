import { mkdir } from 'node:fs/promises';
import { UsageError } from '../shared/errors.ts';
import { help, parse, portOption, type Io } from './common.ts';

/** The port serve-repo listens on without --port: publisher.baseUrl's when it names one, so the
 * .repo files and pages it serves point back at it; else 8080. */
export function defaultServePort(baseUrl: string): number {
  const port = new URL(baseUrl).port;
  return port === '' ? 8080 : Number(port);
}

/**
 * `patchferry serve-repo`: serves publisher.root over HTTP with the static server the demo serves
 * its repositories with (src/publish/static-server.ts: index.html per directory, links followed
 * inside the root only, hidden names refused), until Ctrl-C or SIGTERM. For a machine without
 * httpd; a real host uses examples/httpd/patchferry.conf.
 */
export async function serveRepoCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse('serve-repo', args, {
    port: { type: 'string' },
    host: { type: 'string' },
  });
  if (values.help) return help('serve-repo', io);
  const { config } = await import('./settings.ts');
  if (positionals.length > 0) throw new UsageError(`serve-repo: unexpected argument "${positionals[0]}"`);
  const cfg = config(values.config, io, { sources: false });
  const port = portOption('serve-repo', values.port, defaultServePort(cfg.publisher.baseUrl));
  const host = values.host ?? '127.0.0.1';
  // Nothing published yet is an empty tree, served as such.
  await mkdir(cfg.publisher.root, { recursive: true });
  const { serveDirectory } = await import('../publish/static-server.ts');
  const server = await serveDirectory(cfg.publisher.root, { host, port });
  try {
    io.out(`Serving ${cfg.publisher.root} at ${server.url}`);
    if (new URL(server.url).origin !== new URL(cfg.publisher.baseUrl).origin)
      io.out(
        `Note: the .repo files and pages name publisher.baseUrl (${cfg.publisher.baseUrl}); clients need the tree there.`,
      );
    io.out('Press Ctrl-C to stop.');
    await io.interrupted();
  } finally {
    await server.close();
  }
  return 0;
}
