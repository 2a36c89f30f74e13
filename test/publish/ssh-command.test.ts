import { describe, expect, it } from 'vitest';
import { remoteError } from '../../src/publish/ssh-command.ts';
import { PatchferryError, ToolError } from '../../src/shared/errors.ts';

const target = { host: '127.0.0.1', user: 'nobody', port: 1, knownHosts: '/k', connectTimeoutSeconds: 5 };
const refused = new ToolError(
  'rsync',
  'rsync failed',
  'ssh: connect to host 127.0.0.1 port 1: Connection refused\n',
);

describe('a failed ssh or rsync run, said to the user', () => {
  it('says an upload goes to the host, and other work happens on it', () => {
    const upload = remoteError(refused, target, 'uploading the packages');
    expect(upload).toBeInstanceOf(PatchferryError);
    expect((upload as PatchferryError).message).toMatch(
      /^uploading the packages to nobody@127\.0\.0\.1:1 failed on the network; it is tried again\n/,
    );
    const command = remoteError(refused, target, 'switching the platform directory');
    expect((command as PatchferryError).message).toMatch(
      /^switching the platform directory on nobody@127\.0\.0\.1:1 failed/,
    );
  });
});
