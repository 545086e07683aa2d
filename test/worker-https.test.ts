import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendProperties, type Backend } from './helpers-rest.js';
import {
  freePort,
  makeTestCertificates,
  runTypeScript,
  type Certificates,
  type TypeScriptChild,
} from '@sluice/test-kit';

let certs: Certificates;
const children: TypeScriptChild[] = [];
const file = (name: string) => join(certs.dir, name);

beforeAll(() => {
  // A CA, a server certificate for 127.0.0.1 and a client certificate signed by it, in the store formats used.
  certs = makeTestCertificates();
});

afterAll(async () => {
  for (const child of children) {
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGKILL');
      await child.exited;
    }
  }
  certs.remove();
});

function startWorker(lines: string[], backend: Backend = 'embedded'): TypeScriptChild {
  const properties = file(`worker-${children.length}.properties`);
  const backendLines = backendProperties(backend, file(`data-${children.length}`));
  writeFileSync(properties, [...backendLines, ...lines].join('\n'));
  const child = runTypeScript('test/fixtures/sluice.ts', ['worker', properties]);
  children.push(child);
  return child;
}

function httpsGet(
  url: string,
  tls: { cert?: Buffer; key?: Buffer } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: readFileSync(file('ca.pem')), ...tls }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each<Backend>(['embedded', 'kafka'])('sluice worker over https (%s)', (backend) => {
  it('serves http and https listeners at once, with a PKCS12 key store under listeners.https.', async () => {
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    const worker = startWorker(
      [
        `listeners=http://127.0.0.1:${httpPort},https://127.0.0.1:${httpsPort}`,
        `listeners.https.ssl.keystore.location=${file('server.p12')}`,
        'listeners.https.ssl.keystore.type=PKCS12',
        'listeners.https.ssl.keystore.password=secret',
        // Ignored: a prefixed setting exists, so only prefixed ones count.
        `ssl.keystore.location=${file('missing.p12')}`,
      ],
      backend,
    );
    await worker.waitForLine((line) => line === `REST API listening on https://127.0.0.1:${httpsPort}`);
    const secure = await httpsGet(`https://127.0.0.1:${httpsPort}/`);
    expect(secure.status).toBe(200);
    expect(JSON.parse(secure.body)).toHaveProperty('kafka_cluster_id');
    expect(await httpsGet(`https://127.0.0.1:${httpsPort}/connectors`)).toEqual({ status: 200, body: '[]' });
    expect((await fetch(`http://127.0.0.1:${httpPort}/`)).status).toBe(200);
  });

  it('reads a PEM key store through the unprefixed ssl.* settings', async () => {
    const port = await freePort();
    const worker = startWorker(
      [
        `listeners=https://127.0.0.1:${port}`,
        `ssl.keystore.location=${file('server-combined.pem')}`,
        'ssl.keystore.type=PEM',
      ],
      backend,
    );
    await worker.waitForLine((line) => line.startsWith('REST API listening on https://'));
    expect((await httpsGet(`https://127.0.0.1:${port}/`)).status).toBe(200);
  });

  it('requires a client certificate signed by the trust store with ssl.client.auth=required', async () => {
    const port = await freePort();
    const worker = startWorker(
      [
        `listeners=https://127.0.0.1:${port}`,
        `listeners.https.ssl.keystore.location=${file('server.p12')}`,
        'listeners.https.ssl.keystore.password=secret',
        'listeners.https.ssl.client.auth=required',
        `listeners.https.ssl.truststore.location=${file('ca.pem')}`,
        'listeners.https.ssl.truststore.type=PEM',
      ],
      backend,
    );
    await worker.waitForLine((line) => line.startsWith('REST API listening on https://'));
    await expect(httpsGet(`https://127.0.0.1:${port}/`)).rejects.toThrow();
    const withCertificate = await httpsGet(`https://127.0.0.1:${port}/`, {
      cert: readFileSync(file('client.pem')),
      key: readFileSync(file('client.key')),
    });
    expect(withCertificate.status).toBe(200);
  });
});

describe('sluice worker https settings', () => {
  it.each([
    [
      ['listeners.https.ssl.keystore.location=JKS', 'listeners.https.ssl.keystore.password=secret'],
      /listeners\.https\.ssl\.keystore\.location: .*server\.jks is a JKS key store.*keytool -importkeystore/,
    ],
    [
      [`ssl.keystore.location=${'/nonexistent/store.p12'}`],
      /ssl\.keystore\.location: cannot read \/nonexistent\/store\.p12/,
    ],
    [
      ['listeners.https.ssl.keystore.password=secret'],
      /listeners\.https\.ssl\.keystore\.location is required for an https listener/,
    ],
    [
      ['ssl.keystore.location=PEM', 'ssl.client.auth=sometimes'],
      /ssl\.client\.auth must be one of none, requested, required/,
    ],
  ])('refuses to start with %j and names the key', async (lines, message) => {
    const port = await freePort();
    const resolved = lines.map((line) =>
      line.replace('=JKS', `=${file('server.jks')}`).replace('=PEM', `=${file('server-combined.pem')}`),
    );
    const worker = startWorker([`listeners=https://127.0.0.1:${port}`, ...resolved]);
    expect((await worker.exited).code).toBe(1);
    expect(worker.stderr()).toMatch(message);
  });
});
