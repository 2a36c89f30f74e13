import { describe, expect, it } from 'vitest';
import { admitted } from '../../src/server/console.ts';

const from = (remoteAddress: string, headers: Record<string, string> = {}) => ({
  socket: { remoteAddress },
  headers,
});

describe('who the console answers', () => {
  it('answers loopback clients, and others only with the configured token', () => {
    expect(admitted(from('127.0.0.1'), null)).toBe('yes');
    expect(admitted(from('::1'), null)).toBe('yes');
    expect(admitted(from('::ffff:127.0.0.1'), null)).toBe('yes');
    expect(admitted(from('192.0.2.7'), null)).toBe('no');
    expect(admitted(from('192.0.2.7'), 's3cret')).toBe('login');
    expect(admitted(from('192.0.2.7', { authorization: 'Bearer s3cret' }), 's3cret')).toBe('yes');
    expect(admitted(from('192.0.2.7', { authorization: 'Bearer wrong!' }), 's3cret')).toBe('login');
    expect(admitted(from('192.0.2.7', { cookie: 'a=b; patchferry_console=s3cret' }), 's3cret')).toBe('yes');
    expect(admitted(from('::ffff:192.0.2.7', { cookie: 'patchferry_console=s3cre' }), 's3cret')).toBe(
      'login',
    );
  });
});
