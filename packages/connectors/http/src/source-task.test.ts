import { afterEach, describe, expect, it } from 'vitest';
import { ConnectError, type SourceRecord } from '@sluice/sdk';
import { fakeContext, MockApi, reply, summary, type Handler } from './mock-api.test-helpers.js';
import { HttpSourceTask } from './source-task.js';

const servers: MockApi[] = [];
const tasks: HttpSourceTask[] = [];

afterEach(async () => {
  await Promise.all(tasks.splice(0).map((t) => t.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function api(handler: Handler): Promise<MockApi> {
  const server = await MockApi.start(handler);
  servers.push(server);
  return server;
}

/** Small intervals and backoffs so that every test is quick. */
const FAST = {
  'topic.name.pattern': 'http-data',
  'request.interval.ms': '100',
  'retry.backoff.ms': '100',
  'retry.backoff.max.ms': '200',
  'max.retries': '3',
  'http.request.timeout.ms': '2000',
};

async function startTask(
  props: Record<string, string>,
  committed: ReadonlyMap<string, Record<string, unknown>> = new Map(),
): Promise<{ task: HttpSourceTask; context: ReturnType<typeof fakeContext> }> {
  const all = { ...FAST, ...props };
  const context = fakeContext(all, committed);
  const task = new HttpSourceTask();
  tasks.push(task);
  task.initialize(context);
  await task.start(all);
  return { task, context };
}

/** Polls until `count` records came or `timeoutMs` passed. */
async function pollFor(task: HttpSourceTask, count: number, timeoutMs = 5000): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (records.length < count && Date.now() < deadline) records.push(...((await task.poll()) ?? []));
  return records;
}

/** The error a poll fails with. */
async function pollError(task: HttpSourceTask, polls = 10): Promise<ConnectError> {
  for (let i = 0; i < polls; i++) {
    const outcome = await task.poll().then(
      () => null,
      (error: unknown) => error,
    );
    if (outcome !== null) {
      expect(outcome).toBeInstanceOf(ConnectError);
      return outcome as ConnectError;
    }
  }
  throw new Error(`no poll failed in ${polls} polls`);
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

describe('the reference worked examples', () => {
  it('SIMPLE_INCREMENTING with start/limit (Atlassian Confluence), basic auth, empty page retried after the interval', async () => {
    const spaces = [1, 2, 3].map((n) => ({
      id: 12345657890 + n,
      key: `~${n}`,
      name: `space ${n}`,
      type: 'personal',
    }));
    const server = await api((req, res) => {
      if (req.headers.authorization !== basic('username', '*****')) return reply(res, 401, { message: 'no' });
      const query = new URL(req.url, 'http://x').searchParams;
      const start = Number(query.get('start'));
      const results = spaces.slice(start, start + Number(query.get('limit')));
      reply(res, 200, {
        results,
        start,
        limit: 1,
        size: results.length,
        _links: {
          base: 'https://confluentinc.atlassian.net/wiki',
          next: `/rest/api/space?next=true&limit=1&start=${start + 1}`,
        },
      });
    });
    const { task } = await startTask({
      url: server.url('/wiki/rest/api/space'),
      'http.request.parameters': 'start=${offset}&limit=1',
      'http.offset.mode': 'SIMPLE_INCREMENTING',
      'http.initial.offset': '0',
      'http.response.data.json.pointer': '/results',
      'auth.type': 'basic',
      'connection.user': 'username',
      'connection.password': '*****',
    });
    const produced = [];
    for (let i = 0; i < 3; i++) produced.push(...summary(await task.poll()));
    expect(produced).toEqual(
      spaces.map((space, i) => ({ value: space, offset: { offset: String(i + 1) }, topic: 'http-data' })),
    );
    // Past the end: an empty page; the offset stays and the same request is made after the interval.
    const emptyAt = Date.now();
    expect(await task.poll()).toBeNull();
    expect(await task.poll()).toBeNull();
    expect(Date.now() - emptyAt).toBeGreaterThanOrEqual(90);
    spaces.push({ id: 12345657894, key: '~4', name: 'space 4', type: 'personal' });
    expect(summary(await pollFor(task, 1))).toEqual([
      { value: spaces[3], offset: { offset: '4' }, topic: 'http-data' },
    ]);
    const paths = server.paths();
    expect(paths.slice(0, 5)).toEqual([
      '/wiki/rest/api/space?start=0&limit=1',
      '/wiki/rest/api/space?start=1&limit=1',
      '/wiki/rest/api/space?start=2&limit=1',
      '/wiki/rest/api/space?start=3&limit=1',
      '/wiki/rest/api/space?start=3&limit=1',
    ]);
    expect(new Set(paths.slice(3))).toEqual(new Set(['/wiki/rest/api/space?start=3&limit=1']));
    expect(server.requests.every((r) => r.method === 'GET' && r.headers.accept === 'application/json')).toBe(
      true,
    );
  });

  it('CHAINING with a search_after POST body (Elasticsearch)', async () => {
    const docs = [1647948089979, 1647948092349, 1647948097246].map((time, i) => ({
      _index: 'test-index',
      _id: `id${i}`,
      _score: null,
      _source: { name: `Name${i + 1}`, time: String(time) },
      sort: [time],
    }));
    const server = await api((req, res) => {
      const body = JSON.parse(req.body) as { size: number; search_after: [number] };
      const hits = docs.filter((d) => d.sort[0]! > body.search_after[0]).slice(0, body.size);
      reply(res, 200, {
        took: 1,
        timed_out: false,
        hits: { total: { value: hits.length, relation: 'eq' }, max_score: null, hits },
      });
    });
    const { task } = await startTask({
      url: server.url('/test-index/_search'),
      'http.offset.mode': 'CHAINING',
      'http.request.body': '{"size": 100, "sort": [{"@time": "asc"}], "search_after": [${offset}]}',
      'http.request.method': 'POST',
      'http.initial.offset': '1647948000000',
      'http.response.data.json.pointer': '/hits/hits',
      'http.offset.json.pointer': '/sort/0',
    });
    expect(summary(await task.poll())).toEqual(
      docs.map((doc) => ({ value: doc, offset: { offset: String(doc.sort[0]) }, topic: 'http-data' })),
    );
    expect(await task.poll()).toBeNull();
    expect(server.requests.map((r) => [r.method, r.url, r.body, r.headers['content-type']])).toEqual([
      [
        'POST',
        '/test-index/_search',
        '{"size": 100, "sort": [{"@time": "asc"}], "search_after": [1647948000000]}',
        'application/json',
      ],
      [
        'POST',
        '/test-index/_search',
        '{"size": 100, "sort": [{"@time": "asc"}], "search_after": [1647948097246]}',
        'application/json',
      ],
    ]);
  });

  it('CURSOR_PAGINATION with pageToken (GCS list objects), bearer auth, and a last page that grows', async () => {
    const token = 'CkV0b3BpY3MvZGVtby9MS9ob3V+/=';
    const pages = new Map<string, { items: { name: string }[]; next?: string }>([
      ['', { items: [{ name: 'o1' }, { name: 'o2' }], next: token }],
      [token, { items: [{ name: 'o3' }] }],
    ]);
    const server = await api((req, res) => {
      if (req.headers.authorization !== 'Bearer gcs-token') return reply(res, 401, {});
      const page = pages.get(new URL(req.url, 'http://x').searchParams.get('pageToken') ?? 'missing');
      if (page === undefined) return reply(res, 400, { error: 'bad token' });
      const items = page.items.map((item) => ({ kind: 'storage#object', bucket: 'test-bucket', ...item }));
      reply(res, 200, { kind: 'storage#objects', ...(page.next ? { nextPageToken: page.next } : {}), items });
    });
    const { task } = await startTask({
      url: server.url('/storage/v1/b/test-bucket/o'),
      'http.offset.mode': 'CURSOR_PAGINATION',
      'http.request.method': 'GET',
      'http.request.parameters': 'pageToken=${offset}',
      'http.response.data.json.pointer': '/items',
      'http.next.page.json.pointer': '/nextPageToken',
      'auth.type': 'bearer',
      'bearer.token': 'gcs-token',
    });
    const object = (name: string) => ({ kind: 'storage#object', bucket: 'test-bucket', name });
    expect(summary(await task.poll())).toEqual([
      { value: object('o1'), offset: { offset: '', skip: 1 }, topic: 'http-data' },
      { value: object('o2'), offset: { offset: token }, topic: 'http-data' },
    ]);
    expect(summary(await task.poll())).toEqual([
      { value: object('o3'), offset: { offset: token, skip: 1 }, topic: 'http-data' },
    ]);
    // The last page has no next token: it is read again, and nothing already produced comes twice.
    expect(await task.poll()).toBeNull();
    pages.get(token)!.items.push({ name: 'o4' });
    expect(summary(await pollFor(task, 1))).toEqual([
      { value: object('o4'), offset: { offset: token, skip: 2 }, topic: 'http-data' },
    ]);
    const encoded = encodeURIComponent(token);
    expect(server.paths().slice(0, 4)).toEqual([
      '/storage/v1/b/test-bucket/o?pageToken=',
      `/storage/v1/b/test-bucket/o?pageToken=${encoded}`,
      `/storage/v1/b/test-bucket/o?pageToken=${encoded}`,
      `/storage/v1/b/test-bucket/o?pageToken=${encoded}`,
    ]);
  });
});

describe('faults', () => {
  it('429 with Retry-After in seconds: waits as asked, then goes on', async () => {
    const server = await api((_req, res, i) =>
      i === 0
        ? reply(res, 429, { error: 'slow down' }, { 'Retry-After': '1' })
        : reply(res, 200, [{ id: 1 }]),
    );
    const { task } = await startTask({ url: server.url('/items') });
    const started = Date.now();
    expect(summary(await task.poll())).toEqual([
      { value: { id: 1 }, offset: { offset: '1' }, topic: 'http-data' },
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.requests).toHaveLength(2);
  });

  it('503 with Retry-After as an HTTP date: waits, up to retry.after.max.ms', async () => {
    const server = await api((_req, res, i) =>
      i === 0
        ? reply(res, 503, 'maintenance', { 'Retry-After': new Date(Date.now() + 3_600_000).toUTCString() })
        : reply(res, 200, { id: 1 }),
    );
    const { task } = await startTask({ url: server.url('/items'), 'retry.after.max.ms': '300' });
    const started = Date.now();
    expect(summary(await task.poll())).toHaveLength(1);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(2000);
  });

  it('a burst of 500s: retried with growing backoff, then recovered', async () => {
    const server = await api((_req, res, i) =>
      i < 3 ? reply(res, 500, 'boom') : reply(res, 200, [{ id: 1 }, { id: 2 }]),
    );
    const { task } = await startTask({ url: server.url('/items') });
    const started = Date.now();
    expect(summary(await task.poll()).map((r) => r.offset)).toEqual([{ offset: '1' }, { offset: '2' }]);
    // Backoffs of 100, 200 and 200 ms (capped), each at least half that with jitter.
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(server.requests).toHaveLength(4);
  });

  it('500s past max.retries: the task fails naming the request and the last status', async () => {
    const server = await api((_req, res) => reply(res, 500, 'boom'));
    const { task } = await startTask({ url: server.url('/items'), 'max.retries': '2' });
    const error = await pollError(task);
    expect(error.message).toBe(
      `GET ${server.url('/items')}: failed after 2 retries (max.retries); last error: HTTP 500 Internal Server Error: boom`,
    );
    expect(server.requests).toHaveLength(3);
  });

  it('a status retry.on.status.codes does not list fails at once; 401, 408, 429 and 504 are always retried', async () => {
    const always = [401, 408, 429, 504];
    const server = await api((req, res, i) =>
      req.url === '/gone' ? reply(res, 404, { error: 'no' }) : reply(res, always[i - 1] ?? 200, []),
    );
    const gone = await startTask({ url: server.url('/gone'), 'retry.on.status.codes': '500-' });
    expect((await pollError(gone.task)).message).toBe(
      `GET ${server.url('/gone')}: HTTP 404 Not Found: {"error":"no"}`,
    );
    expect(server.requests).toHaveLength(1);
    const retried = await startTask({
      url: server.url('/items'),
      'retry.on.status.codes': '',
      'max.retries': '4',
      'retry.backoff.max.ms': '100',
    });
    expect(await retried.task.poll()).toBeNull();
    expect(server.requests.slice(1).map((r) => r.url)).toHaveLength(5);
  });

  it('a redirect is not followed: the task fails with the new location', async () => {
    const server = await api((_req, res) => {
      res.writeHead(301, { Location: 'https://api.example/v2/items' });
      res.end();
    });
    const { task } = await startTask({ url: server.url('/items') });
    expect((await pollError(task)).message).toBe(
      `GET ${server.url('/items')}: HTTP 301 Moved Permanently (redirects are not followed; set url to the new location https://api.example/v2/items)`,
    );
  });

  it('a hanging response: timed out and retried, then recovered; always hanging: the task fails saying so', async () => {
    const server = await api((req, res, i) => {
      if (req.url === '/flaky' && i > 0) reply(res, 200, [{ id: 1 }]);
      // Otherwise never answered.
    });
    const flaky = await startTask({ url: server.url('/flaky'), 'http.request.timeout.ms': '200' });
    expect(summary(await flaky.task.poll())).toHaveLength(1);
    const hung = await startTask({
      url: server.url('/hung'),
      'http.request.timeout.ms': '200',
      'max.retries': '1',
    });
    expect((await pollError(hung.task)).message).toBe(
      `GET ${server.url('/hung')}: failed after 1 retries (max.retries); last error: no complete response within 200 ms (http.request.timeout.ms)`,
    );
  });

  it('a connection cut mid-body is retried; a complete but truncated JSON body fails the task', async () => {
    const server = await api((req, res, i) => {
      if (req.url === '/cut' && i === 0) {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
        res.write('{"items":[{"id":1},');
        setTimeout(() => res.socket?.destroy(), 10);
        return;
      }
      if (req.url === '/cut') return reply(res, 200, { items: [{ id: 1 }] });
      reply(res, 200, '{"items":[{"id":1},');
    });
    const cut = await startTask({ url: server.url('/cut'), 'http.response.data.json.pointer': '/items' });
    expect(summary(await cut.task.poll())).toHaveLength(1);
    const truncated = await startTask({ url: server.url('/truncated') });
    const error = await pollError(truncated.task);
    expect(error.message).toMatch(
      new RegExp(
        `^GET ${server.url('/truncated')}: response body is not valid JSON \\(.+\\) \\(Content-Type application/json\\): \\{"items":\\[\\{"id":1\\},$`,
      ),
    );
    expect(server.requests.filter((r) => r.url === '/truncated')).toHaveLength(1);
  });

  it('a non-JSON body fails the task with its content type and start', async () => {
    const server = await api((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html><body>Login</body></html>');
    });
    const { task } = await startTask({ url: server.url('/items') });
    expect((await pollError(task)).message).toBe(
      `GET ${server.url('/items')}: response body is not valid JSON (Unexpected character "<" at position 0) (Content-Type text/html): <html><body>Login</body></html>`,
    );
  });

  it('a huge body fails the task once it passes http.response.max.bytes', async () => {
    const server = await api((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('[');
      for (let i = 0; i < 1000; i++) res.write(`${JSON.stringify({ i, pad: 'x'.repeat(1000) })},`);
      res.end('0]');
    });
    const { task } = await startTask({ url: server.url('/items'), 'http.response.max.bytes': '65536' });
    expect((await pollError(task)).message).toBe(
      `GET ${server.url('/items')}: response body is larger than http.response.max.bytes (65536 bytes)`,
    );
    expect(server.requests).toHaveLength(1);
  });

  it('a repeating next page token stops the task instead of spinning', async () => {
    const next: Record<string, string> = { '': 'A', A: 'B', B: 'A' };
    const server = await api((req, res) => {
      const token = new URL(req.url, 'http://x').searchParams.get('page') ?? '';
      reply(res, 200, { data: [{ page: token }], next: next[token] });
    });
    const { task } = await startTask({
      url: server.url('/items'),
      'http.offset.mode': 'CURSOR_PAGINATION',
      'http.request.parameters': 'page=${offset}',
      'http.response.data.json.pointer': '/data',
      'http.next.page.json.pointer': '/next',
    });
    expect(summary(await pollFor(task, 2)).map((r) => r.offset)).toEqual([{ offset: 'A' }, { offset: 'B' }]);
    expect((await pollError(task)).message).toBe(
      `GET ${server.url('/items?page=B')}: pagination loop: next page token 'A' was already requested`,
    );
    expect(server.paths()).toEqual(['/items?page=', '/items?page=A', '/items?page=B']);
  });

  it('OAuth2: a 401 after the token expired fetches a new token and retries at once', async () => {
    let issued = 0;
    let valid = '';
    const server = await api((req, res) => {
      if (req.url === '/oauth2/token') {
        valid = `T${++issued}`;
        return reply(res, 200, { access_token: valid, token_type: 'Bearer', expires_in: 3600 });
      }
      if (req.headers.authorization !== `Bearer ${valid}`) return reply(res, 401, { error: 'invalid_token' });
      reply(res, 200, [{ n: server.requests.length }]);
    });
    const { task } = await startTask({
      url: server.url('/data'),
      'auth.type': 'oauth2',
      'oauth2.token.url': server.url('/oauth2/token'),
      'oauth2.client.id': 'id',
      'oauth2.client.secret': 'secret',
      'oauth2.client.mode': 'url',
      'retry.backoff.ms': '5000',
      'retry.backoff.max.ms': '5000',
    });
    expect(await pollFor(task, 1)).toHaveLength(1);
    valid = 'revoked';
    const started = Date.now();
    expect(await pollFor(task, 1)).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(server.requests.map((r) => [r.url, r.headers.authorization ?? null])).toEqual([
      ['/oauth2/token', null],
      ['/data', 'Bearer T1'],
      ['/data', 'Bearer T1'],
      ['/oauth2/token', null],
      ['/data', 'Bearer T2'],
    ]);
    expect(new URLSearchParams(server.requests[0]?.body).get('client_id')).toBe('id');
  });

  it('OAuth2: a token endpoint that refuses the client fails the task with its answer', async () => {
    const server = await api((_req, res) => reply(res, 401, { error: 'invalid_client' }));
    const { task } = await startTask({
      url: server.url('/data'),
      'auth.type': 'oauth2',
      'oauth2.token.url': server.url('/oauth2/token'),
      'oauth2.client.id': 'id',
      'oauth2.client.secret': 'wrong',
    });
    expect((await pollError(task)).message).toBe(
      `OAuth2 token request POST ${server.url('/oauth2/token')}: HTTP 401 Unauthorized: {"error":"invalid_client"}`,
    );
  });
});

describe('HttpSourceTask', () => {
  it('resumes from the committed offset, then keeps its own: a short interval never re-emits before a flush', async () => {
    const server = await api((req, res) => {
      const from = Number(new URL(req.url, 'http://x').searchParams.get('from'));
      reply(res, 200, from < 8 ? [{ n: from }] : []);
    });
    const url = server.url('/items');
    const { task, context } = await startTask(
      { url, 'http.request.parameters': 'from=${offset}', 'http.initial.offset': '0' },
      new Map([[JSON.stringify({ url }), { offset: '5' }]]),
    );
    const records = await pollFor(task, 3);
    expect(summary(records).map((r) => [r.value, r.offset])).toEqual([
      [{ n: 5 }, { offset: '6' }],
      [{ n: 6 }, { offset: '7' }],
      [{ n: 7 }, { offset: '8' }],
    ]);
    expect(records.every((r) => JSON.stringify(r.sourcePartition) === JSON.stringify({ url }))).toBe(true);
    // The reader still says 5 (nothing was flushed), but it was read once, at start.
    expect(context.reads).toBe(1);
    expect(server.paths()).toEqual(['/items?from=5', '/items?from=6', '/items?from=7']);
  });

  it('polls each entity in turn, each with its partition, offset and topic', async () => {
    const server = await api((req, res) => {
      const url = new URL(req.url, 'http://x');
      const from = Number(url.searchParams.get('from'));
      reply(res, 200, from < 2 ? { entity: url.pathname.slice(1), n: from } : []);
    });
    const { task } = await startTask(
      {
        url: server.url('/${entityName}'),
        'entity.names': 'users,orders',
        'http.request.parameters': 'from=${offset}',
        'http.initial.offset': '0',
        'topic.name.pattern': 'crm-${entityName}',
      },
      new Map([[JSON.stringify({ entityName: 'orders' }), { offset: '1' }]]),
    );
    const records = await pollFor(task, 3);
    expect(records.map((r) => [r.topic, r.sourcePartition, r.sourceOffset])).toEqual([
      ['crm-users', { entityName: 'users' }, { offset: '1' }],
      ['crm-orders', { entityName: 'orders' }, { offset: '2' }],
      ['crm-users', { entityName: 'users' }, { offset: '2' }],
    ]);
    expect(server.paths().slice(0, 3)).toEqual(['/users?from=0', '/orders?from=1', '/users?from=1']);
  });

  it('sends the configured and sensitive headers', async () => {
    const server = await api((_req, res) => reply(res, 200, []));
    const { task } = await startTask({
      url: server.url('/items'),
      'http.request.headers': 'X-Tenant:acme|Accept:application/vnd.api+json',
      'http.request.sensitive.headers': 'X-Api-Key:k3y',
    });
    await task.poll();
    expect(server.requests[0]?.headers).toMatchObject({
      'x-tenant': 'acme',
      accept: 'application/vnd.api+json',
      'x-api-key': 'k3y',
      'user-agent': 'sluice-connector-http/0.1.0',
    });
  });

  it('refuses a committed offset that does not fit the mode, saying how to fix it', async () => {
    const server = await api((_req, res) => reply(res, 200, []));
    const url = server.url('/items');
    await expect(startTask({ url }, new Map([[JSON.stringify({ url }), { offset: 'abc' }]]))).rejects.toThrow(
      `The committed offset {"offset":"abc"} of source partition {"url":"${url}"} does not fit SIMPLE_INCREMENTING mode: The 'offset' of a SIMPLE_INCREMENTING offset must be an integer, not "abc". Alter or reset it through the offsets REST API.`,
    );
  });

  it('refuses an invalid config at start', async () => {
    await expect(
      startTask({ url: 'http://127.0.0.1:9/x', 'connection.disallow.local.ips': 'true' }),
    ).rejects.toThrow(
      'Invalid HTTP source configuration: url: address 127.0.0.1 is a loopback address, which connection.disallow.local.ips forbids',
    );
  });

  it('asks again at once while pages bring records, and waits request.interval.ms after an empty page', async () => {
    const server = await api((req, res) => {
      const start = Number(new URL(req.url, 'http://x').searchParams.get('start'));
      reply(res, 200, start < 6 ? [{ n: start + 1 }, { n: start + 2 }] : []);
    });
    const { task } = await startTask({
      url: server.url('/items?start=${offset}'),
      'http.initial.offset': '0',
      'request.interval.ms': '60000',
    });
    const began = Date.now();
    const records = [];
    for (let i = 0; i < 3; i++) records.push(...((await task.poll()) ?? []));
    expect(records.map((r) => (r.value as Map<string, unknown>).get('n'))).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
    expect(await task.poll()).toBeNull(); // the empty page
    expect(Date.now() - began).toBeLessThan(2000);
    expect(await task.poll()).toBeNull(); // waited, made no request
    expect(server.requests.map((r) => r.url)).toEqual([
      '/items?start=0',
      '/items?start=2',
      '/items?start=4',
      '/items?start=6',
    ]);
  });

  it('returns from poll at once when stopped: while waiting, in a request, and in a backoff', async () => {
    const server = await api((req, res) => {
      // An empty page: the next request waits request.interval.ms.
      if (req.url === '/fast') return reply(res, 200, []);
      if (req.url === '/failing') return reply(res, 500, 'no');
      // '/hang' is never answered.
    });
    const cases: [string, Record<string, string>, boolean][] = [
      ['/fast', { 'request.interval.ms': '60000' }, true],
      ['/hang', { 'http.request.timeout.ms': '30000' }, false],
      ['/failing', { 'retry.backoff.ms': '20000', 'retry.backoff.max.ms': '20000' }, false],
    ];
    for (const [path, props, pollFirst] of cases) {
      const { task } = await startTask({ url: server.url(path), ...props });
      if (pollFirst) expect(await task.poll()).toBeNull();
      const polling = task.poll();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const stoppedAt = Date.now();
      await task.stop();
      expect(await polling, path).toBeNull();
      expect(Date.now() - stoppedAt, path).toBeLessThan(500);
      expect(await task.poll()).toBeNull();
    }
  });
});

describe('pause and stop cut a poll short', () => {
  it('returns from a request in flight as soon as the runtime pauses, and makes it again on resume', async () => {
    const server = await api(() => undefined); // never answers
    const { task, context } = await startTask({
      url: server.url('/items'),
      'http.request.timeout.ms': '30000',
    });
    const polling = task.poll();
    await waitUntil(() => server.requests.length === 1);
    const paused = Date.now();
    context.pause();
    expect(await polling).toBeNull();
    expect(Date.now() - paused).toBeLessThan(500);
    context.resume();
    const again = task.poll();
    // Asked again at once, not after request.interval.ms.
    await waitUntil(() => server.requests.length === 2, 500);
    expect(server.paths()).toEqual(['/items', '/items']);
    context.pause();
    expect(await again).toBeNull();
  });

  it('returns from a retry wait (Retry-After) as soon as the runtime pauses', async () => {
    const server = await api((_req, res) => reply(res, 503, {}, { 'Retry-After': '300' }));
    const { task, context } = await startTask({ url: server.url('/items') });
    const polling = task.poll();
    await waitUntil(() => server.requests.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const paused = Date.now();
    context.pause();
    expect(await polling).toBeNull();
    expect(Date.now() - paused).toBeLessThan(500);
  });
});

/** Waits, at most `timeoutMs`, until `condition` holds. */
async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
