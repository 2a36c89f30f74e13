import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { demoConfig } from '../../src/demo/demo.ts';
import { createDemoWorld } from '../../src/demo/world.ts';
import { serveDirectory } from '../../src/publish/static-server.ts';
import { jobFailed, runJob } from '../../src/runtime/index.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { commitFiles, formatPatches, git } from '../helpers/git.ts';
import { tempDir } from '../helpers/tmp.ts';

describe('the main job', () => {
  it('reports a build that fails with the end of its log and the URL serving all of it, and the job counts as failed', async () => {
    const world = await createDemoWorld(join(tempDir(), 'world'));
    const work = join(world.dir, 'src', 'hello');
    git(work, ['checkout', '-q', '-b', 'broken', 'stable-1.0']);
    commitFiles(
      work,
      'hello: a change that does not compile',
      { 'hello.c': 'int main(void) { return missing_symbol; }\n' },
      { name: 'Eve', email: 'eve@example.org' },
    );
    const [mail] = formatPatches(work, 1, ['--subject-prefix=stable-1.0 PATCH hello']);
    writeFileSync(world.mbox, mail as Buffer);
    const file = join(world.dir, 'patchferry.yml');
    mkdirSync(join(world.dir, 'repos'), { recursive: true });
    const served = await serveDirectory(join(world.dir, 'repos'));
    onTestFinished(() => served.close());
    writeFileSync(file, demoConfig(served.url));

    const job = await runJob(loadConfig(file), silentLogger());
    expect(job.sync.applied).toHaveLength(1);
    expect(job.build.builds.map((b) => [b.platform, b.ok])).toEqual([
      ['el9', false],
      ['fc41', false],
    ]);
    expect(jobFailed(job)).toBe(true);
    expect(job.report.sent).toHaveLength(1);
    const body = job.report.sent[0]?.body ?? '';
    expect(job.report.sent[0]?.subject).toMatch(/\(patchferry: build failed\)$/);
    expect(body).toContain('patchferry received 1 patch(es) from Eve <eve@example.org>');
    expect(body).toMatch(/Build for el9 \(x86_64\) FAILED: patch: Bad exit status from .* \(%build\)/);
    expect(body).toContain('missing_symbol');
    expect(job.report.sent[0]?.to).toContain('mia@example.org');
    expect(readFileSync(join(world.dir, 'outbox.mbox'), 'utf8')).toContain('missing_symbol');
    // The whole log is served with the published tree, and the report links it.
    const url = /^ {2}log: (\S+)$/m.exec(body)?.[1] ?? '';
    expect(url.startsWith(`${served.url}logs/hello/stable-1.0/el9/`)).toBe(true);
    const log = await fetch(url);
    expect(log.status).toBe(200);
    const text = await log.text();
    expect(text).toContain('missing_symbol');
    expect(text).toContain('Bad exit status');
    expect(text).not.toContain(world.dir);

    // Running again builds nothing twice and reports nothing twice.
    const again = await runJob(loadConfig(file), silentLogger());
    expect(again.build.builds).toEqual([]);
    expect(again.report.sent).toEqual([]);
  });
});
