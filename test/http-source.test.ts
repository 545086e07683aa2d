import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { Log } from '@sluice/log';
import { uniqueName, waitFor } from '@sluice/test-kit';
import { openWorkerLog, WorkerProcess, type Backend } from './helpers-rest.js';

// The HTTP Source connector in a real worker process, against an API on loopback: records land in the
// topic as the API served them, the offsets REST API shows and edits the source offset, and a worker
// killed with SIGKILL mid-stream loses nothing and re-emits at most the batch it had not acknowledged.

const PAGE = 250;

/** An API of `total` items, `GET /items?start=N&limit=L` → `{"data": [...]}`; every request is logged. */
class ItemsApi {
  /** The `start` of every request, in order. */
  readonly starts: number[];
  readonly #server: Server;

  private constructor(server: Server, starts: number[]) {
    this.#server = server;
    this.starts = starts;
  }

  static async start(total: number, delayMs = 0): Promise<ItemsApi> {
    const starts: number[] = [];
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://api');
      const start = Number(url.searchParams.get('start'));
      const limit = Number(url.searchParams.get('limit'));
      starts.push(start);
      const data: Array<{ id: number; name: string }> = [];
      for (let id = start + 1; id <= Math.min(total, start + limit); id++)
        data.push({ id, name: `item ${id}` });
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data }));
      }, delayMs);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new ItemsApi(server, starts);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** Every record value of a topic's single partition, as text. */
async function topicValues(log: Log, topic: string): Promise<string[]> {
  const values: string[] = [];
  for (let offset = 0; ;) {
    const { records, highWatermark } = await log.fetch(topic, 0, offset);
    for (const record of records) values.push(record.value?.toString('utf8') ?? 'null');
    offset = records.length === 0 ? offset : records[records.length - 1]!.offset + 1;
    if (offset >= highWatermark) return values;
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function connectorConfig(api: ItemsApi, topic: string): Record<string, string> {
  return {
    'connector.class': 'HttpSource',
    url: `${api.url}/items?start=\${offset}&limit=${PAGE}`,
    'http.initial.offset': '0',
    'http.offset.mode': 'SIMPLE_INCREMENTING',
    'http.response.data.json.pointer': '/data',
    'topic.name.pattern': topic,
    'request.interval.ms': '100',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'false',
  };
}

const item = (id: number) => JSON.stringify({ id, name: `item ${id}` });

describe.each<Backend>(['embedded', 'kafka'])('HTTP Source in a worker (%s)', (backend) => {
  it('produces every item in order, shows its offset, and starts again from an altered one', async () => {
    const api = await ItemsApi.start(1000);
    cleanups.push(() => api.close());
    const worker = await WorkerProcess.create(backend);
    cleanups.push(() => worker.close());
    const topic = uniqueName('http-items');
    const created = await worker.call('POST', '/connectors', {
      name: 'items',
      config: connectorConfig(api, topic),
    });
    expect(created.status).toBe(201);
    // Fixed query values are hidden in the partition (a key there would be stored otherwise).
    const partition = { url: `${api.url}/items?start=\${offset}&limit=[hidden]` };
    await worker.until<{ offsets: Array<{ offset: { offset: string } }> }>(
      '/connectors/items/offsets',
      (body) => body.offsets[0]?.offset.offset === '1000',
    );
    expect((await worker.call('GET', '/connectors/items/offsets')).body).toEqual({
      offsets: [{ partition, offset: { offset: '1000' } }],
    });
    // Caught up: the same request again after each interval, nothing new produced.
    expect(api.starts.slice(0, 5)).toEqual([0, 250, 500, 750, 1000]);

    // Stop, move the offset back to 900, resume: items 901..1000 come again, after the first 1000.
    expect((await worker.call('PUT', '/connectors/items/stop')).status).toBe(204);
    await worker.until<{ connector: { state: string } }>(
      '/connectors/items/status',
      (s) => s.connector.state === 'STOPPED',
    );
    const altered = await worker.call('PATCH', '/connectors/items/offsets', {
      offsets: [{ partition, offset: { offset: '900' } }],
    });
    expect(altered.status).toBe(200);
    expect((await worker.call('PUT', '/connectors/items/resume')).status).toBe(202);
    await waitFor(
      'the request from the altered offset',
      () => (api.starts.includes(900) ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    await worker.until<{ offsets: Array<{ offset: { offset: string } }> }>(
      '/connectors/items/offsets',
      (body) => body.offsets[0]?.offset.offset === '1000' && api.starts.at(-1) === 1000,
    );
    await worker.stop();

    const log = await openWorkerLog(backend, worker);
    try {
      const values = await topicValues(log, topic);
      const ids = Array.from({ length: 1000 }, (_, i) => i + 1);
      expect(values).toEqual([...ids.map(item), ...ids.slice(900).map(item)]);
    } finally {
      await log.close();
    }
  });

  it(
    'loses nothing when the worker is killed with SIGKILL mid-stream, and re-emits at most the unacknowledged page',
    { timeout: 240_000 },
    async () => {
      const total = 40_000;
      const api = await ItemsApi.start(total, 5);
      cleanups.push(() => api.close());
      const worker = await WorkerProcess.create(backend);
      cleanups.push(() => worker.close());
      const topic = uniqueName('http-crash');
      expect(
        (await worker.call('POST', '/connectors', { name: 'crash', config: connectorConfig(api, topic) }))
          .status,
      ).toBe(201);
      await waitFor(
        'a quarter of the items served',
        () => (api.starts.length >= total / PAGE / 4 ? true : undefined),
        {
          timeoutMs: 60_000,
        },
      );
      expect(await worker.stop('SIGKILL')).toBeNull();
      const servedBeforeKill = api.starts.length;

      await worker.start();
      await waitFor(
        'every item served and acknowledged',
        async () => {
          const body = (await worker.call('GET', '/connectors/crash/offsets')).body as {
            offsets: Array<{ offset: { offset: string } }>;
          };
          return body.offsets[0]?.offset.offset === String(total) ? true : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 200 },
      );
      const resumedAt = api.starts[servedBeforeKill]!;
      await worker.stop();

      const log = await openWorkerLog(backend, worker);
      try {
        const values = await topicValues(log, topic);
        const firstSeen = [...new Set(values)];
        expect(firstSeen).toEqual(Array.from({ length: total }, (_, i) => item(i + 1)));
        const reEmitted = values.length - total;
        process.stdout.write(
          `http source crash (${backend}): ${reEmitted} items re-emitted; ${servedBeforeKill} pages served before the kill, resumed at ${resumedAt}\n`,
        );
        expect(reEmitted).toBeLessThanOrEqual(PAGE);
      } finally {
        await log.close();
      }
    },
  );
});
