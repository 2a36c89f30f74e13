/** A hand-written RFC 5322 message for tests that need a specific header or body. */
export function rawMail(headers: Record<string, string>, body: string): Buffer {
  const lines = Object.entries({ Date: 'Thu, 01 Jan 2026 10:00:00 +0000', ...headers }).map(
    ([k, v]) => `${k}: ${v}`,
  );
  return Buffer.from(`${lines.join('\n')}\n\n${body}`);
}
