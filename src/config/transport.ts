/** Rules on how patchferry talks to other hosts, checked on the raw document so that every problem
 * is reported at once. Messages name the key, never the value: a URL may hold a token. */

/** Whether a host name is this machine: 127.0.0.0/8, ::1 or localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** A URL with its user and password replaced, for messages. */
export function redactUrl(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}

/** Whether a URL carries credentials: a password (`user:token@`), or, for http(s), any user part
 * (forges take a token as the user name alone: `https://ghp_…@github.com/`). */
export function urlHasCredentials(value: string): boolean {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)@/i.exec(value);
  if (!m) return false;
  const [, scheme = '', userinfo = ''] = m;
  return userinfo.includes(':') || /^https?$/i.test(scheme);
}

type Doc = Record<string, unknown>;

function record(value: unknown): Doc {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Doc) : {};
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

/** Credentials in URLs; `plain` IMAP and SMTP, and plain http to a forge or hub with a secret,
 * anywhere but on this machine (the password or token would cross the network unencrypted). */
export function transportProblems(document: unknown): string[] {
  const doc = record(document);
  const out: string[] = [];
  const urls: [string, unknown][] = [
    ['forge.url', record(doc.forge).url],
    ['publisher.baseUrl', record(doc.publisher).baseUrl],
    ['builder.hub', record(doc.builder).hub],
    ['reporter.archiveUrl', record(doc.reporter).archiveUrl],
    ...Object.entries(record(doc.projects)).map(([name, p]): [string, unknown] => [
      `projects.${name}.git`,
      record(p).git,
    ]),
  ];
  for (const [key, value] of urls) {
    const url = str(value);
    if (url !== null && urlHasCredentials(url))
      out.push(
        `${key}: holds credentials in the URL (user:password@); the value is not shown. Secrets are never written in the file: remove them from the URL and give them by environment variable (the …Env keys)`,
      );
  }
  const sources = Array.isArray(doc.sources) ? doc.sources : [];
  sources.forEach((s, i) => {
    const src = record(s);
    const host = str(src.host);
    if (src.type === 'imap' && src.security === 'plain' && host !== null && !isLoopbackHost(host))
      out.push(plainMessage(`sources[${i}].security`, host));
  });
  const smtp = record(record(doc.reporter).smtp);
  const smtpHost = str(smtp.host);
  if (smtp.security === 'plain' && smtpHost !== null && !isLoopbackHost(smtpHost))
    out.push(plainMessage('reporter.smtp.security', smtpHost));
  const forge = record(doc.forge);
  insecureHttp(out, 'forge.url', str(forge.url), 'its token');
  const builder = record(doc.builder);
  if (record(builder.auth).passwordEnv !== undefined)
    insecureHttp(out, 'builder.hub', str(builder.hub), 'the password');
  return out;
}

function plainMessage(key: string, host: string): string {
  return `${key}: "plain" sends the password unencrypted, so it is accepted only for a server on this machine (127.0.0.1, ::1, localhost), not ${host}; use "tls" or "starttls"`;
}

function insecureHttp(out: string[], key: string, url: string | null, secret: string): void {
  if (url === null || !/^http:\/\//i.test(url)) return;
  const host = hostOf(url);
  if (host === null || isLoopbackHost(host)) return;
  out.push(
    `${key}: http:// would send ${secret} unencrypted to ${host}; use https:// (plain http is accepted only on this machine: 127.0.0.1, ::1, localhost)`,
  );
}
