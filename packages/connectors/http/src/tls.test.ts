import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  constants,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectError } from '@sluice/sdk';
import { makeTestCertificates, type Certificates } from '@sluice/test-kit';
import { HttpClient, TransportError } from './http-client.js';
import { fakeContext, MockApi, reply, summary } from './mock-api.test-helpers.js';
import { HttpSourceConnector } from './source-connector.js';
import { HttpSourceTask } from './source-task.js';
import { MAX_KEY_DERIVATION_ITERATIONS, StoreError, tlsOptions, type TlsSettings } from './tls.js';

const forge = createRequire(import.meta.url)('node-forge') as typeof Forge;

let certs: Certificates;
let dir: string;
const servers: MockApi[] = [];
const fifos: string[] = [];

beforeAll(() => {
  certs = makeTestCertificates();
  dir = mkdtempSync(join(tmpdir(), 'sluice-tls-'));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  certs.remove();
  for (const fifo of fifos) {
    try {
      // Releases a reader still blocked on the FIFO (before the fix); fails at once when none waits.
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // No reader.
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function fifo(name: string): string {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  fifos.push(path);
  return path;
}

/**
 * The DER with every key derivation iteration count set to `count`: an INTEGER right after an OCTET STRING
 * (a salt) in the outer structure (PKCS12 MacData, PBKDF2 params of an encrypted PKCS8 key).
 */
function withIterations(der: Buffer, count: number): Buffer {
  const root = forge.asn1.fromDer(der.toString('binary'));
  const visit = (node: Forge.asn1.Asn1) => {
    if (!Array.isArray(node.value)) return;
    node.value.forEach((child, i) => {
      const previous = node.value[i - 1] as Forge.asn1.Asn1 | undefined;
      if (previous?.type === forge.asn1.Type.OCTETSTRING && child.type === forge.asn1.Type.INTEGER) {
        child.value = forge.asn1.integerToDer(count).getBytes();
      }
      visit(child);
    });
  };
  visit(root);
  return Buffer.from(forge.asn1.toDer(root).getBytes(), 'binary');
}

const none: TlsSettings = {
  keystore: null,
  keystorePassword: null,
  keyPassword: null,
  truststore: null,
  truststorePassword: null,
  protocol: 'TLSv1.3',
};

async function storeError(settings: Partial<TlsSettings>): Promise<StoreError> {
  try {
    await tlsOptions({ ...none, ...settings });
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    return error as StoreError;
  }
  throw new Error('expected a StoreError');
}

/** An HTTPS mock API with the test server certificate; `mutual` requires a client certificate from the CA. */
async function httpsApi(mutual: boolean, extra: object = {}): Promise<MockApi> {
  const server = await MockApi.start(
    (req, res) => reply(res, 200, { client: req.headers['x-client'] ?? null }),
    {
      key: certs.text('server.key'),
      cert: certs.text('server.pem'),
      ...(mutual ? { ca: certs.text('ca.pem'), requestCert: true, rejectUnauthorized: true } : {}),
      ...extra,
    },
  );
  servers.push(server);
  return server;
}

async function get(settings: Partial<TlsSettings> | null, server: MockApi) {
  const client = new HttpClient({
    connectTimeoutMs: 2000,
    requestTimeoutMs: 2000,
    maxResponseBytes: 1 << 20,
    tls: settings === null ? null : await tlsOptions({ ...none, ...settings }),
    addressPolicy: { disallowLocal: false, disallowPrivate: false, allowMetadata: false },
  });
  return client.send({ method: 'GET', url: new URL(server.url('/')), headers: {} });
}

describe('TLS stores', () => {
  it('reads trust stores as PEM, DER, PKCS12 from openssl and from keytool, by path or data: URL', async () => {
    const caPem = certs.text('ca.pem').trim();
    const variants: Partial<TlsSettings>[] = [
      { truststore: certs.file('ca.pem') },
      { truststore: certs.dataUrl('ca.pem') },
      { truststore: certs.dataUrl('ca.der') },
      { truststore: certs.file('trust-openssl.p12'), truststorePassword: 'secret' },
      { truststore: certs.dataUrl('trust-keytool.p12'), truststorePassword: 'secret' },
      {
        truststore: certs.dataUrl('trust-keytool.p12').replace(';base64,', ':base64,'),
        truststorePassword: 'secret',
      },
      { truststore: certs.text('ca.pem') },
      { truststore: `data:text/plain,${encodeURIComponent(certs.text('ca.pem'))}` },
    ];
    for (const variant of variants) {
      const ca = (await tlsOptions({ ...none, ...variant })).ca as string[];
      expect(ca.map((pem) => pem.trim())).toEqual([caPem]);
    }
  });

  it('reads key stores as PKCS12 and PEM, plain or with an encrypted key', async () => {
    expect(
      await tlsOptions({ ...none, keystore: certs.dataUrl('client.p12'), keystorePassword: 'secret' }),
    ).toMatchObject({
      pfx: expect.any(Buffer),
      passphrase: 'secret',
    });
    expect(await tlsOptions({ ...none, keystore: certs.file('client-combined.pem') })).toMatchObject({
      key: certs.text('client-combined.pem'),
      cert: certs.text('client-combined.pem'),
    });
    expect(
      await tlsOptions({ ...none, keystore: certs.file('client-encrypted.pem'), keyPassword: 'keypass' }),
    ).toMatchObject({ passphrase: 'keypass' });
  });

  it('maps https.ssl.protocol to the highest TLS version', async () => {
    expect(await tlsOptions(none)).toEqual({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
    expect(await tlsOptions({ ...none, protocol: 'TLSv1.2' })).toEqual({
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
    });
    expect(await tlsOptions({ ...none, protocol: 'TLS' })).toEqual({});
  });

  it('refuses JKS with the keytool command that converts it', async () => {
    const error = await storeError({ truststore: certs.dataUrl('trust.jks'), truststorePassword: 'secret' });
    expect(error.key).toBe('https.ssl.truststorefile');
    expect(error.message).toBe(
      'https.ssl.truststorefile: the trust store is a JKS store, which Sluice cannot read; convert it to PKCS12 with ' +
        'keytool -importkeystore -srckeystore store.jks -srcstoretype JKS -destkeystore store.p12 -deststoretype PKCS12 ' +
        'and give the PKCS12 file (or its data:…;base64, value)',
    );
    expect(
      (await storeError({ keystore: certs.file('trust.jks'), keystorePassword: 'secret' })).message,
    ).toContain('https.ssl.keystorefile: the key store is a JKS store');
  });

  it('names the key and the cause of every unreadable store', async () => {
    const cases: [Partial<TlsSettings>, string, string | RegExp][] = [
      [
        { truststore: certs.file('trust-openssl.p12'), truststorePassword: 'wrong' },
        'https.ssl.truststorefile',
        /^https\.ssl\.truststorefile: cannot read the PKCS12 trust store \(wrong https\.ssl\.truststore\.password\?\): /,
      ],
      [
        { truststore: certs.file('trust-openssl.p12') },
        'https.ssl.truststore.password',
        'https.ssl.truststore.password is required to read the PKCS12 trust store in https.ssl.truststorefile',
      ],
      [
        { keystore: certs.file('client.p12'), keystorePassword: 'wrong' },
        'https.ssl.keystorefile',
        /^https\.ssl\.keystorefile: cannot read the PKCS12 key store \(wrong https\.ssl\.keystore\.password\?\): /,
      ],
      [
        { keystore: certs.file('client.p12') },
        'https.ssl.keystore.password',
        'https.ssl.keystore.password is required to read the PKCS12 key store in https.ssl.keystorefile',
      ],
      [
        { keystore: certs.file('client-encrypted.pem'), keyPassword: 'wrong' },
        'https.ssl.keystorefile',
        /^https\.ssl\.keystorefile: cannot read the PEM key store/,
      ],
      [
        { keystore: certs.file('ca.pem') },
        'https.ssl.keystorefile',
        'https.ssl.keystorefile: a PEM key store needs a private key and a certificate',
      ],
      [
        { truststore: certs.file('client.key') },
        'https.ssl.truststorefile',
        'https.ssl.truststorefile: the trust store holds no certificate',
      ],
      [
        { truststore: certs.file('missing.pem') },
        'https.ssl.truststorefile',
        'https.ssl.truststorefile: the value is not a readable regular file, PEM text or a data: URL',
      ],
      [
        { truststore: 'data:text/plain;base64,@@@' },
        'https.ssl.truststorefile',
        'https.ssl.truststorefile: the data: value is not valid base64',
      ],
      [
        { truststore: 'data:text/plain;base64' },
        'https.ssl.truststorefile',
        "https.ssl.truststorefile: a data: value needs a ',' before the content",
      ],
      [
        { truststore: `data:text/plain;base64,${Buffer.from('hello').toString('base64')}` },
        'https.ssl.truststorefile',
        'https.ssl.truststorefile: the trust store is neither PKCS12 nor PEM (nor JKS)',
      ],
    ];
    for (const [settings, key, message] of cases) {
      const error = await storeError(settings);
      expect(error.key).toBe(key);
      if (typeof message === 'string') expect(error.message).toBe(message);
      else expect(error.message).toMatch(message);
    }
  });
});

describe('TLS store files', () => {
  const NOT_READABLE = 'the value is not a readable regular file, PEM text or a data: URL';

  it('refuses what is not a regular file without reading it or waiting: /dev/null, a FIFO, /dev/zero', async () => {
    for (const path of ['/dev/null', fifo('store-pipe'), '/dev/zero']) {
      const started = Date.now();
      const error = await storeError({ truststore: path });
      expect(error.message).toBe(`https.ssl.truststorefile: ${NOT_READABLE}`);
      expect(Date.now() - started).toBeLessThan(2000);
    }
    expect((await storeError({ keystore: fifo('key-pipe') })).message).toBe(
      `https.ssl.keystorefile: ${NOT_READABLE}`,
    );
  });

  it('says the same for a missing file, a directory and a FIFO, and never shows the path', async () => {
    const directory = join(dir, 'a-directory');
    mkdirSync(directory);
    const paths = [join(dir, 'missing.pem'), join(dir, 'missing', 'below.pem'), directory, fifo('same-pipe')];
    for (const path of paths) {
      const error = await storeError({ truststore: path });
      expect(error.message).toBe(`https.ssl.truststorefile: ${NOT_READABLE}`);
      expect(error.message).not.toContain(dir);
    }
  });

  it('says the same for a file the worker may not read (checked as another user)', () => {
    const unreadable = join(dir, 'unreadable.pem');
    writeFileSync(unreadable, certs.text('ca.pem'));
    // Root reads everything: the check runs as nobody then, else as this user without the read permission.
    const root = process.getuid?.() === 0;
    chmodSync(unreadable, root ? 0o600 : 0o000);
    chmodSync(dir, 0o755);
    const tls = pathToFileURL(join(import.meta.dirname, 'tls.ts')).href;
    const paths = [join(dir, 'missing.pem'), unreadable, dir];
    const output = execFileSync(
      process.execPath,
      [
        '--conditions=sluice:source',
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { tlsOptions } = await import(${JSON.stringify(tls)});
         const messages = [];
         for (const truststore of ${JSON.stringify(paths)}) {
           const settings = { keystore: null, keystorePassword: null, keyPassword: null, truststore, truststorePassword: null, protocol: 'TLS' };
           messages.push(await tlsOptions(settings).then(() => 'read', (e) => e.message));
         }
         process.stdout.write(JSON.stringify(messages));`,
      ],
      {
        cwd: join(import.meta.dirname, '..'),
        encoding: 'utf8',
        timeout: 60_000,
        ...(root ? { uid: 65534, gid: 65534 } : {}),
      },
    );
    expect(JSON.parse(output)).toEqual(paths.map(() => `https.ssl.truststorefile: ${NOT_READABLE}`));
  });

  it('refuses a store file larger than 1 MiB, naming the bound', async () => {
    const big = join(dir, 'big.pem');
    writeFileSync(big, '');
    truncateSync(big, 1024 * 1024 + 1);
    expect((await storeError({ truststore: big })).message).toBe(
      'https.ssl.truststorefile: the file is larger than 1 MiB (1048576 bytes), the most Sluice reads',
    );
  });

  it('validates without blocking the event loop on a FIFO store', async () => {
    const pipe = fifo('validate-pipe');
    // A writer after a second, so that a reader blocked on the FIFO would end (with the fix nobody reads it,
    // and the writer gives up after five seconds).
    const writer = spawn('timeout', ['5', 'sh', '-c', 'sleep 1; echo x > "$0"', pipe], { stdio: 'ignore' });
    try {
      const started = Date.now();
      const validated = new HttpSourceConnector().validate({
        'topic.name.pattern': 't',
        url: 'https://api.example/items',
        'https.ssl.enabled': 'true',
        'https.ssl.truststorefile': pipe,
      });
      expect(Date.now() - started).toBeLessThan(200);
      const values = await validated;
      expect(values.find((v) => v.name === 'https.ssl.truststorefile')?.errorMessages).toEqual([
        `https.ssl.truststorefile: ${NOT_READABLE}`,
      ]);
      expect(Date.now() - started).toBeLessThan(800);
    } finally {
      writer.kill();
    }
  });

  it('refuses a store asking for more key derivation iterations than the bound, before deriving any', async () => {
    const many = 20_000_000;
    const p12 = withIterations(readFileSync(certs.file('client.p12')), many);
    const cases: [Partial<TlsSettings>, string, number][] = [
      [
        { keystore: `data:;base64,${p12.toString('base64')}`, keystorePassword: 'secret' },
        'https.ssl.keystorefile: the key store',
        many,
      ],
      [
        {
          truststore: `data:;base64,${withIterations(readFileSync(certs.file('trust-openssl.p12')), many).toString('base64')}`,
          truststorePassword: 'secret',
        },
        'https.ssl.truststorefile: the trust store',
        many,
      ],
    ];
    const pem = certs.text('client-encrypted.pem');
    const block = /-----BEGIN ENCRYPTED PRIVATE KEY-----([\s\S]*?)-----END ENCRYPTED PRIVATE KEY-----/.exec(
      pem,
    )!;
    const slow = withIterations(Buffer.from(block[1]!, 'base64'), many).toString('base64');
    cases.push([
      {
        keystore: pem.replace(block[1]!, `\n${slow.replace(/(.{64})/g, '$1\n')}\n`),
        keyPassword: 'keypass',
      },
      'https.ssl.keystorefile: the key store',
      many,
    ]);
    // Key and certificate encryption asking for too many iterations (inside the PKCS12 contents), the MAC few;
    // openssl runs them to make the file, so not that many.
    const fewer = 2 * MAX_KEY_DERIVATION_ITERATIONS;
    const nested = join(dir, 'nested-iterations.p12');
    execFileSync('openssl', [
      'pkcs12',
      '-export',
      '-in',
      certs.file('client.pem'),
      '-inkey',
      certs.file('client.key'),
      '-passout',
      'pass:secret',
      '-iter',
      String(fewer),
      '-out',
      nested,
    ]);
    const nestedOnly = withIterations(readFileSync(nested), 2048).toString('base64');
    cases.push([
      { keystore: `data:;base64,${nestedOnly}`, keystorePassword: 'secret' },
      'https.ssl.keystorefile: the key store',
      fewer,
    ]);
    for (const [settings, prefix, count] of cases) {
      const started = Date.now();
      const error = await storeError(settings);
      const match = new RegExp(
        `^${prefix} asks for (\\d+) key derivation iterations in all; Sluice reads stores that ask for at most ${MAX_KEY_DERIVATION_ITERATIONS} \\(keytool's ask for 20000 to 30000, openssl's about 6000\\)$`,
      ).exec(error.message);
      expect(match, error.message).not.toBeNull();
      expect(Number(match![1])).toBeGreaterThanOrEqual(count);
      expect(Date.now() - started).toBeLessThan(1000);
    }
    // Many keys, each asking for few iterations, add up.
    const key = /-----BEGIN ENCRYPTED PRIVATE KEY-----[\s\S]*?-----END ENCRYPTED PRIVATE KEY-----\n/.exec(
      pem,
    )![0];
    const perKey = 2048;
    const keys = Math.floor(MAX_KEY_DERIVATION_ITERATIONS / perKey) + 1;
    const error = await storeError({
      keystore: key.repeat(keys) + certs.text('client.pem'),
      keyPassword: 'keypass',
    });
    expect(error.message).toContain(`asks for ${keys * perKey} key derivation iterations in all`);
    // The stores the tools make by default pass.
    await tlsOptions({ ...none, keystore: certs.file('client.p12'), keystorePassword: 'secret' });
    await tlsOptions({ ...none, truststore: certs.file('trust-keytool.p12'), truststorePassword: 'secret' });
  });
});

describe('TLS connections', () => {
  it('trusts the server through the trust store, and refuses it without', async () => {
    const server = await httpsApi(false);
    expect(
      (await get({ truststore: certs.dataUrl('trust-keytool.p12'), truststorePassword: 'secret' }, server))
        .status,
    ).toBe(200);
    expect((await get({ truststore: certs.file('ca.pem') }, server)).status).toBe(200);
    for (const settings of [null, { truststore: certs.file('other-ca.pem') }]) {
      const error = await get(settings, server).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransportError);
      expect((error as TransportError).failure).toBe('tls');
      expect((error as TransportError).retriable).toBe(false);
      expect((error as TransportError).message).toMatch(
        /^TLS failure: .*(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED)/,
      );
    }
  });

  it('presents the client certificate for mutual TLS, from PKCS12 or PEM', async () => {
    const server = await httpsApi(true);
    const trust = { truststore: certs.file('ca.pem') };
    expect(
      (await get({ ...trust, keystore: certs.dataUrl('client.p12'), keystorePassword: 'secret' }, server))
        .status,
    ).toBe(200);
    expect(
      (await get({ ...trust, keystore: certs.file('client-encrypted.pem'), keyPassword: 'keypass' }, server))
        .status,
    ).toBe(200);
    const refused = await get(trust, server).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TransportError);
    expect((refused as TransportError).failure).toBe('tls');
    expect((refused as TransportError).message).toMatch(/^TLS failure: .*certificate required/);
  });

  it('keeps to https.ssl.protocol', async () => {
    const server = await httpsApi(false, { minVersion: 'TLSv1.3' });
    const trust = { truststore: certs.file('ca.pem') };
    expect((await get({ ...trust, protocol: 'TLSv1.3' }, server)).status).toBe(200);
    const error = await get({ ...trust, protocol: 'TLSv1.2' }, server).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).failure).toBe('tls');
  });
});

describe('HttpSourceTask over HTTPS', () => {
  async function run(props: Record<string, string>) {
    const all = { 'topic.name.pattern': 't', 'max.retries': '0', 'request.interval.ms': '100', ...props };
    const task = new HttpSourceTask();
    task.initialize(fakeContext(all));
    await task.start(all);
    try {
      return await task.poll().then(
        (records) => summary(records),
        (error: unknown) => error,
      );
    } finally {
      await task.stop();
    }
  }

  it('reads an API that requires a client certificate, the OAuth2 token coming from it too', async () => {
    const server = await MockApi.start(
      (req, res) =>
        req.url === '/token'
          ? reply(res, 200, { access_token: 'tls-token' })
          : reply(res, 200, [{ who: req.headers.authorization }]),
      {
        key: certs.text('server.key'),
        cert: certs.text('server.pem'),
        ca: certs.text('ca.pem'),
        requestCert: true,
        rejectUnauthorized: true,
      },
    );
    servers.push(server);
    const tls = {
      url: server.url('/items'),
      'https.ssl.enabled': 'true',
      'https.ssl.truststorefile': certs.dataUrl('trust-keytool.p12'),
      'https.ssl.truststore.password': 'secret',
      'https.ssl.keystorefile': certs.dataUrl('client.p12'),
      'https.ssl.keystore.password': 'secret',
      'https.ssl.key.password': 'secret',
    };
    expect(
      await run({
        ...tls,
        'auth.type': 'oauth2',
        'oauth2.token.url': server.url('/token'),
        'oauth2.client.id': 'c',
        'oauth2.client.secret': 's',
      }),
    ).toEqual([{ value: { who: 'Bearer tls-token' }, offset: { offset: '1' }, topic: 't' }]);

    const withoutCertificate = await run({
      ...tls,
      'https.ssl.keystorefile': '',
      'https.ssl.keystore.password': '',
    });
    expect(withoutCertificate).toBeInstanceOf(ConnectError);
    expect((withoutCertificate as Error).message).toMatch(
      new RegExp(`^GET ${server.url('/items')}: TLS failure: .*certificate required`),
    );

    const untrusted = await run({ url: server.url('/items') });
    expect(untrusted).toBeInstanceOf(ConnectError);
    expect((untrusted as Error).message).toMatch(
      new RegExp(
        `^GET ${server.url('/items')}: TLS failure: .*\\((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)\\)$`,
      ),
    );
  });
});
