import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient, TransportError, type HttpClientOptions } from './http-client.js';
import { MockApi, reply } from './mock-api.test-helpers.js';

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function api(handler: Parameters<typeof MockApi.start>[0]): Promise<MockApi> {
  const server = await MockApi.start(handler);
  servers.push(server);
  return server;
}

function client(options: Partial<HttpClientOptions> = {}): HttpClient {
  return new HttpClient({
    connectTimeoutMs: 1000,
    requestTimeoutMs: 1000,
    maxResponseBytes: 1024,
    tls: null,
    addressPolicy: { disallowLocal: false, disallowPrivate: false, allowMetadata: false },
    ...options,
  });
}

async function failure(promise: Promise<unknown>): Promise<TransportError> {
  const error = await promise.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransportError);
  return error as TransportError;
}

/** A TCP server that accepts connections and never answers (sockets kept to be closed). */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => sockets.push(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const handle = {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
  servers.push(handle);
  return handle;
}

describe('HttpClient', () => {
  it('sends the method, headers and body and returns status, headers and body', async () => {
    const server = await api((req, res) =>
      reply(res, 201, { echo: req.body }, { 'X-Seen': req.headers['x-test'] as string }),
    );
    const response = await client().send({
      method: 'POST',
      url: new URL(server.url('/things?a=1')),
      headers: { 'X-Test': 'yes' },
      body: Buffer.from('{"n":1}'),
    });
    expect(response.status).toBe(201);
    expect(response.statusText).toBe('Created');
    expect(response.headers['x-seen']).toBe('yes');
    expect(JSON.parse(response.body.toString())).toEqual({ echo: '{"n":1}' });
    expect(server.requests[0]).toMatchObject({ method: 'POST', url: '/things?a=1', body: '{"n":1}' });
    expect(server.requests[0]?.headers['content-length']).toBe('7');
  });

  it('times out a response that does not come, as a retriable failure', async () => {
    const server = await api(() => undefined);
    const started = Date.now();
    const error = await failure(
      client({ requestTimeoutMs: 150 }).send({ method: 'GET', url: new URL(server.url()), headers: {} }),
    );
    expect(error.failure).toBe('timeout');
    expect(error.retriable).toBe(true);
    expect(error.message).toBe('no complete response within 150 ms (http.request.timeout.ms)');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('times out a connection whose TLS handshake never completes', async () => {
    const silent = await silentServer();
    const error = await failure(
      client({ connectTimeoutMs: 150 }).send({
        method: 'GET',
        url: new URL(`https://127.0.0.1:${silent.port}/`),
        headers: {},
      }),
    );
    expect(error.failure).toBe('connect-timeout');
    expect(error.retriable).toBe(true);
    expect(error.message).toBe('no connection within 150 ms (http.connect.timeout.ms)');
  });

  it('refuses a body larger than the limit, announced or streamed', async () => {
    const server = await api((req, res) => {
      if (req.url === '/announced') {
        reply(res, 200, 'x'.repeat(2000));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      // Chunked, no length: the limit is found while reading.
      for (let i = 0; i < 20; i++) res.write('y'.repeat(100));
      res.end();
    });
    for (const path of ['/announced', '/streamed']) {
      const error = await failure(
        client().send({ method: 'GET', url: new URL(server.url(path)), headers: {} }),
      );
      expect(error.failure).toBe('too-large');
      expect(error.retriable).toBe(false);
      expect(error.message).toBe('response body is larger than http.response.max.bytes (1024 bytes)');
    }
  });

  it('reports a connection cut in the middle of the body as a retriable network failure', async () => {
    const server = await api((_req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('{"items":[');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const error = await failure(client().send({ method: 'GET', url: new URL(server.url()), headers: {} }));
    expect(error.failure).toBe('network');
    expect(error.retriable).toBe(true);
  });

  it('reports a refused connection as a retriable network failure', async () => {
    const silent = await silentServer();
    await silent.close();
    servers.pop();
    const error = await failure(
      client().send({ method: 'GET', url: new URL(`http://127.0.0.1:${silent.port}/`), headers: {} }),
    );
    expect(error.failure).toBe('network');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('aborts a request in flight when the signal fires', async () => {
    const server = await api(() => undefined);
    const abort = new AbortController();
    const sending = client({ requestTimeoutMs: 10_000 }).send(
      { method: 'GET', url: new URL(server.url()), headers: {} },
      abort.signal,
    );
    setTimeout(() => abort.abort(), 50);
    const error = await failure(sending);
    expect(error.failure).toBe('aborted');
  });

  it('refuses literal and resolved loopback addresses when asked to, before sending anything', async () => {
    const server = await api((_req, res) => reply(res, 200, {}));
    const guarded = client({
      addressPolicy: { disallowLocal: true, disallowPrivate: false, allowMetadata: false },
    });
    const literal = await failure(guarded.send({ method: 'GET', url: new URL(server.url()), headers: {} }));
    expect(literal.failure).toBe('blocked');
    expect(literal.message).toBe(
      'address 127.0.0.1 is a loopback address, which connection.disallow.local.ips forbids',
    );
    const named = await failure(
      guarded.send({ method: 'GET', url: new URL(`http://localhost:${server.port}/`), headers: {} }),
    );
    expect(named.failure).toBe('blocked');
    expect(named.message).toMatch(/^address (127\.0\.0\.1|::1) of localhost is a loopback address/);
    expect(server.requests).toHaveLength(0);
    const allowed = await client().send({
      method: 'GET',
      url: new URL(`http://localhost:${server.port}/`),
      headers: {},
    });
    expect(allowed.status).toBe(200);
  });

  it('refuses metadata addresses by default, literal or resolved, before connecting', async () => {
    const literal = await failure(
      client().send({ method: 'GET', url: new URL('http://169.254.169.254/latest/meta-data/'), headers: {} }),
    );
    expect(literal.failure).toBe('blocked');
    expect(literal.message).toBe(
      'address 169.254.169.254 is a link-local or cloud metadata address, which is refused unless connection.allow.metadata.ips is true',
    );
    const named = await failure(
      client({
        lookup: (_host, _options, callback) =>
          callback(null, [{ address: '::ffff:169.254.169.254', family: 6 }]),
      }).send({ method: 'GET', url: new URL('http://metadata.internal/'), headers: {} }),
    );
    expect(named.failure).toBe('blocked');
    expect(named.message).toBe(
      'address ::ffff:169.254.169.254 of metadata.internal is a link-local or cloud metadata address, which is refused unless connection.allow.metadata.ips is true',
    );
  });
});
