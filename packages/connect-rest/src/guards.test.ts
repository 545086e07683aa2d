import { describe, expect, it } from 'vitest';
import type { Herder, PluginCatalog } from '@sluice/coordinator';
import { Loggers } from '@sluice/logging';
import { createConnectApp, isInternalEndpoint, type RestDependencies } from './app.js';

const info = { version: '3.9.1', commit: 'unknown', kafka_cluster_id: 'cluster' };
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function app(options: Partial<RestDependencies> = {}) {
  const lines: string[] = [];
  const herder = {
    connectors: () => Promise.resolve(['a']),
    putTaskConfigs: () => Promise.reject(new Error('reached the herder')),
  } as Partial<Herder> as Herder;
  const rest = createConnectApp({
    info: () => info,
    ready: () => true,
    loggers: new Loggers({ write: (line) => lines.push(line) }),
    herder: Promise.resolve(herder),
    catalog: {} as PluginCatalog,
    ...options,
  });
  return { rest, lines };
}

/** A body that fails the request if anything reads it. */
function unreadableBody(): ReadableStream<Uint8Array> {
  return new ReadableStream({
    pull() {
      throw new Error('the body was read');
    },
  });
}

describe('REST basic authentication (Connect’s BasicAuthSecurityRestExtension)', () => {
  const modules = [{ flag: 'required' as const, users: new Map([['alice', 's3cret: with colon']]) }];

  it('answers 401 with a challenge and Connect’s message unless the credentials are a user’s', async () => {
    const { rest } = app({ basicAuth: modules });
    for (const authorization of [
      undefined,
      basic('alice', 'wrong'),
      basic('bob', 's3cret: with colon'),
      basic('', 'x'),
      'Bearer abc',
      'Basic !!!not-base64',
      'Basic',
    ]) {
      const response = await rest.request('/connectors', {
        headers: authorization === undefined ? {} : { authorization },
      });
      expect(response.status, authorization).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Basic realm="KafkaConnect", charset="UTF-8"');
      expect(await response.json()).toEqual({ error_code: 401, message: 'User cannot access the resource.' });
    }
    const ok = await rest.request('/connectors', {
      headers: { authorization: basic('alice', 's3cret: with colon') },
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual(['a']);
    // The scheme is case-insensitive, as in Connect.
    const lower = `basic ${Buffer.from('alice:s3cret: with colon').toString('base64')}`;
    expect((await rest.request('/', { headers: { authorization: lower } })).status).toBe(200);
  });

  it('checks credentials before anything else: unknown paths, bad media types and bodies are not looked at', async () => {
    const { rest } = app({ basicAuth: modules });
    expect((await rest.request('/nowhere')).status).toBe(401);
    expect((await rest.request('/', {})).status).toBe(401);
    const post = await rest.request('/connectors', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: unreadableBody(),
      duplex: 'half',
    });
    expect(post.status).toBe(401);
  });

  it('lets the internal, signed endpoints through as Connect’s filter does', async () => {
    const { rest } = app({ basicAuth: modules });
    const internal = await rest.request('/connectors/a/tasks', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[]',
    });
    // Past authentication: the herder checks the signature (here it refuses).
    expect(internal.status).toBe(500);
    expect(await internal.json()).toMatchObject({ message: 'reached the herder' });
    expect(isInternalEndpoint('POST', '/connectors/a/tasks')).toBe(true);
    expect(isInternalEndpoint('POST', '/connectors/a/tasks/')).toBe(true);
    expect(isInternalEndpoint('PUT', '/connectors/a/fence')).toBe(true);
    expect(isInternalEndpoint('GET', '/connectors/a/tasks')).toBe(false);
    expect(isInternalEndpoint('POST', '/connectors/a/tasks/0/restart')).toBe(false);
    expect(isInternalEndpoint('POST', '//connectors/a/tasks')).toBe(false);
    expect(isInternalEndpoint('POST', '/connectors/a%2Fb/tasks/x')).toBe(false);
  });
});

describe('rest.allowed.hosts', () => {
  it('answers 421 for a Host it does not serve, before authentication, and serves its own advertised host', async () => {
    const { rest } = app({
      allowedHosts: ['connect.example.com', 'localhost:8083'],
      advertisedHosts: () => ['worker-1:8083'],
      basicAuth: [{ flag: 'required', users: new Map([['u', 'p']]) }],
    });
    const auth = { authorization: basic('u', 'p') };
    const status = async (url: string) => (await rest.request(url, { headers: auth })).status;
    expect(await status('http://connect.example.com/')).toBe(200);
    expect(await status('http://CONNECT.example.com:9999/')).toBe(200);
    expect(await status('http://localhost:8083/')).toBe(200);
    expect(await status('http://worker-1:8083/')).toBe(200);
    expect(await status('http://localhost:8084/')).toBe(421);
    expect(await status('http://worker-1:8084/')).toBe(421);
    const rebound = await rest.request('http://attacker.example/connectors');
    expect(rebound.status).toBe(421);
    expect(await rebound.json()).toEqual({
      error_code: 421,
      message: 'This worker does not serve the host attacker.example (rest.allowed.hosts)',
    });
  });
});

describe('the access log', () => {
  it('writes one line per request, with method, path, status and time, never credentials or bodies', async () => {
    const { rest, lines } = app({ basicAuth: [{ flag: 'required', users: new Map([['u', 'p4ssw0rd']]) }] });
    await rest.request('/connectors?x=1', { headers: { authorization: basic('u', 'p4ssw0rd') } });
    await rest.request('/connectors', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'curl/8' },
      body: '{"name": "secret-body"}',
    });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^\[.+\] INFO - - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/connectors\?x=1 HTTP\/1\.1" 200 \S+ "-" "-" \d+ \(org\.apache\.kafka\.connect\.runtime\.rest\.RestServer\)\n$/,
    );
    expect(lines[1]).toContain('"POST /connectors HTTP/1.1" 401');
    expect(lines[1]).toContain('"curl/8"');
    expect(lines.join('')).not.toMatch(/p4ssw0rd|cDpwNHNzdzByZA|secret-body|dTpwNHNzdzByZA/);
  });
});
