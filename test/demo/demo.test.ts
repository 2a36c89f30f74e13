import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.ts';

const BIN = join(import.meta.dirname, '../../bin/patchferry.mjs');

describe('the demo, as the README runs it', () => {
  it('runs every stage, serves the repositories, and its dnf line installs the package', async () => {
    const dir = join(tempDir(), 'demo');
    const child = spawn(process.execPath, [BIN, 'demo', '--dir', dir, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const dnfLine = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        if (stdout.includes('Serving; press Ctrl-C to stop.')) {
          const line = /^ {2}(dnf .*)$/m.exec(stdout)?.[1];
          if (line) resolve(line);
          else reject(new Error(`no dnf line in:\n${stdout}`));
        }
      });
      void exited.then((code) => reject(new Error(`demo exited ${code} early:\n${stdout}\n${stderr}`)));
    });
    try {
      expect(stdout).toContain(
        'sync: 8 new mail(s); 2 series applied, 1 failed, 0 incomplete, 1 rejected, 1 not patches',
      );
      expect(stdout).toContain('build: 4 succeeded, 0 failed');
      expect(stdout).toContain('publish: 4 repositor(ies) updated, 0 failed');
      expect(stdout).toContain('report: 4 sent, 0 failed');
      // The test stage: each build installed into an empty root, hello --version run there, and
      // promoted to stable.
      for (const target of ['el9', 'fc41'])
        expect(stdout).toMatch(
          new RegExp(
            `tested hello/master ${target} \\(build \\d+\\): checks passed, promoted to http://127\\.0\\.0\\.1:\\d+/stable/hello/master/${target}/x86_64/`,
          ),
        );
      expect(stdout).toContain('    passed: version');
      // The applied series' mails, archived by day and served beside the repositories.
      const mbox =
        /The patches as applied \(mbox\): (http:\/\/\S+\/patches\/\d{4}-\d\d-\d\d\/hello\/master\/\S+\.mbox)/.exec(
          stdout,
        )?.[1];
      expect(mbox).toBeDefined();
      expect(await (await fetch(mbox ?? '')).text()).toMatch(/^From patchferry /);
      expect(stdout).toContain('Patch 1/1 did not apply to master');
      expect(stdout).toContain('because repository "qemu" is not known here');
      // What is expected to fail is told in the summary, not as a JSON log line on the terminal.
      expect(stderr).not.toMatch(/^\{"level"/m);

      // The printed command, run as printed: real dnf reads the served repository over HTTP.
      execFileSync('sh', ['-c', dnfLine], { stdio: 'pipe' });
      const hello = join(dir, 'installroot', 'usr', 'bin', 'hello');
      expect(existsSync(hello)).toBe(true);
      expect(execFileSync(hello, ['Ferry'], { encoding: 'utf8' })).toBe('Hello, Ferry!\n');

      // The console serves the demo's state, with the Run pipeline button.
      const consoleUrl = /The console is at (http:\/\/\S+\/) /.exec(stdout)?.[1] ?? '';
      const page = await (await fetch(consoleUrl)).text();
      expect(page).toContain('Run pipeline');
      // Two branches on fc41 (dnf 5) and el9 (dnf 4), each with its own dnf's command.
      expect(page.match(/dnf config-manager addrepo --from-repofile=/g)).toHaveLength(2);
      expect(page.match(/dnf config-manager --add-repo /g)).toHaveLength(2);

      // Reports went to the outbox too, threaded to the mails they answer.
      const outbox = readFileSync(join(dir, 'outbox.mbox'), 'utf8');
      expect(outbox.match(/^In-Reply-To:/gm)).toHaveLength(4);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  }, 120_000);
});
