import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectError } from '@sluice/sdk';
import { makeTestCertificates, type Certificates } from '@sluice/test-kit';
import { HttpClient, TransportError } from './http-client.js';
import { fakeContext, MockApi, reply, summary } from './mock-api.test-helpers.js';
import { HttpSourceTask } from './source-task.js';
import { StoreError, tlsOptions, type TlsSettings } from './tls.js';

let certs: Certificates;
const servers: MockApi[] = [];

beforeAll(() => {
  certs = makeTestCertificates();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  certs.remove();
});

const none: TlsSettings = {
  keystore: null,
  keystorePassword: null,
  keyPassword: null,
  truststore: null,
  truststorePassword: null,
  protocol: 'TLSv1.3',
};

function storeError(settings: Partial<TlsSettings>): StoreError {
  try {
    tlsOptions({ ...none, ...settings });
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

function get(settings: Partial<TlsSettings> | null, server: MockApi) {
  const client = new HttpClient({
    connectTimeoutMs: 2000,
    requestTimeoutMs: 2000,
    maxResponseBytes: 1 << 20,
    tls: settings === null ? null : tlsOptions({ ...none, ...settings }),
    addressPolicy: { disallowLocal: false, disallowPrivate: false },
  });
  return client.send({ method: 'GET', url: new URL(server.url('/')), headers: {} });
}

describe('TLS stores', () => {
  it('reads trust stores as PEM, DER, PKCS12 from openssl and from keytool, by path or data: URL', () => {
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
      const ca = tlsOptions({ ...none, ...variant }).ca as string[];
      expect(ca.map((pem) => pem.trim())).toEqual([caPem]);
    }
  });

  it('reads key stores as PKCS12 and PEM, plain or with an encrypted key', () => {
    expect(
      tlsOptions({ ...none, keystore: certs.dataUrl('client.p12'), keystorePassword: 'secret' }),
    ).toMatchObject({
      pfx: expect.any(Buffer),
      passphrase: 'secret',
    });
    expect(tlsOptions({ ...none, keystore: certs.file('client-combined.pem') })).toMatchObject({
      key: certs.text('client-combined.pem'),
      cert: certs.text('client-combined.pem'),
    });
    expect(
      tlsOptions({ ...none, keystore: certs.file('client-encrypted.pem'), keyPassword: 'keypass' }),
    ).toMatchObject({ passphrase: 'keypass' });
  });

  it('maps https.ssl.protocol to the highest TLS version', () => {
    expect(tlsOptions(none)).toEqual({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
    expect(tlsOptions({ ...none, protocol: 'TLSv1.2' })).toEqual({
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
    });
    expect(tlsOptions({ ...none, protocol: 'TLS' })).toEqual({});
  });

  it('refuses JKS with the keytool command that converts it', () => {
    const error = storeError({ truststore: certs.dataUrl('trust.jks'), truststorePassword: 'secret' });
    expect(error.key).toBe('https.ssl.truststorefile');
    expect(error.message).toBe(
      'https.ssl.truststorefile: the trust store is a JKS store, which Sluice cannot read; convert it to PKCS12 with ' +
        'keytool -importkeystore -srckeystore store.jks -srcstoretype JKS -destkeystore store.p12 -deststoretype PKCS12 ' +
        'and give the PKCS12 file (or its data:…;base64, value)',
    );
    expect(storeError({ keystore: certs.file('trust.jks'), keystorePassword: 'secret' }).message).toContain(
      'https.ssl.keystorefile: the key store is a JKS store',
    );
  });

  it('names the key and the cause of every unreadable store', () => {
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
        /^https\.ssl\.truststorefile: cannot read .*missing\.pem: ENOENT/,
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
      const error = storeError(settings);
      expect(error.key).toBe(key);
      if (typeof message === 'string') expect(error.message).toBe(message);
      else expect(error.message).toMatch(message);
    }
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
