import { afterEach, describe, expect, it } from 'vitest';
import { ConnectError, type SourceRecord } from '@sluice/sdk';
import { fakeContext, MockApi, reply, type Handler } from './mock-api.test-helpers.js';
import { HttpSourceTask } from './source-task.js';

// Credentials go to url's origin only, and failure messages and traces never hold a secret.

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

const FAST = {
  'topic.name.pattern': 'http-data',
  'request.interval.ms': '100',
  'retry.backoff.ms': '100',
  'retry.backoff.max.ms': '200',
  'max.retries': '0',
  'retry.on.status.codes': '500-',
  'http.request.timeout.ms': '2000',
};

/** Every credential kind at once: bearer token, a sensitive header, an API key parameter. */
const CREDENTIALS = {
  'auth.type': 'bearer',
  'bearer.token': 'bearer-token-0001',
  'http.request.sensitive.headers': 'X-Api-Key:header-key-0002',
  'http.request.parameters': 'api_key=param-key-0003',
};
const SECRETS = ['bearer-token-0001', 'header-key-0002', 'param-key-0003'];

async function startTask(
  props: Record<string, string>,
  committed: ReadonlyMap<string, Record<string, unknown>> = new Map(),
): Promise<HttpSourceTask> {
  const all = { ...FAST, ...props };
  const task = new HttpSourceTask();
  tasks.push(task);
  task.initialize(fakeContext(all, committed));
  await task.start(all);
  return task;
}

/** Polls until one fails (records before it are returned too) or `polls` polls passed. */
async function pollUntilFailure(
  task: HttpSourceTask,
  polls = 10,
): Promise<{ records: SourceRecord[]; error: ConnectError }> {
  const records: SourceRecord[] = [];
  for (let i = 0; i < polls; i++) {
    const outcome = await task.poll().then(
      (batch) => {
        records.push(...(batch ?? []));
        return null;
      },
      (error: unknown) => error,
    );
    if (outcome !== null) {
      expect(outcome).toBeInstanceOf(ConnectError);
      return { records, error: outcome as ConnectError };
    }
  }
  throw new Error(`no poll failed in ${polls} polls`);
}

/** The message, stack and causes of an error, as one text to search. */
function everything(error: Error): string {
  const parts: string[] = [];
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    parts.push(current.message, current.stack ?? '');
  }
  return parts.join('\n');
}

describe('credentials stay with url’s origin', () => {
  it('refuses a next page link to another origin without sending anything there', async () => {
    const elsewhere = await api((_req, res) => reply(res, 200, { items: [{ id: 'stolen' }] }));
    const links = [
      elsewhere.url('/items?page=2'),
      // The same server under another name is another origin too.
      `http://localhost:${elsewhere.port}/items?page=2`,
    ];
    for (const link of links) {
      const server = await api((_req, res) => reply(res, 200, { items: [{ id: 1 }], next: link }));
      const task = await startTask({
        ...CREDENTIALS,
        url: server.url('/items'),
        'http.offset.mode': 'CURSOR_PAGINATION',
        'http.response.data.json.pointer': '/items',
        'http.next.page.json.pointer': '/next',
      });
      const { records, error } = await pollUntilFailure(task);
      expect(records).toHaveLength(1);
      const origin = new URL(link).origin;
      expect(error.message).toBe(
        `GET ${origin}/items?page=[hidden]&api_key=[hidden]: refused: the offset or next page reference points to ${origin}, not to ${new URL(server.url()).origin} where url points; requests, with their headers, parameters and credentials, go to url's origin only`,
      );
      expect(server.requests).toHaveLength(1);
    }
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('follows a next page link on url’s origin, with the credentials', async () => {
    const server = await api((req, res) =>
      req.url.startsWith('/items?page=2')
        ? reply(res, 200, { items: [{ id: 2 }] })
        : reply(res, 200, { items: [{ id: 1 }], next: '/items?page=2' }),
    );
    const task = await startTask({
      ...CREDENTIALS,
      url: server.url('/items'),
      'http.offset.mode': 'CURSOR_PAGINATION',
      'http.response.data.json.pointer': '/items',
      'http.next.page.json.pointer': '/next',
    });
    expect(await task.poll()).toHaveLength(1);
    expect(await task.poll()).toHaveLength(1);
    expect(server.requests.map((r) => [r.url, r.headers.authorization, r.headers['x-api-key']])).toEqual([
      ['/items?api_key=param-key-0003', 'Bearer bearer-token-0001', 'header-key-0002'],
      ['/items?page=2&api_key=param-key-0003', 'Bearer bearer-token-0001', 'header-key-0002'],
    ]);
  });

  it('refuses a chained offset that would move the request to another host', async () => {
    const elsewhere = await api((_req, res) => reply(res, 200, []));
    const server = await api((_req, res) => reply(res, 200, [{ next: `127.0.0.1:${elsewhere.port}` }]));
    const task = await startTask({
      ...CREDENTIALS,
      url: 'http://${offset}/items',
      'http.initial.offset': `127.0.0.1:${server.port}`,
      'http.offset.mode': 'CHAINING',
      'http.offset.json.pointer': '/next',
    });
    const { error } = await pollUntilFailure(task);
    expect(error.message).toContain(`points to ${new URL(elsewhere.url()).origin}, not to`);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('does not follow a redirect, so another host gets nothing', async () => {
    const elsewhere = await api((_req, res) => reply(res, 200, []));
    const server = await api((_req, res) =>
      reply(res, 302, '', { Location: elsewhere.url('/steal?token=from-the-redirect') }),
    );
    const task = await startTask({ ...CREDENTIALS, url: server.url('/items') });
    const { error } = await pollUntilFailure(task);
    expect(error.message).toBe(
      `GET ${server.url('/items')}?api_key=[hidden]: HTTP 302 Found (redirects are not followed; set url to the new location ${elsewhere.url('/steal')}?token=[hidden])`,
    );
    expect(elsewhere.requests).toHaveLength(0);
  });
});

describe('secrets in failures', () => {
  it('hides query values of the request URL and secrets an API echoes back, in message, stack and causes', async () => {
    const server = await api((req, res) =>
      reply(res, 400, {
        error: `bad key ${new URL(req.url, 'http://x').searchParams.get('key')}`,
        got: [req.headers.authorization, req.headers['x-api-key'], req.url],
      }),
    );
    const task = await startTask({
      ...CREDENTIALS,
      url: server.url('/items?key=url-key-0004&start=${offset}'),
      'http.initial.offset': '7',
    });
    const { error } = await pollUntilFailure(task);
    expect(error.message).toMatch(
      new RegExp(
        `^GET ${server.url('/items')}\\?key=\\[hidden\\]&start=7&api_key=\\[hidden\\]: HTTP 400 Bad Request: `,
      ),
    );
    for (const secret of [...SECRETS, 'url-key-0004']) expect(everything(error)).not.toContain(secret);
    expect(error.message).toContain('[hidden]');
  });

  it('hides the OAuth2 token and client secret, also when the token endpoint or the API echoes them', async () => {
    const server = await api((req, res) => {
      if (req.url === '/token') return reply(res, 200, { access_token: 'oauth-token-0005' });
      if (req.url === '/bad-token')
        return reply(res, 400, { error: `bad client ${req.headers.authorization}` });
      return reply(res, 400, { error: `bad token ${req.headers.authorization}` });
    });
    const oauth2 = {
      'auth.type': 'oauth2',
      'oauth2.client.id': 'client',
      'oauth2.client.secret': 'client-secret-0006',
      'oauth2.client.mode': 'url',
    };
    const echoedToken = await startTask({
      ...oauth2,
      url: server.url('/items'),
      'oauth2.token.url': server.url('/token'),
    });
    const api400 = (await pollUntilFailure(echoedToken)).error;
    expect(api400.message).toContain('bad token [hidden]');
    expect(everything(api400)).not.toContain('oauth-token-0005');

    const echoedSecret = await startTask({
      ...oauth2,
      'oauth2.client.mode': 'header',
      url: server.url('/items'),
      'oauth2.token.url': server.url('/bad-token?tenant=tenant-key-0007'),
    });
    const token400 = (await pollUntilFailure(echoedSecret)).error;
    expect(token400.message).toMatch(
      /^OAuth2 token request POST http:\/\/127\.0\.0\.1:\d+\/bad-token\?tenant=\[hidden\]: HTTP 400/,
    );
    const clientBasic = Buffer.from('client:client-secret-0006').toString('base64');
    for (const secret of ['client-secret-0006', clientBasic, 'tenant-key-0007'])
      expect(everything(token400)).not.toContain(secret);
  });

  it('keeps a key in url out of the source partition, and resumes from the partition older versions wrote', async () => {
    const server = await api((req, res) => {
      const start = Number(new URL(req.url, 'http://x').searchParams.get('start'));
      reply(res, 200, start < 3 ? [{ n: start + 1 }] : []);
    });
    const url = server.url('/items?api_key=url-key-0008&start=${offset}');
    const partition = { url: server.url('/items?api_key=[hidden]&start=${offset}') };
    const fresh = await startTask({ url, 'http.initial.offset': '0' });
    const [record] = (await fresh.poll()) ?? [];
    expect(record?.sourcePartition).toEqual(partition);
    // An offset stored under the url as is (before partitions hid keys) is still where the task resumes.
    const resumed = await startTask(
      { url, 'http.initial.offset': '0' },
      new Map([[JSON.stringify({ url }), { offset: '2' }]]),
    );
    const records = (await resumed.poll()) ?? [];
    expect(records.map((r) => [r.sourcePartition, r.sourceOffset])).toEqual([[partition, { offset: '3' }]]);
    expect(server.requests.at(-1)?.url).toBe('/items?api_key=url-key-0008&start=2');
  });

  it('never echoes a header or parameter value that is invalid (it may be resolved from a secret)', async () => {
    const task = new HttpSourceTask();
    task.initialize(fakeContext({}));
    const error = await task
      .start({
        ...FAST,
        url: 'http://127.0.0.1:9/items?key=url-key-0009',
        'http.request.headers': 'X-Api-Key:header-key\n0010',
        'http.request.parameters': 'param-key-0011',
      })
      .then(
        () => null,
        (e: unknown) => e as Error,
      );
    expect(error?.message).toBe(
      "Invalid HTTP source configuration: http.request.headers: header 'X-Api-Key' has a line break in its value; http.request.parameters: parameter 1 is not name=value (parameters are separated by '&')",
    );
  });
});
