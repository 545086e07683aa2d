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
 * Test certificates, made with openssl and keytool into a temp dir: `ca.pem`/`ca.der`; `server.key`/`server.pem`
 * (SAN IP:127.0.0.1 and DNS:localhost), `server-combined.pem` (key and certificate), `server.p12` (password
 * `secret`), `server.jks` (a JKS key store, password `secret`, for refusal tests); `client.key`/`client.pem`,
 * `client-combined.pem`, `client-encrypted.pem` (key encrypted with `keypass`), `client.p12` (password
 * `secret`); trust stores `trust-openssl.p12` and `trust-keytool.p12` (password `secret`) and `trust.jks`;
 * `other-ca.pem`, a CA that signed nothing here. Call `remove()` when done.
 */
export function makeTestCertificates(): Certificates {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-tls-'));
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
    ['server', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
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
  for (const name of ['server', 'client']) {
    writeFileSync(
      file(`${name}-combined.pem`),
      readFileSync(file(`${name}.key`), 'utf8') + readFileSync(file(`${name}.pem`), 'utf8'),
    );
  }
  openssl(
    'pkcs12',
    '-export',
    '-in',
    'server.pem',
    '-inkey',
    'server.key',
    '-out',
    'server.p12',
    '-passout',
    'pass:secret',
  );
  keytool(
    '-genkeypair',
    '-keystore',
    file('server.jks'),
    '-storetype',
    'JKS',
    '-storepass',
    'secret',
    '-keypass',
    'secret',
    '-alias',
    's',
    '-dname',
    'CN=s',
    '-keyalg',
    'RSA',
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
