import { afterEach, describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  NotLeaderError,
  NotOwnerError,
  type Herder,
  type PluginCatalog,
} from '@sluice/coordinator';
import { Loggers } from '@sluice/logging';
import { listen, PeerClient, type ListeningServer } from '@sluice/rest';
import { createConnectApp } from './app.js';
import { CONFLICTING_OPERATION } from './forwarding.js';
import { NO_KNOWN_LEADER } from './errors.js';

/** What a worker's fake herder was asked, with the request's forward flag and headers. */
interface Call {
  method: string;
  args: unknown[];
}

interface FakeWorker {
  url: string;
  calls: Call[];
  requests: Array<{ url: string; authorization: string | undefined; body: string }>;
  awaited: number[];
}

const servers: ListeningServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/**
 * A worker whose herder answers every method with `behaviour(method, args)`: a value to resolve with, or an
 * error to throw (NotLeader, NotOwner).
 */
async function worker(behaviour: (method: string, args: unknown[]) => unknown): Promise<FakeWorker> {
  const fake: FakeWorker = { url: '', calls: [], requests: [], awaited: [] };
  const herder = new Proxy(
    {},
    {
      get: (_target, method: string) => {
        if (method === 'then') return undefined;
        if (method === 'configOffset') return () => 42;
        if (method === 'awaitConfigOffset')
          return (offset: number) => {
            fake.awaited.push(offset);
            return Promise.resolve();
          };
        return (...args: unknown[]) => {
          fake.calls.push({ method, args });
          const outcome = behaviour(method, args);
          return outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome);
        };
      },
    },
  ) as Herder;
  const app = createConnectApp({
    info: () => ({ version: '1', commit: 'x', kafka_cluster_id: 'c' }),
    ready: () => true,
    loggers: new Loggers({ write: () => undefined }),
    herder: Promise.resolve(herder),
    catalog: {} as PluginCatalog,
    peers: new PeerClient({ timeoutMs: 5_000 }),
    forwardRetryMs: RETRY_FOR_MS,
  });
  const server = await listen(
    async (request) => {
      const copy = request.clone();
      fake.requests.push({
        url: request.url,
        authorization: request.headers.get('authorization') ?? undefined,
        body: await copy.text(),
      });
      return app.fetch(request);
    },
    { protocol: 'http', host: '127.0.0.1', port: 0 },
  );
  servers.push(server);
  fake.url = server.listener.url;
  return fake;
}

/** How long a worker here keeps asking again for a request it cannot place. */
const RETRY_FOR_MS = 1_500;

const info = (name: string) => ({ created: true, info: { name, config: {}, tasks: [], type: 'source' } });
const leads = (method: string, args: unknown[]) =>
  method === 'putConnectorConfig' ? info(args[0] as string) : undefined;
const follows = (leader: () => string | undefined) => () =>
  new NotLeaderError('Only the leader can set connector configs.', leader());

async function call(
  url: string,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
) {
  const response = await fetch(url + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
  };
}

const connector = JSON.stringify({ name: 'a', config: { 'connector.class': 'X', note: 'é €' } });

describe('forwarding to the leader, with Connect hop rule', () => {
  it('forwards a write from a follower with forward=true, the body byte for byte and Authorization', async () => {
    const leader = await worker(leads);
    const follower = await worker(follows(() => leader.url));
    const reply = await call(follower.url, 'POST', '/connectors?expand=x', connector, {
      authorization: 'Basic dXNlcjpwYXNz',
      'x-other': 'not forwarded',
    });
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual(info('a').info);
    // The Location names the worker the client asked.
    expect(reply.headers.get('location')).toBe(`${follower.url}/connectors/a`);
    const forwarded = leader.requests[0]!;
    const url = new URL(forwarded.url);
    expect(url.pathname).toBe('/connectors');
    expect(url.searchParams.get('forward')).toBe('true');
    expect(url.searchParams.get('expand')).toBe('x');
    expect(forwarded.authorization).toBe('Basic dXNlcjpwYXNz');
    expect(forwarded.body).toBe(connector);
    // The follower answered once its own view had the leader's write.
    expect(follower.awaited).toEqual([42]);
  });

  it('takes two hops at most: absent → true → false, then 409', async () => {
    const leader = await worker(leads);
    const stale = await worker(follows(() => leader.url));
    const first = await worker(follows(() => stale.url));
    const reply = await call(
      first.url,
      'PUT',
      '/connectors/a/config',
      JSON.stringify({ 'connector.class': 'X' }),
    );
    expect(reply.status).toBe(201);
    expect(new URL(stale.requests[0]!.url).searchParams.get('forward')).toBe('true');
    expect(new URL(leader.requests[0]!.url).searchParams.get('forward')).toBe('false');

    // A worker asked with forward=false that cannot serve answers 409.
    const loop: { url?: string } = {};
    const a = await worker(follows(() => loop.url));
    const b = await worker(follows(() => a.url));
    loop.url = b.url;
    const conflict = await call(a.url, 'POST', '/connectors', connector);
    expect(conflict).toMatchObject({
      status: 409,
      body: { error_code: 409, message: CONFLICTING_OPERATION },
    });
    // The client's request, then b's forward=false for each time a asked b again (it did nothing).
    const forwards = (w: FakeWorker) => w.requests.map((r) => new URL(r.url).searchParams.get('forward'));
    expect(forwards(a)[0]).toBeNull();
    expect(forwards(a).length).toBeGreaterThan(2);
    expect(new Set(forwards(a).slice(1))).toEqual(new Set(['false']));
    expect(new Set(forwards(b))).toEqual(new Set(['true']));
    expect(await call(b.url, 'POST', '/connectors?forward=false', connector)).toMatchObject({
      status: 409,
      body: { message: CONFLICTING_OPERATION },
    });
  });

  it('answers 409 when nobody knows the leader for a while, and serves pause and resume wherever they arrive', async () => {
    const follower = await worker((method) =>
      method === 'pauseConnector' || method === 'resumeConnector' ? undefined : follows(() => undefined)(),
    );
    const asked = Date.now();
    expect(await call(follower.url, 'POST', '/connectors', connector)).toMatchObject({
      status: 409,
      body: { error_code: 409, message: NO_KNOWN_LEADER },
    });
    expect(Date.now() - asked).toBeGreaterThanOrEqual(RETRY_FOR_MS - 500);
    expect((await call(follower.url, 'PUT', '/connectors/a/pause')).status).toBe(202);
    expect((await call(follower.url, 'PUT', '/connectors/a/resume')).status).toBe(202);
    const methods = follower.calls.map((c) => c.method);
    expect(new Set(methods.slice(0, -2))).toEqual(new Set(['putConnectorConfig']));
    expect(methods.slice(-2)).toEqual(['pauseConnector', 'resumeConnector']);
  });

  it('waits out a moment in which the worker asked knows no leader, and forwards once it learns one', async () => {
    const leader = await worker(leads);
    const learnedAt = Date.now() + 700;
    const follower = await worker(follows(() => (Date.now() < learnedAt ? undefined : leader.url)));
    const reply = await call(follower.url, 'POST', '/connectors', connector);
    expect(reply).toMatchObject({ status: 201 });
    expect(Date.now()).toBeGreaterThanOrEqual(learnedAt);
    expect(leader.calls.map((c) => c.method)).toEqual(['putConnectorConfig']);
  });

  it('sends a task restart to the worker running it, through the leader', async () => {
    const owner = await worker(() => undefined);
    const leader = await worker(
      () => new NotOwnerError('Cannot restart task since it is not assigned', owner.url),
    );
    const follower = await worker(() => new NotLeaderError('not the leader', leader.url));
    expect((await call(follower.url, 'POST', '/connectors/a/tasks/2/restart')).status).toBe(204);
    expect(owner.calls).toEqual([{ method: 'restartTask', args: ['a', 2] }]);
    expect(new URL(owner.requests[0]!.url).searchParams.get('forward')).toBe('false');
  });

  it('relays the answering worker’s error as it is', async () => {
    const leader = await worker(() => new AlreadyExistsError('Connector a already exists'));
    const follower = await worker(follows(() => leader.url));
    expect(await call(follower.url, 'POST', '/connectors', connector)).toMatchObject({
      status: 409,
      body: { error_code: 409, message: 'Connector a already exists' },
    });
    expect(leader.calls).toHaveLength(1);
  });

  it('asks again when the leader it forwarded to knows no leader any more (it is leaving its group)', async () => {
    // The old leader was asked with forward=true and knows no leader itself: it did nothing.
    const leaving = await worker(() => new NotLeaderError('gone', undefined));
    const leader = await worker(leads);
    let asked = 0;
    const follower = await worker(follows(() => (asked++ === 0 ? leaving.url : leader.url)));
    const reply = await call(follower.url, 'POST', '/connectors', connector);
    expect(reply.status).toBe(201);
    expect(asked).toBe(2);
    expect(leaving.calls.map((c) => c.method)).toEqual(['putConnectorConfig']);
    expect(leader.calls.map((c) => c.method)).toEqual(['putConnectorConfig']);
  });

  it('asks again when the worker it forwarded to does not answer (a dead leader, a new one elected)', async () => {
    const leader = await worker(leads);
    const dead = await worker(leads);
    const deadUrl = dead.url;
    await servers.splice(servers.length - 1, 1)[0]!.close();
    let asked = 0;
    const follower = await worker(follows(() => (asked++ === 0 ? deadUrl : leader.url)));
    const reply = await call(follower.url, 'POST', '/connectors', connector);
    expect(reply.status).toBe(201);
    expect(asked).toBe(2);
  });
});
