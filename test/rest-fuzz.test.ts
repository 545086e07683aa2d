// A bounded fuzz test of the REST API against a real worker: a few thousand structured requests across every
// endpoint, from a fixed seed, within a time bound. No answer may be a 5xx, the worker must answer afterwards,
// and a sample of refused requests is checked to have changed nothing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerProcess, type Backend, type RawReply } from './helpers-rest.js';

const SEED = Number(process.env['SLUICE_FUZZ_SEED'] ?? 0x5eed_2024);
/** CI runs it embedded; `SLUICE_FUZZ_BACKEND=kafka` explores the Kafka backend too. */
const BACKEND: Backend = process.env['SLUICE_FUZZ_BACKEND'] === 'kafka' ? 'kafka' : 'embedded';
const REQUESTS = 3000;
/** The test stops sending after this long, whatever the count, so it stays within CI's patience. */
const TIME_BOUND_MS = 150_000;
/** About one refused write in this many is checked to have changed nothing. */
const SAMPLE_ONE_IN = 8;

/** mulberry32: small, fast, and the same sequence on every run for a seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

class Generator {
  readonly #next: () => number;
  readonly #dir: string;
  constructor(seed: number, dir: string) {
    this.#next = random(seed);
    this.#dir = dir;
  }

  chance(p: number): boolean {
    return this.#next() < p;
  }
  int(max: number): number {
    return Math.floor(this.#next() * max);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Names that exist, that do not, and that probe the URL and the validation rules. */
  name(): string {
    return this.pick([
      'src',
      'sink',
      'stopped',
      'paused',
      'nope',
      `fuzz-${this.int(30)}`,
      '.',
      '..',
      '%2e',
      'a b',
      'ünïcødé-名前',
      'x'.repeat(250),
      'semi;colon',
      'q?mark',
      'hash#tag',
      '\\back',
      ' padded ',
      '',
    ]);
  }

  /** A path segment for a name: encoded as clients do, or raw in ways that probe normalisation. */
  segment(name: string): string {
    if (this.chance(0.85)) return encodeURIComponent(name);
    return this.pick([
      '%2e%2e',
      '%2E',
      '.%2e',
      '%FF',
      '%C3%28',
      '100%',
      'a%2Fb',
      '%00',
      '..',
      '.',
      'a%252Fb',
    ]);
  }

  value(depth = 0): unknown {
    switch (this.int(depth > 2 ? 6 : 9)) {
      case 0:
        return this.pick([
          '',
          'x',
          'true',
          '1',
          '-1',
          '1001',
          'null',
          '${env:HOME}',
          '${file:/etc/passwd:x}',
        ]);
      case 1:
        return this.pick([0, -1, 1, 1.5, 1e21, 2 ** 53 + 2, 1000000000]);
      case 2:
        return this.chance(0.5);
      case 3:
        return null;
      case 4:
        return 'y'.repeat(this.pick([1, 100, 10_000]));
      case 5:
        return this.pick(['é', '\u0000', '\u2028', '😀', '\ud83d\ude00', 'tab\there']);
      case 6:
        return { nested: this.value(depth + 1) };
      case 7:
        return [this.value(depth + 1), this.value(depth + 1)];
      default:
        return this.pick(['FileStreamSink', 'FileStreamSource', 'com.example.Nope', 'HttpSource']);
    }
  }

  /** A connector config: valid to start with, then mutated a few times. */
  config(): Record<string, unknown> {
    const file = join(this.#dir, `f${this.int(5)}.txt`);
    const base: Record<string, unknown> = this.chance(0.5)
      ? { 'connector.class': 'FileStreamSink', topics: `t${this.int(3)}`, file }
      : { 'connector.class': 'FileStreamSource', topic: `t${this.int(3)}`, file };
    for (let i = this.int(4); i > 0; i--) {
      const key = this.pick([
        'connector.class',
        'tasks.max',
        'topics',
        'topics.regex',
        'topic',
        'batch.size',
        'transforms',
        'transforms.t.type',
        'predicates',
        'errors.tolerance',
        'key.converter',
        'value.converter',
        'name',
        'topic.creation.default.partitions',
        'url',
        'random.key',
        'constructor',
        'toString',
      ]);
      if (this.chance(0.2)) delete base[key];
      else if (key === 'tasks.max')
        base[key] = this.pick(['0', '-1', '1001', '1000000000', 'x', '1.5', '', '2']);
      else if (key === 'connector.class')
        base[key] = this.pick(['FileStreamSink', 'FileStreamSource', 'HttpSource', 'com.example.Nope', '']);
      // Never a path outside the test's directory: a sink writes where it is told.
      else if (key === 'url') base[key] = 'http://127.0.0.1:9/items';
      else base[key] = this.value();
    }
    return base;
  }

  /** A JSON text, usually of `value`, sometimes damaged in ways a careless or hostile client sends. */
  body(value: unknown): string | Buffer {
    const text = JSON.stringify(value) ?? 'null';
    switch (this.int(20)) {
      case 0:
        return text.slice(0, this.int(text.length));
      case 1:
        return '{"a":'.repeat(200) + '1' + '}'.repeat(200);
      case 2:
        return Buffer.concat([
          Buffer.from(text.slice(0, -1)),
          Buffer.from([0xff, 0xc3, 0x28]),
          Buffer.from('}'),
        ]);
      case 3:
        return text.replace(/^\{/, '{"__proto__": {"polluted": "yes"}, ');
      case 4:
        return text.replace(/^\{/, '{"big": 99999999999999999999, "half": "\\ud800", ');
      case 5:
        return '';
      case 6:
        return `\ufeff${text}`;
      case 7:
        return 'x'.repeat(1_100_000);
      default:
        return text;
    }
  }

  contentType(): Record<string, string> {
    return this.pick<Record<string, string>>([
      { 'content-type': 'application/json' },
      { 'content-type': 'application/json' },
      { 'content-type': 'application/json' },
      { 'content-type': 'application/json; charset=utf-8' },
      {},
      { 'content-type': 'text/plain' },
      { 'content-type': '*/*' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'garbage' },
    ]);
  }

  offsets(): unknown {
    const partition = this.pick<unknown>([
      { filename: join(this.#dir, 'f0.txt') },
      { kafka_topic: 't0', kafka_partition: this.pick<unknown>([0, '0', -1, 'x', 2 ** 31, null]) },
      { nope: 'x' },
      null,
      'text',
      [],
    ]);
    const offset = this.pick<unknown>([
      { position: this.pick<unknown>([0, 5, -1, 'x', 1e21]) },
      { kafka_offset: this.pick<unknown>([0, '10', -5, 'x', 2 ** 64]) },
      null,
      {},
      'text',
    ]);
    return { offsets: this.pick<unknown>([[{ partition, offset }], [], 'x', null, [{ partition }], [null]]) };
  }

  request(): FuzzRequest {
    const name = this.segment(this.name());
    const json = (value: unknown): FuzzRequest => ({
      method: 'PUT',
      path: '',
      headers: this.contentType(),
      body: this.body(value),
    });
    const query = (options: string[]) =>
      this.chance(0.5) ? '' : `?${options.filter(() => this.chance(0.5)).join('&')}`;
    switch (this.int(30)) {
      case 0:
        return {
          method: 'GET',
          path: this.pick(['/', '/health', '/connectors/', '//connectors', '/nothing']),
          headers: {},
        };
      case 1:
        return {
          method: 'GET',
          path: `/connectors${query(['expand=status', 'expand=info', 'expand=nope'])}`,
          headers: {},
        };
      case 2:
      case 3: {
        const create = {
          name: this.chance(0.9) ? this.name() : this.value(),
          config: this.chance(0.9) ? this.config() : this.value(),
          ...(this.chance(0.2)
            ? { initial_state: this.pick<unknown>(['RUNNING', 'PAUSED', 'STOPPED', 'nope', 1]) }
            : {}),
        };
        return { ...json(create), method: 'POST', path: '/connectors' };
      }
      case 4:
      case 5:
        return { ...json(this.config()), path: `/connectors/${name}/config` };
      case 6:
        return { ...json(this.config()), method: 'PATCH', path: `/connectors/${name}/config` };
      case 7:
        return { method: 'DELETE', path: `/connectors/${name}`, headers: {} };
      case 8:
        return {
          method: 'GET',
          path: `/connectors/${name}${this.pick(['', '/config', '/status', '/tasks', '/tasks-config', '/topics', '/offsets'])}`,
          headers: {},
        };
      case 9:
        return {
          method: 'GET',
          path: `/connectors/${name}/tasks/${this.pick(['0', '1', '-1', 'x', '99999999999999999999'])}/status`,
          headers: {},
        };
      case 10:
        return {
          method: 'POST',
          path: `/connectors/${name}/tasks/${this.pick(['0', '1', 'x'])}/restart`,
          headers: {},
        };
      case 11:
        return {
          method: 'POST',
          path: `/connectors/${name}/restart${query(['includeTasks=true', 'onlyFailed=true', 'includeTasks=maybe'])}`,
          headers: this.chance(0.5) ? {} : this.contentType(),
        };
      case 12:
      case 13:
        return {
          method: 'PUT',
          path: `/connectors/${name}/${this.pick(['pause', 'resume', 'stop'])}`,
          headers: {},
        };
      case 14:
        return { method: 'PUT', path: `/connectors/${name}/topics/reset`, headers: {} };
      case 15:
      case 16:
        return { ...json(this.offsets()), method: 'PATCH', path: `/connectors/${name}/offsets` };
      case 17:
        return { method: 'DELETE', path: `/connectors/${name}/offsets`, headers: {} };
      case 18:
        return {
          ...json([this.config(), this.value()]),
          method: 'POST',
          path: `/connectors/${name}/tasks${query(['forward=true', 'forward=false'])}`,
        };
      case 19:
        return {
          method: 'GET',
          path: `/connector-plugins${query(['connectorsOnly=false', 'connectorsOnly=x'])}`,
          headers: {},
        };
      case 20: {
        const plugin = this.pick([
          'FileStreamSink',
          'FileStreamSource',
          'HttpSource',
          'JsonConverter',
          'Nope',
          '..',
        ]);
        return {
          method: 'GET',
          path: `/connector-plugins/${encodeURIComponent(plugin)}/config`,
          headers: {},
        };
      }
      case 21:
      case 22: {
        const plugin = this.pick(['FileStreamSink', 'FileStreamSourceConnector', 'HttpSource', 'Nope']);
        return { ...json(this.config()), path: `/connector-plugins/${plugin}/config/validate` };
      }
      case 23:
        return { method: 'GET', path: '/admin/loggers', headers: {} };
      case 24:
        return {
          method: 'GET',
          path: `/admin/loggers/${this.segment(this.pick(['root', 'sluice.worker', 'nope', 'org.apache']))}`,
          headers: {},
        };
      case 25:
      case 26: {
        const logger = this.pick([
          'root',
          'sluice.herder',
          `fuzz.logger.${this.int(50)}`,
          'org.apache.kafka',
          'ROOT',
        ]);
        const level = this.pick<unknown>(['DEBUG', 'info', 'WARN', 'nope', 7, null, 'ERROR']);
        return {
          ...json(this.chance(0.8) ? { level } : this.value()),
          path: `/admin/loggers/${this.segment(logger)}${query(['scope=cluster', 'scope=worker', 'scope=x'])}`,
        };
      }
      case 27:
        // A known path with a method it does not take.
        return {
          method: this.pick(['DELETE', 'POST', 'PATCH']),
          path: this.pick(['/connectors/src/status', '/connector-plugins', '/admin/loggers']),
          headers: {},
        };
      default: {
        const method = this.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);
        return {
          method,
          path: `/connectors/${name}/${this.pick(['a', 'tasks/0', 'tasks/0/status/x', 'offsets/x'])}`,
          headers: this.contentType(),
          ...(method === 'GET' || method === 'HEAD' ? {} : { body: this.body(this.value()) }),
        };
      }
    }
  }
}

/** What a refused request must not have changed: connectors, their configs and task configs, logger levels. */
async function snapshot(worker: WorkerProcess): Promise<string> {
  const names = (await worker.call('GET', '/connectors')).body as string[];
  const state: Record<string, unknown> = { names };
  for (const name of names) {
    const path = `/connectors/${encodeURIComponent(name)}`;
    state[name] = {
      config: (await worker.call('GET', `${path}/config`)).body,
      tasks: (await worker.call('GET', `${path}/tasks`)).body,
    };
  }
  state['loggers'] = (await worker.call('GET', '/admin/loggers')).body;
  return JSON.stringify(state);
}

describe(`REST fuzzing against a real worker (${BACKEND})`, () => {
  let worker: WorkerProcess;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-fuzz-'));
    for (let i = 0; i < 5; i++) writeFileSync(join(dir, `f${i}.txt`), 'one\ntwo\n');
    worker = await WorkerProcess.create(BACKEND, [], { NODE_OPTIONS: '--max-old-space-size=768' });
  });
  afterAll(async () => {
    await worker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The connectors requests are aimed at, created again whenever the fuzz deleted them. */
  async function baseline(): Promise<void> {
    const names = new Set((await worker.call('GET', '/connectors')).body as string[]);
    const wanted: Array<[string, Record<string, string>, string]> = [
      ['src', { 'connector.class': 'FileStreamSource', file: join(dir, 'f0.txt'), topic: 't0' }, 'RUNNING'],
      ['sink', { 'connector.class': 'FileStreamSink', file: join(dir, 'out.txt'), topics: 't0' }, 'RUNNING'],
      [
        'stopped',
        { 'connector.class': 'FileStreamSource', file: join(dir, 'f1.txt'), topic: 't1' },
        'STOPPED',
      ],
      [
        'paused',
        { 'connector.class': 'FileStreamSink', file: join(dir, 'out2.txt'), topics: 't1' },
        'PAUSED',
      ],
    ];
    for (const [name, config, initial_state] of wanted) {
      if (!names.has(name)) await worker.call('POST', '/connectors', { name, config, initial_state });
    }
    // Connectors the fuzz created: a few are kept, so that requests also meet connectors in odd states.
    for (const name of [...names].filter((n) => !wanted.some(([w]) => w === n)).slice(6)) {
      await worker.call('DELETE', `/connectors/${encodeURIComponent(name)}`);
    }
  }

  it(
    `answers ${REQUESTS} generated requests without a 5xx, and refused ones change nothing`,
    async () => {
      const generate = new Generator(SEED, dir);
      const deadline = Date.now() + TIME_BOUND_MS;
      const serverErrors: string[] = [];
      const changedByRefusal: string[] = [];
      const statuses = new Map<number, number>();
      let sent = 0;
      let sampled = 0;
      const send = async (request: FuzzRequest): Promise<{ reply: RawReply; described: string }> => {
        const described = `${request.method} ${request.path} ${JSON.stringify(request.headers)} ${String(request.body ?? '').slice(0, 300)}`;
        let reply: RawReply;
        try {
          // With a length: node's client sends a DELETE body unframed otherwise, which no server can read.
          const length: Record<string, string> =
            request.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(request.body)) };
          reply = await worker.send(request.method, request.path, {
            headers: { ...request.headers, ...length },
            ...(request.body === undefined ? {} : { body: request.body }),
          });
        } catch (error) {
          throw new Error(`${described} got no answer: ${(error as Error).message}`);
        }
        sent++;
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        if (reply.status >= 500)
          serverErrors.push(`${reply.status} ${reply.text.slice(0, 300)} <- ${described}`);
        return { reply, described };
      };
      await baseline();
      for (let step = 0; sent < REQUESTS && Date.now() < deadline; step++) {
        if (step % 200 === 0) await baseline();
        if (generate.chance(0.1)) {
          // A burst of requests at once: races between writes must not turn into 5xx either.
          await Promise.all(Array.from({ length: 4 }, () => send(generate.request())));
          continue;
        }
        const request = generate.request();
        const write = request.method !== 'GET' && request.method !== 'HEAD';
        const before = write && generate.chance(1 / SAMPLE_ONE_IN) ? await snapshot(worker) : undefined;
        const { reply, described } = await send(request);
        if (before !== undefined && reply.status >= 400) {
          sampled++;
          const after = await snapshot(worker);
          if (after !== before)
            changedByRefusal.push(`${reply.status} ${reply.text.slice(0, 200)} <- ${described}`);
        }
      }
      expect(serverErrors).toEqual([]);
      expect(changedByRefusal).toEqual([]);
      // The run was not trivial: most of it was sent, refusals were checked, and every kind of answer came.
      expect(sent).toBeGreaterThan(REQUESTS / 2);
      expect(sampled).toBeGreaterThan(20);
      expect([...statuses.keys()]).toEqual(
        expect.arrayContaining([200, 201, 204, 400, 404, 405, 409, 413, 415]),
      );
      // The worker still serves, and its own connectors still run.
      expect((await worker.call('GET', '/')).status).toBe(200);
      await baseline();
      await worker.until<{ connector: { state: string } }>(
        '/connectors/sink/status',
        (s) =>
          s.connector.state === 'RUNNING' ||
          s.connector.state === 'PAUSED' ||
          s.connector.state === 'STOPPED',
      );
    },
    TIME_BOUND_MS + 120_000,
  );
});
