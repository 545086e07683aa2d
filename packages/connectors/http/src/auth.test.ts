import { afterEach, describe, expect, it } from 'vitest';
import { OAuth2ClientCredentials, StaticAuth, TokenError, type OAuth2Settings } from './auth.js';
import { HttpClient } from './http-client.js';
import { MockApi, reply, type Handler } from './mock-api.test-helpers.js';
import { StatusCodes } from './status-codes.js';

const servers: MockApi[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const client = new HttpClient({
  connectTimeoutMs: 1000,
  requestTimeoutMs: 1000,
  maxResponseBytes: 1 << 16,
  tls: null,
  addressPolicy: { disallowLocal: false, disallowPrivate: false, allowMetadata: false },
});

async function tokenServer(handler: Handler): Promise<MockApi> {
  const server = await MockApi.start(handler);
  servers.push(server);
  return server;
}

function settings(server: MockApi, overrides: Partial<OAuth2Settings> = {}): OAuth2Settings {
  return {
    tokenUrl: server.url('/oauth2/token'),
    clientId: 'my client',
    clientSecret: 's3cr:et',
    tokenProperty: 'access_token',
    scope: 'any',
    mode: 'header',
    refreshOn: StatusCodes.parse('oauth2.refresh.on.status.codes', '401'),
    ...overrides,
  };
}

async function tokenError(promise: Promise<unknown>): Promise<TokenError> {
  const error = await promise.then(
    () => new Error('expected a TokenError'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenError);
  return error as TokenError;
}

describe('static authentication', () => {
  it('sends basic credentials as base64 of user:password (UTF-8) and bearer tokens as is', async () => {
    expect(await StaticAuth.basic('Aladdin', 'open sesame').authorization()).toBe(
      'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==',
    );
    expect(await StaticAuth.basic('ü', 'p:w').authorization()).toBe(
      `Basic ${Buffer.from('ü:p:w').toString('base64')}`,
    );
    expect(await StaticAuth.bearer('abc.def').authorization()).toBe('Bearer abc.def');
    expect(StaticAuth.bearer('t').renew(401)).toBe(false);
  });
});

describe('OAuth2 client credentials', () => {
  it('header mode: client credentials in an HTTP Basic header, grant and scope in the form', async () => {
    const server = await tokenServer((_req, res) =>
      reply(res, 200, { access_token: 'T1', token_type: 'Bearer' }),
    );
    const auth = new OAuth2ClientCredentials(settings(server), client);
    expect(await auth.authorization()).toBe('Bearer T1');
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/oauth2/token');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.headers.authorization).toBe(
      `Basic ${Buffer.from('my client:s3cr:et').toString('base64')}`,
    );
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      grant_type: 'client_credentials',
      scope: 'any',
    });
  });

  it('url mode: client_id and client_secret as URL-encoded form parameters, no scope when it is empty', async () => {
    const server = await tokenServer((_req, res) => reply(res, 200, { access_token: 'T1' }));
    const auth = new OAuth2ClientCredentials(settings(server, { mode: 'url', scope: '' }), client);
    expect(await auth.authorization()).toBe('Bearer T1');
    const [request] = server.requests;
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.body).toBe('grant_type=client_credentials&client_id=my+client&client_secret=s3cr%3Aet');
  });

  it('caches the token, shares one request among concurrent callers, and refreshes it before expires_in ends', async () => {
    let issued = 0;
    const server = await tokenServer((_req, res) =>
      reply(res, 200, { access_token: `T${++issued}`, expires_in: 100 }),
    );
    let now = 1_000_000;
    const auth = new OAuth2ClientCredentials(settings(server), client, () => now);
    expect(await Promise.all([auth.authorization(), auth.authorization()])).toEqual([
      'Bearer T1',
      'Bearer T1',
    ]);
    now += 85_000;
    expect(await auth.authorization()).toBe('Bearer T1');
    // 100 s lifetime: refreshed when less than a tenth (10 s) is left.
    now += 6_000;
    expect(await auth.authorization()).toBe('Bearer T2');
    expect(server.requests).toHaveLength(2);
  });

  it('keeps a token without expires_in until the API refuses it (401 or a configured status)', async () => {
    let issued = 0;
    const server = await tokenServer((_req, res) => reply(res, 200, { access_token: `T${++issued}` }));
    let now = 0;
    const auth = new OAuth2ClientCredentials(
      settings(server, { refreshOn: StatusCodes.parse('oauth2.refresh.on.status.codes', '403') }),
      client,
      () => now,
    );
    expect(await auth.authorization()).toBe('Bearer T1');
    now += 365 * 24 * 3600 * 1000;
    expect(await auth.authorization()).toBe('Bearer T1');
    expect(auth.renew(500)).toBe(false);
    expect(await auth.authorization()).toBe('Bearer T1');
    expect(auth.renew(401)).toBe(true);
    expect(await auth.authorization()).toBe('Bearer T2');
    expect(auth.renew(403)).toBe(true);
    expect(await auth.authorization()).toBe('Bearer T3');
  });

  it('reads the token at oauth2.token.property, a member name or a JSON pointer', async () => {
    const server = await tokenServer((_req, res) => reply(res, 200, { token: 'A', data: { 'jwt/x': 'B' } }));
    expect(
      await new OAuth2ClientCredentials(settings(server, { tokenProperty: 'token' }), client).authorization(),
    ).toBe('Bearer A');
    expect(
      await new OAuth2ClientCredentials(
        settings(server, { tokenProperty: '/data/jwt~1x' }),
        client,
      ).authorization(),
    ).toBe('Bearer B');
  });

  it('reports failed token requests with the server answer, retriable only when trying again may help', async () => {
    const answers: [number, string][] = [
      [401, '{"error":"invalid_client"}'],
      [503, 'busy'],
      [429, ''],
      [200, '<html>login</html>'],
      [200, '{"token_type":"Bearer"}'],
    ];
    const server = await tokenServer((_req, res, i) => reply(res, answers[i]![0], answers[i]![1]));
    const where = `OAuth2 token request POST ${server.url('/oauth2/token')}`;
    const expected: [string, boolean][] = [
      [`${where}: HTTP 401 Unauthorized: {"error":"invalid_client"}`, false],
      [`${where}: HTTP 503 Service Unavailable: busy`, true],
      [`${where}: HTTP 429 Too Many Requests`, true],
      [
        `${where}: the response is not valid JSON (Unexpected character "<" at position 0): <html>login</html>`,
        false,
      ],
      [`${where}: the response has no string 'access_token' (oauth2.token.property)`, false],
    ];
    for (const [message, retriable] of expected) {
      const error = await tokenError(new OAuth2ClientCredentials(settings(server), client).authorization());
      expect([error.message, error.retriable]).toEqual([message, retriable]);
    }
  });

  it('reports an unreachable token URL as retriable', async () => {
    const server = await tokenServer(() => undefined);
    const slow = new HttpClient({
      connectTimeoutMs: 1000,
      requestTimeoutMs: 100,
      maxResponseBytes: 1024,
      tls: null,
      addressPolicy: { disallowLocal: false, disallowPrivate: false, allowMetadata: false },
    });
    const error = await tokenError(new OAuth2ClientCredentials(settings(server), slow).authorization());
    expect(error.message).toBe(
      `OAuth2 token request POST ${server.url('/oauth2/token')}: no complete response within 100 ms (http.request.timeout.ms)`,
    );
    expect(error.retriable).toBe(true);
  });
});
