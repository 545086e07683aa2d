// Test support: a CA, a server certificate for 127.0.0.1 and a client certificate, in every store format used.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Certificates {
  readonly dir: string;
  /** Path of a file in the directory. */
  file(name: string): string;
  /** `data:text/plain;base64,` value of a file. */
  dataUrl(name: string): string;
  /** Text of a file. */
  text(name: string): string;
  remove(): void;
}

/**
 * Made with openssl and keytool into a temp dir: `ca.pem`/`ca.der`; `server.key`/`server.pem` (SAN
 * IP:127.0.0.1); `client.key`/`client.pem`, `client-combined.pem` (key and certificate), `client-encrypted.pem`
 * (key encrypted with `keypass`), `client.p12` (password `secret`); trust stores `trust-openssl.p12` and
 * `trust-keytool.p12` (password `secret`) and `trust.jks`; `other-ca.pem`, a CA that signed nothing here.
 */
export function makeCertificates(): Certificates {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-http-tls-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const keytool = (...args: string[]) => execFileSync('keytool', args, { cwd: dir, stdio: 'pipe' });
  for (const ca of ['ca', 'other-ca']) {
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=Sluice ${ca}`,
    );
  }
  openssl('x509', '-in', 'ca.pem', '-outform', 'DER', '-out', 'ca.der');
  for (const [name, extension] of [
    ['server', 'subjectAltName=IP:127.0.0.1'],
    ['client', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name}`,
    );
    writeFileSync(file(`${name}.ext`), `${extension}\n`);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
  }
  writeFileSync(
    file('client-combined.pem'),
    readFileSync(file('client.key'), 'utf8') + readFileSync(file('client.pem'), 'utf8'),
  );
  openssl('pkey', '-in', 'client.key', '-aes256', '-passout', 'pass:keypass', '-out', 'client-encrypted.key');
  writeFileSync(
    file('client-encrypted.pem'),
    readFileSync(file('client-encrypted.key'), 'utf8') + readFileSync(file('client.pem'), 'utf8'),
  );
  openssl(
    'pkcs12',
    '-export',
    '-in',
    'client.pem',
    '-inkey',
    'client.key',
    '-out',
    'client.p12',
    '-passout',
    'pass:secret',
  );
  openssl(
    'pkcs12',
    '-export',
    '-nokeys',
    '-in',
    'ca.pem',
    '-out',
    'trust-openssl.p12',
    '-passout',
    'pass:secret',
  );
  for (const [store, type] of [
    ['trust-keytool.p12', 'PKCS12'],
    ['trust.jks', 'JKS'],
  ] as const) {
    keytool(
      '-importcert',
      '-noprompt',
      '-alias',
      'ca',
      '-file',
      file('ca.pem'),
      '-keystore',
      file(store),
      '-storetype',
      type,
      '-storepass',
      'secret',
    );
  }
  return {
    dir,
    file,
    dataUrl: (name) => `data:text/plain;base64,${readFileSync(file(name)).toString('base64')}`,
    text: (name) => readFileSync(file(name), 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
