import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerProcess, type Backend } from './helpers-rest.js';

interface Status {
  name: string;
  connector: { state: string; worker_id: string; trace?: string };
  tasks: Array<{ id: number; state: string; worker_id: string; trace?: string }>;
  type: string;
}

const FILE_SOURCE = 'org.apache.kafka.connect.file.FileStreamSourceConnector';
const FILE_SINK = 'org.apache.kafka.connect.file.FileStreamSinkConnector';
const running = (s: Status) =>
  s.connector.state === 'RUNNING' && s.tasks.length > 0 && s.tasks.every((t) => t.state === 'RUNNING');

describe.each<Backend>(['embedded', 'kafka'])('REST API on a real worker (%s)', (backend) => {
  let worker: WorkerProcess;
  let input: string;
  let output: string;
  const topic = `lines-${backend}-${Date.now().toString(36)}`;
  // Its consumer group, connect-<name>, must be this run's own.
  const sink = `sink-${backend}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    worker = await WorkerProcess.create(backend);
    input = join(worker.dir, 'input.txt');
    output = join(worker.dir, 'output.txt');
    writeFileSync(input, 'one\ntwo\nthree\n');
  });
  afterAll(async () => {
    await worker?.close();
  });

  const source = () => ({ 'connector.class': 'FileStreamSource', file: input, topic });

  it('describes the worker and its plugins', async () => {
    expect(await worker.call('GET', '/health')).toEqual(
      expect.objectContaining({
        status: 200,
        body: { status: 'healthy', message: 'Worker has completed startup and is ready to handle requests.' },
      }),
    );
    const root = await worker.call('GET', '/');
    expect(root).toMatchObject({
      status: 200,
      body: { version: expect.any(String), commit: expect.any(String), kafka_cluster_id: expect.any(String) },
    });
    const plugins = (await worker.call('GET', '/connector-plugins')).body as Array<{
      class: string;
      type: string;
      version: string;
    }>;
    expect(plugins.map((p) => [p.class, p.type])).toEqual([
      ['io.confluent.connect.http.HttpSourceConnector', 'source'],
      [FILE_SINK, 'sink'],
      [FILE_SOURCE, 'source'],
    ]);
    const all = (await worker.call('GET', '/connector-plugins?connectorsOnly=false')).body as Array<{
      class: string;
      type: string;
    }>;
    expect(all).toContainEqual(
      expect.objectContaining({ class: 'org.apache.kafka.connect.json.JsonConverter', type: 'converter' }),
    );
    expect(all).toContainEqual(
      expect.objectContaining({
        class: 'org.apache.kafka.connect.storage.SimpleHeaderConverter',
        type: 'header_converter',
      }),
    );
    const config = (await worker.call('GET', '/connector-plugins/FileStreamSource/config')).body as Array<{
      name: string;
    }>;
    expect(config.map((c) => c.name)).toEqual(expect.arrayContaining(['file', 'topic', 'batch.size']));
    expect(await worker.call('GET', '/connector-plugins/NoSuchPlugin/config')).toMatchObject({
      status: 404,
      body: { error_code: 404 },
    });
  });

  it('validates a config per key without creating anything', async () => {
    const reply = await worker.call('PUT', '/connector-plugins/FileStreamSinkConnector/config/validate', {
      'connector.class': 'FileStreamSink',
      'tasks.max': 'x',
    });
    expect(reply.status).toBe(200);
    const body = reply.body as {
      name: string;
      error_count: number;
      groups: string[];
      configs: Array<{
        definition: { name: string } | null;
        value: { name: string; errors: string[] } | null;
      }>;
    };
    expect(body.name).toBe(FILE_SINK);
    // As Connect: the missing name, and two for tasks.max (unparsable, then null against its Range).
    expect(body.error_count).toBe(4);
    const errors = Object.fromEntries(
      body.configs
        .filter((c) => c.value && c.value.errors.length > 0)
        .map((c) => [c.value!.name, c.value!.errors]),
    );
    expect(errors['topics']).toEqual(['Must configure one of topics or topics.regex']);
    expect(errors['name']).toEqual(['Missing required configuration "name" which has no default value.']);
    expect(errors['tasks.max']).toEqual([
      'Invalid value x for configuration tasks.max: Not a number of type INT',
      'Invalid value null for configuration tasks.max: Value must be non-null',
    ]);
    expect(body.groups).toEqual(expect.arrayContaining(['Common', 'Transforms', 'Error Handling']));
    expect(
      await worker.call('PUT', '/connector-plugins/FileStreamSink/config/validate', {
        'connector.class': 'FileStreamSource',
      }),
    ).toEqual(
      expect.objectContaining({
        status: 400,
        body: {
          error_code: 400,
          message: 'Included connector type FileStreamSource does not match request type FileStreamSink',
        },
      }),
    );
    expect((await worker.call('GET', '/connectors')).body).toEqual([]);
  });

  it('creates a connector (201 + Location), refuses a duplicate (409) and bad input (400, 413) without changing anything', async () => {
    const created = await worker.call('POST', '/connectors', { name: 'src', config: source() });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toMatch(/\/connectors\/src$/);
    expect(created.body).toMatchObject({ name: 'src', config: { ...source(), name: 'src' }, type: 'source' });
    expect(await worker.call('POST', '/connectors', { name: 'src', config: source() })).toEqual(
      expect.objectContaining({
        status: 409,
        body: { error_code: 409, message: 'Connector src already exists' },
      }),
    );
    const invalid = await worker.call('POST', '/connectors', {
      name: 'bad',
      config: { 'connector.class': 'FileStreamSink' },
    });
    expect(invalid.status).toBe(400);
    expect((invalid.body as { message: string }).message).toMatch(
      /^Connector configuration is invalid and contains the following 1 error\(s\):\nMust configure one of topics or topics.regex/,
    );
    const unknownClass = await worker.call('POST', '/connectors', {
      name: 'bad',
      config: { 'connector.class': 'com.example.Nope' },
    });
    expect(unknownClass).toMatchObject({
      status: 400,
      body: {
        error_code: 400,
        message: expect.stringContaining(
          'Failed to find any class that implements Connector and which name matches com.example.Nope',
        ),
      },
    });
    for (const name of ['', '   ', 'a/b', 'tab\there', 'x'.repeat(250)]) {
      const reply = await worker.call('POST', '/connectors', { name, config: source() });
      expect(reply.status, JSON.stringify(name)).toBe(400);
      expect(reply.body).toEqual({ error_code: 400, message: expect.any(String) });
    }
    expect(await worker.call('POST', '/connectors', '{"name": "x", "config": ')).toMatchObject({
      status: 400,
      body: { error_code: 400 },
    });
    expect(
      await worker.call('POST', '/connectors', {
        name: 'huge',
        config: { ...source(), pad: 'x'.repeat(1_100_000) },
      }),
    ).toMatchObject({ status: 413, body: { error_code: 413 } });
    expect(
      await worker.call('PUT', '/connectors/other/config', { ...source(), name: 'different' }),
    ).toMatchObject({
      status: 400,
      body: {
        message: "Connector name configuration (different) doesn't match connector name in the URL (other)",
      },
    });
    expect((await worker.call('GET', '/connectors')).body).toEqual(['src']);
  });

  it('runs a FileStream pipeline end to end and reports it as Connect does', async () => {
    expect(
      (
        await worker.call('PUT', `/connectors/${sink}/config`, {
          'connector.class': FILE_SINK,
          file: output,
          topics: topic,
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await worker.call('PUT', `/connectors/${sink}/config`, {
          'connector.class': FILE_SINK,
          file: output,
          topics: topic,
        })
      ).status,
    ).toBe(200);
    await worker.until<Status>('/connectors/src/status', running);
    const status = await worker.until<Status>(`/connectors/${sink}/status`, running);
    expect(status).toEqual({
      name: sink,
      connector: { state: 'RUNNING', worker_id: new URL(worker.base).host },
      tasks: [{ id: 0, state: 'RUNNING', worker_id: new URL(worker.base).host }],
      type: 'sink',
    });
    appendFileSync(input, 'four\n');
    await worker.until(
      '/connectors',
      () => existsSync(output) && readFileSync(output, 'utf8') === 'one\ntwo\nthree\nfour\n',
    );

    expect((await worker.call('GET', '/connectors/src')).body).toEqual({
      name: 'src',
      config: { ...source(), name: 'src' },
      tasks: [{ connector: 'src', task: 0 }],
      type: 'source',
    });
    expect((await worker.call('GET', '/connectors/src/config')).body).toEqual({ ...source(), name: 'src' });
    const tasks = (await worker.call('GET', '/connectors/src/tasks')).body as Array<{
      id: unknown;
      config: Record<string, string>;
    }>;
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.id).toEqual({ connector: 'src', task: 0 });
    expect(await worker.call('GET', '/connectors/src/tasks/0/status')).toMatchObject({
      status: 200,
      body: { id: 0, state: 'RUNNING' },
    });
    const expanded = (await worker.call('GET', '/connectors?expand=status&expand=info')).body as Record<
      string,
      { status: Status; info: { name: string } }
    >;
    expect(Object.keys(expanded).sort()).toEqual([sink, 'src']);
    expect(expanded[sink]!.status.connector.state).toBe('RUNNING');
    expect(expanded['src']!.info.name).toBe('src');
    expect(
      Object.keys((await worker.call('GET', '/connectors?expand=status')).body as object).sort(),
    ).toEqual([sink, 'src']);
    // Active topics are recorded as tasks first use them, asynchronously (as in Connect).
    await worker.until<Record<string, { topics: string[] }>>(
      '/connectors/src/topics',
      (b) => b['src']?.topics[0] === topic,
    );
    await worker.until<Record<string, { topics: string[] }>>(
      `/connectors/${sink}/topics`,
      (b) => b[sink]?.topics[0] === topic,
    );
    expect((await worker.call('GET', '/connectors/src/topics')).body).toEqual({ src: { topics: [topic] } });
    expect((await worker.call('PUT', `/connectors/${sink}/topics/reset`)).status).toBe(202);
    expect((await worker.call('GET', `/connectors/${sink}/topics`)).body).toEqual({ [sink]: { topics: [] } });
  });

  it('answers 404 with Connect messages for unknown connectors and tasks', async () => {
    for (const [method, path] of [
      ['GET', '/connectors/nope'],
      ['GET', '/connectors/nope/config'],
      ['GET', '/connectors/nope/status'],
      ['GET', '/connectors/nope/tasks'],
      ['PUT', '/connectors/nope/pause'],
      ['PUT', '/connectors/nope/resume'],
      ['PUT', '/connectors/nope/stop'],
      ['POST', '/connectors/nope/restart'],
      ['DELETE', '/connectors/nope'],
      ['GET', '/connectors/nope/offsets'],
    ] as const) {
      expect(await worker.call(method, path), `${method} ${path}`).toEqual(
        expect.objectContaining({
          status: 404,
          body: { error_code: 404, message: 'Connector nope not found' },
        }),
      );
    }
    expect((await worker.call('GET', '/connectors/src/tasks/7/status')).body).toEqual({
      error_code: 404,
      message: 'No status found for task src-7',
    });
    expect((await worker.call('POST', '/connectors/src/tasks/7/restart')).body).toEqual({
      error_code: 404,
      message: 'Task src-7 not found',
    });
  });

  it('pauses, resumes and restarts', async () => {
    expect((await worker.call('PUT', '/connectors/src/pause')).status).toBe(202);
    await worker.until<Status>(
      '/connectors/src/status',
      (s) => s.connector.state === 'PAUSED' && s.tasks.every((t) => t.state === 'PAUSED'),
    );
    expect((await worker.call('PUT', '/connectors/src/resume')).status).toBe(202);
    await worker.until<Status>('/connectors/src/status', running);
    expect((await worker.call('POST', '/connectors/src/restart')).status).toBe(204);
    expect((await worker.call('POST', '/connectors/src/tasks/0/restart')).status).toBe(204);
    const restarting = await worker.call('POST', '/connectors/src/restart?includeTasks=true');
    expect(restarting.status).toBe(202);
    expect(restarting.body).toMatchObject({
      name: 'src',
      connector: { state: 'RESTARTING' },
      tasks: [{ id: 0, state: 'RESTARTING' }],
    });
    await worker.until<Status>('/connectors/src/status', running);
    const onlyFailed = await worker.call('POST', '/connectors/src/restart?includeTasks=true&onlyFailed=true');
    expect(onlyFailed).toMatchObject({
      status: 202,
      body: { connector: { state: 'RUNNING' }, tasks: [{ state: 'RUNNING' }] },
    });
  });

  it('shows, alters and resets offsets only while STOPPED', async () => {
    const offsets = await worker.until<{
      offsets: Array<{ partition: unknown; offset: { position: number } }>;
    }>('/connectors/src/offsets', (b) => b.offsets.length === 1 && b.offsets[0]!.offset.position === 19);
    expect(offsets.offsets).toEqual([{ partition: { filename: input }, offset: { position: 19 } }]);
    const refused = await worker.call('PATCH', '/connectors/src/offsets', {
      offsets: [{ partition: { filename: input }, offset: { position: 4 } }],
    });
    expect(refused).toMatchObject({
      status: 400,
      body: {
        error_code: 400,
        message: expect.stringMatching(
          /^Connectors must be in the STOPPED state before their offsets can be modified/,
        ),
      },
    });
    expect((await worker.call('GET', '/connectors/src/offsets')).body).toEqual(offsets);

    expect((await worker.call('PUT', '/connectors/src/stop')).status).toBe(204);
    await worker.until<Status>(
      '/connectors/src/status',
      (s) => s.connector.state === 'STOPPED' && s.tasks.length === 0,
    );
    const altered = await worker.call('PATCH', '/connectors/src/offsets', {
      offsets: [{ partition: { filename: input }, offset: { position: 4 } }],
    });
    expect(altered).toMatchObject({
      status: 200,
      body: { message: expect.stringMatching(/offsets for this connector have been altered successfully/) },
    });
    expect((await worker.call('GET', '/connectors/src/offsets')).body).toEqual({
      offsets: [{ partition: { filename: input }, offset: { position: 4 } }],
    });
    expect(await worker.call('PATCH', '/connectors/src/offsets', { offsets: [] })).toMatchObject({
      status: 400,
    });
    const reset = await worker.call('DELETE', '/connectors/src/offsets');
    expect(reset).toMatchObject({
      status: 200,
      body: { message: expect.stringMatching(/offsets for this connector have been reset successfully/) },
    });
    expect((await worker.call('GET', '/connectors/src/offsets')).body).toEqual({ offsets: [] });

    const sinkOffsets = (await worker.call('GET', `/connectors/${sink}/offsets`)).body as {
      offsets: unknown[];
    };
    expect(sinkOffsets.offsets).toEqual([
      { partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: 4 } },
    ]);
  });

  it('creates connectors in an initial state, patches configs, deletes, and keeps everything across a restart', async () => {
    const paused = await worker.call('POST', '/connectors', {
      name: 'paused',
      config: source(),
      initial_state: 'PAUSED',
    });
    expect(paused.status).toBe(201);
    await worker.until<Status>('/connectors/paused/status', (s) => s.connector.state === 'PAUSED');
    expect(
      (await worker.call('POST', '/connectors', { name: 'x', config: source(), initial_state: 'SLEEPING' }))
        .status,
    ).toBe(400);
    const patched = await worker.call('PATCH', '/connectors/paused/config', {
      'batch.size': '10',
      file: null,
    });
    expect(patched.status).toBe(200);
    expect((patched.body as { config: Record<string, string> }).config).toEqual({
      'connector.class': 'FileStreamSource',
      topic,
      name: 'paused',
      'batch.size': '10',
    });
    expect((await worker.call('DELETE', '/connectors/paused')).status).toBe(204);
    expect((await worker.call('GET', '/connectors/paused')).status).toBe(404);

    expect(await worker.stop('SIGTERM')).toBe(0);
    await worker.start();
    expect((await worker.call('GET', '/connectors')).body).toEqual([sink, 'src']);
    await worker.until<Status>('/connectors/src/status', (s) => s.connector.state === 'STOPPED');
    await worker.until<Status>(`/connectors/${sink}/status`, running);
  });
});

describe('plugin.path', () => {
  it('finds a third-party connector package and runs it', async () => {
    const fixtures = join(process.cwd(), 'test', 'fixtures');
    const worker = await WorkerProcess.create('embedded', [`plugin.path=${fixtures}`]);
    try {
      const plugins = (await worker.call('GET', '/connector-plugins')).body as Array<{
        class: string;
        type: string;
      }>;
      expect(plugins).toContainEqual(
        expect.objectContaining({ class: 'test.CountingSourceConnector', type: 'source' }),
      );
      expect(plugins).toContainEqual(
        expect.objectContaining({ class: 'test.CollectingSinkConnector', type: 'sink' }),
      );
      expect(plugins).toContainEqual(expect.objectContaining({ class: FILE_SOURCE }));
    } finally {
      await worker.close();
    }
  });

  it('stops the connector instance on pause and starts it again on resume, as Connect does', async () => {
    const fixtures = join(process.cwd(), 'test', 'fixtures');
    const dir = mkdtempSync(join(tmpdir(), 'sluice-pause-'));
    const events = join(dir, 'connector-events');
    const worker = await WorkerProcess.create('embedded', [`plugin.path=${fixtures}`]);
    try {
      const lines = () => (existsSync(events) ? readFileSync(events, 'utf8').trim().split('\n') : []);
      const created = await worker.call('POST', '/connectors', {
        name: 'lifecycle',
        config: {
          'connector.class': 'test.CountingSourceConnector',
          topic: 'lifecycle',
          count: '1000000',
          'poll.delay.ms': '20',
          file: join(dir, 'task'),
          'connector.events': events,
        },
      });
      expect(created.status).toBe(201);
      await worker.until<Status>('/connectors/lifecycle/status', (s) => running(s) && s.tasks.length === 1);
      expect(lines()).toEqual(['start']);

      expect((await worker.call('PUT', '/connectors/lifecycle/pause')).status).toBe(202);
      const paused = await worker.until<Status>(
        '/connectors/lifecycle/status',
        (s) => s.connector.state === 'PAUSED' && s.tasks.every((t) => t.state === 'PAUSED'),
      );
      expect(paused.tasks).toHaveLength(1);
      expect(lines()).toEqual(['start', 'stop']);

      expect((await worker.call('PUT', '/connectors/lifecycle/resume')).status).toBe(202);
      await worker.until<Status>('/connectors/lifecycle/status', running);
      expect(lines()).toEqual(['start', 'stop', 'start']);
    } finally {
      await worker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start when a plugin.path entry is not a directory, naming it', async () => {
    await expect(WorkerProcess.create('embedded', ['plugin.path=/nonexistent/plugins'])).rejects.toThrow(
      /plugin\.path: \/nonexistent\/plugins is not a directory/,
    );
  });
});
