import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestPki {
  readonly ca: string;
  readonly server: { readonly cert: string; readonly key: string };
  /** Signed by the CA, CN=`clientCn`. */
  readonly client: { readonly cert: string; readonly key: string };
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl (EC keys:
 * fast) in `dir`. */
export function makeTestPki(dir: string, clientCn = 'builder'): TestPki {
  const ssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl([
    'req',
    '-x509',
    ...ec,
    '-days',
    '1',
    '-subj',
    '/CN=patchferry test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  ]);
  const issue = (name: string, subject: string, ext: string) => {
    ssl(['req', ...ec, '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
    writeFileSync(join(dir, `${name}.ext`), ext);
    ssl([
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    ]);
    return {
      cert: readFileSync(join(dir, `${name}.pem`), 'utf8'),
      key: readFileSync(join(dir, `${name}.key`), 'utf8'),
    };
  };
  const server = issue('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\n');
  const client = issue('client', `/CN=${clientCn}`, 'extendedKeyUsage=clientAuth\n');
  return { ca: readFileSync(join(dir, 'ca.pem'), 'utf8'), server, client };
}
