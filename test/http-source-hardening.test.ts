import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '@sluice/test-kit';
import { WorkerProcess } from './helpers-rest.js';

// The HTTP Source in a real worker process, attacked: pause and stop interrupt a request that hangs or a
// retry wait; a validate request naming a FIFO or /dev/zero as trust store neither hangs nor grows the worker;
// a failing request's API key never reaches the status or the store.

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;

/** An API on loopback whose behaviour a test switches; every request is counted, hanging ones kept open. */
class SwitchableApi {
  requests: string[] = [];
  behaviour: Behaviour = () => undefined;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  private constructor(server: Server) {
    this.#server = server;
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  static async start(): Promise<SwitchableApi> {
    const holder: { api?: SwitchableApi } = {};
    const server = createServer((req, res) => {
      holder.api!.requests.push(req.url ?? '');
      holder.api!.behaviour(req, res);
    });
    const api = new SwitchableApi(server);
    holder.api = api;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

const HANG: Behaviour = () => undefined;
const RETRY_LATER: Behaviour = (_req, res) => {
  res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '300' });
  res.end('{}');
};

interface Status {
  connector: { state: string };
  tasks: Array<{ id: number; state: string; trace?: string }>;
}

async function taskState(worker: WorkerProcess, name: string): Promise<string | undefined> {
  const reply = await worker.call('GET', `/connectors/${name}/status`);
  return reply.status === 200 ? (reply.body as Status).tasks[0]?.state : undefined;
}

/** Milliseconds until the connector's task shows `state` (fails after `timeoutMs`). */
async function timeUntilTask(
  worker: WorkerProcess,
  name: string,
  state: string,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  await waitFor(
    `task of ${name} ${state}`,
    async () => ((await taskState(worker, name)) === state ? true : undefined),
    { timeoutMs, intervalMs: 50 },
  );
  return Date.now() - started;
}

describe('HTTP Source in a worker, attacked (embedded)', () => {
  it('pauses within a couple of seconds while the API hangs or asks to retry later, and stops as fast', async () => {
    const api = await SwitchableApi.start();
    cleanups.push(() => api.close());
    const worker = await WorkerProcess.create('embedded');
    cleanups.push(() => worker.close());
    api.behaviour = HANG;
    const created = await worker.call('POST', '/connectors', {
      name: 'hanging',
      config: {
        'connector.class': 'HttpSource',
        url: `${api.url}/items`,
        'topic.name.pattern': 'hanging-items',
        'request.interval.ms': '100',
        // Defaults: a 30 s request timeout, ten retries, Retry-After honoured up to 300 s.
      },
    });
    expect(created.status).toBe(201);
    await waitFor('the first request', () => (api.requests.length > 0 ? true : undefined));
    await timeUntilTask(worker, 'hanging', 'RUNNING', 30_000);

    // A request in flight.
    expect((await worker.call('PUT', '/connectors/hanging/pause')).status).toBe(202);
    expect(await timeUntilTask(worker, 'hanging', 'PAUSED', 10_000)).toBeLessThan(2500);

    // A retry wait of 300 s (Retry-After).
    api.behaviour = RETRY_LATER;
    const before = api.requests.length;
    expect((await worker.call('PUT', '/connectors/hanging/resume')).status).toBe(202);
    await waitFor('a request after the resume', () => (api.requests.length > before ? true : undefined));
    await timeUntilTask(worker, 'hanging', 'RUNNING', 10_000);
    expect((await worker.call('PUT', '/connectors/hanging/pause')).status).toBe(202);
    expect(await timeUntilTask(worker, 'hanging', 'PAUSED', 10_000)).toBeLessThan(2500);

    // Stop, while a request hangs again.
    api.behaviour = HANG;
    const resumedAt = api.requests.length;
    expect((await worker.call('PUT', '/connectors/hanging/resume')).status).toBe(202);
    await waitFor('a request after the second resume', () =>
      api.requests.length > resumedAt ? true : undefined,
    );
    const stopped = Date.now();
    expect((await worker.call('PUT', '/connectors/hanging/stop')).status).toBe(204);
    await waitFor(
      'the connector stopped, its task gone',
      async () => {
        const status = (await worker.call('GET', '/connectors/hanging/status')).body as Status;
        return status.connector.state === 'STOPPED' && status.tasks.length === 0 ? true : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    expect(Date.now() - stopped).toBeLessThan(2500);
  });

  it('answers a validate naming a FIFO or /dev/zero as trust store at once, and stays responsive', async () => {
    const worker = await WorkerProcess.create('embedded');
    cleanups.push(() => worker.close());
    const fifo = join(worker.dir, 'trust.pipe');
    execFileSync('mkfifo', [fifo]);
    // A writer after two seconds, so that a worker blocked on the FIFO would come back; it gives up at five.
    const writer = spawn('timeout', ['5', 'sh', '-c', 'sleep 2; echo x > "$0"', fifo], { stdio: 'ignore' });
    cleanups.push(() => Promise.resolve(void writer.kill()));
    const message =
      'https.ssl.truststorefile: the value is not a readable regular file, PEM text or a data: URL';
    for (const store of [fifo, '/dev/zero']) {
      const started = Date.now();
      const validated = worker.call('PUT', '/connector-plugins/HttpSource/config/validate', {
        'connector.class': 'HttpSource',
        url: 'https://api.example/items',
        'topic.name.pattern': 't',
        'https.ssl.enabled': 'true',
        'https.ssl.truststorefile': store,
      });
      // The REST API answers something else meanwhile.
      expect((await worker.call('GET', '/')).status).toBe(200);
      const reply = await validated;
      expect(Date.now() - started).toBeLessThan(1500);
      expect(reply.status).toBe(200);
      const configs = (reply.body as { configs: Array<{ value: { name: string; errors: string[] } }> })
        .configs;
      expect(configs.find((c) => c.value.name === 'https.ssl.truststorefile')?.value.errors).toEqual([
        message,
      ]);
    }
  });

  it('keeps an API key resolved from ${file:} out of the status, its trace and the store', async () => {
    const key = 'sk-live-0123456789abcdef';
    const api = await SwitchableApi.start();
    cleanups.push(() => api.close());
    api.behaviour = (req, res) => {
      // An API that echoes what it got in its error body.
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `invalid key in ${req.url} / ${String(req.headers['x-api-key'])}` }));
    };
    const worker = await WorkerProcess.create('embedded', [
      'config.providers=file',
      'config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider',
    ]);
    cleanups.push(() => worker.close());
    const secrets = join(worker.dir, 'api.properties');
    writeFileSync(secrets, `key=${key}\n`);
    const created = await worker.call('POST', '/connectors', {
      name: 'leaky',
      config: {
        'connector.class': 'HttpSource',
        url: `${api.url}/items?api_key=\${file:${secrets}:key}`,
        'http.request.sensitive.headers': `X-Api-Key:\${file:${secrets}:key}`,
        'topic.name.pattern': 'leaky-items',
        'max.retries': '1',
        'retry.backoff.ms': '100',
      },
    });
    expect(created.status).toBe(201);
    const failed = await waitFor(
      'the task FAILED',
      async () => {
        const status = (await worker.call('GET', '/connectors/leaky/status')).body as Status;
        return status.tasks[0]?.state === 'FAILED' ? status : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(api.requests.length).toBeGreaterThan(0);
    const trace = failed.tasks[0]!.trace ?? '';
    expect(trace).toContain(`GET ${api.url}/items?api_key=[hidden]: failed after 1 retries`);
    expect(JSON.stringify(failed)).not.toContain(key);
    const offsets = await worker.call('GET', '/connectors/leaky/offsets');
    expect(JSON.stringify(offsets.body)).not.toContain(key);
    await worker.stop();
    // Nowhere in the store: not in the status records, the task configs or the offsets.
    const dataDir = join(worker.dir, 'data');
    for (const file of readdirSync(dataDir)) {
      expect(readFileSync(join(dataDir, file)).includes(key), file).toBe(false);
    }
  });
});
