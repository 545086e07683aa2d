import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkerLog, WorkerProcess, type Backend } from './helpers-rest.js';
import { waitFor } from '@sluice/test-kit';

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
    // Connect's order: sink connectors, then source connectors, each by class name.
    expect(plugins.map((p) => [p.class, p.type])).toEqual([
      [FILE_SINK, 'sink'],
      ['io.confluent.connect.http.HttpSourceConnector', 'source'],
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
    // The plugin's own keys, then the framework's source keys (Connect 3.7+), tasks.max.enforce among them.
    const names = config.map((c) => c.name);
    expect(names.indexOf('file')).toBeLessThan(names.indexOf('name'));
    expect(names.slice(names.indexOf('name'), names.indexOf('name') + 4)).toEqual([
      'name',
      'connector.class',
      'tasks.max',
      'tasks.max.enforce',
    ]);
    expect(config.find((c) => c.name === 'tasks.max.enforce')).toMatchObject({
      type: 'BOOLEAN',
      required: false,
      default_value: 'true',
      importance: 'LOW',
      group: 'Common',
      display_name: 'Enforce tasks max',
    });
    const sinkConfig = (await worker.call('GET', '/connector-plugins/FileStreamSink/config')).body as Array<{
      name: string;
    }>;
    expect(sinkConfig.map((c) => c.name)).toEqual(
      expect.arrayContaining(['topics', 'topics.regex', 'tasks.max']),
    );
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
    // Named after connector.class as given (an alias here), as Connect names it.
    expect(body.name).toBe('FileStreamSink');
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

  it("validates as Connect's ConnectorPluginsResource: no class filled in from the URL, nulls reported", async () => {
    // The class is not taken from the URL: without one, the config is refused, printed as Java's HashMap.
    expect(
      await worker.call('PUT', '/connector-plugins/FileStreamSink/config/validate', {
        topics: 't',
        name: 'v',
        file: 'f',
      }),
    ).toEqual(
      expect.objectContaining({
        status: 400,
        body: {
          error_code: 400,
          message: 'Connector config {name=v, topics=t, file=f} contains no connector type',
        },
      }),
    );
    // The included class must end with the URL's plugin name (each without a trailing "Connector").
    expect(
      (
        await worker.call('PUT', `/connector-plugins/${FILE_SINK}/config/validate`, {
          'connector.class': 'FileStreamSink',
        })
      ).body,
    ).toEqual({
      error_code: 400,
      message: `Included connector type FileStreamSink does not match request type ${FILE_SINK}`,
    });
    const reply = await worker.call('PUT', '/connector-plugins/FileStreamSinkConnector/config/validate', {
      'connector.class': FILE_SINK,
      name: 'v',
      topics: 't',
      extra: null,
      'tasks.max': null,
    });
    expect(reply.status).toBe(200);
    const body = reply.body as {
      name: string;
      error_count: number;
      configs: Array<{
        definition: { name: string } | null;
        value: { name: string; value: unknown; errors: string[] } | null;
      }>;
    };
    expect(body.name).toBe(FILE_SINK);
    const nullValue = 'Null value can not be supplied as the configuration value.';
    // A key nothing defines gets an entry without a definition, first.
    expect(body.configs[0]).toEqual({
      definition: null,
      value: { name: 'extra', value: null, recommended_values: [], errors: [nullValue], visible: true },
    });
    // A framework key is validated as null, then gets the same error.
    expect(body.configs.find((c) => c.definition?.name === 'tasks.max')!.value).toMatchObject({
      value: null,
      errors: ['Invalid value null for configuration tasks.max: Value must be non-null', nullValue],
    });
    expect(body.error_count).toBe(3);
  });

  it('creates a connector (201 + Location), refuses a duplicate (409) and bad input (400, 413) without changing anything', async () => {
    const created = await worker.call('POST', '/connectors', { name: 'src', config: source() });
    expect(created.status).toBe(201);
    // Absolute, as Jersey resolves Connect's relative Location against the request's base URI.
    expect(created.headers.get('location')).toBe(`${worker.base}/connectors/src`);
    expect(created.body).toMatchObject({ name: 'src', config: { ...source(), name: 'src' }, type: 'source' });
    expect(await worker.call('POST', '/connectors', { name: 'src', config: source() })).toEqual(
      expect.objectContaining({
        status: 409,
        body: { error_code: 409, message: 'Connector src already exists' },
      }),
    );
    // An invalid config is a 400 even under a taken name: Connect validates before it looks the name up.
    const invalidTaken = await worker.call('POST', '/connectors', {
      name: 'src',
      config: { 'connector.class': 'FileStreamSink' },
    });
    expect(invalidTaken.status).toBe(400);
    const invalid = await worker.call('POST', '/connectors', {
      name: 'bad',
      config: { 'connector.class': 'FileStreamSink' },
    });
    expect(invalid.status).toBe(400);
    expect((invalid.body as { message: string }).message).toMatch(
      /^Connector configuration is invalid and contains the following 1 error\(s\):\nMust configure one of topics or topics.regex/,
    );
    expect(
      (await worker.call('POST', '/connectors', { name: 'nocls', config: { file: 'f', topic: 't' } })).body,
    ).toEqual({
      error_code: 400,
      message: 'Connector config {name=nocls, topic=t, file=f} contains no connector type',
    });
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

  it("answers 404 worded as Connect's herders word each operation", async () => {
    for (const [method, path, message] of [
      ['GET', '/connectors/nope', 'Connector nope not found'],
      ['GET', '/connectors/nope/config', 'Connector nope not found'],
      ['GET', '/connectors/nope/tasks', 'Connector nope not found'],
      ['GET', '/connectors/nope/tasks-config', 'Connector nope not found'],
      ['DELETE', '/connectors/nope', 'Connector nope not found'],
      ['GET', '/connectors/nope/offsets', 'Connector nope not found'],
      ['GET', '/connectors/nope/status', 'No status found for connector nope'],
      ['GET', '/connectors/nope/tasks/0/status', 'No status found for task nope-0'],
      ['GET', '/connectors/src/tasks/7/status', 'No status found for task src-7'],
      ['PUT', '/connectors/nope/pause', 'Unknown connector nope'],
      ['PUT', '/connectors/nope/resume', 'Unknown connector nope'],
      ['PUT', '/connectors/nope/stop', 'Unknown connector nope'],
      ['POST', '/connectors/nope/restart', 'Unknown connector: nope'],
      ['POST', '/connectors/nope/restart?includeTasks=true', 'Unknown connector: nope'],
      ['POST', '/connectors/nope/tasks/0/restart', 'Unknown connector: nope'],
      ['POST', '/connectors/src/tasks/7/restart', 'Unknown task: src-7'],
    ] as const) {
      expect(await worker.call(method, path), `${method} ${path}`).toEqual(
        expect.objectContaining({ status: 404, body: { error_code: 404, message } }),
      );
    }
  });

  it('answers topics of an unknown connector as Connect does: none, and a reset is accepted', async () => {
    expect(await worker.call('GET', '/connectors/nope/topics')).toEqual(
      expect.objectContaining({ status: 200, body: { nope: { topics: [] } } }),
    );
    expect((await worker.call('PUT', '/connectors/nope/topics/reset')).status).toBe(202);
  });

  it('serves the deprecated tasks-config endpoint: task configs by task id', async () => {
    const tasks = (await worker.call('GET', '/connectors/src/tasks')).body as Array<{
      config: Record<string, string>;
    }>;
    expect(await worker.call('GET', '/connectors/src/tasks-config')).toEqual(
      expect.objectContaining({ status: 200, body: { 'src-0': tasks[0]!.config } }),
    );
  });

  it('routes as JAX-RS does: 405 for a known path, trailing slashes, 415 for other media types', async () => {
    for (const [method, path] of [
      ['DELETE', '/connectors'],
      ['POST', '/connectors/src/status'],
      ['PUT', '/connector-plugins'],
      ['POST', '/admin/loggers'],
      ['GET', '/connectors/src/restart'],
    ] as const) {
      expect(await worker.call(method, path), `${method} ${path}`).toEqual(
        expect.objectContaining({
          status: 405,
          body: { error_code: 405, message: 'HTTP 405 Method Not Allowed' },
        }),
      );
    }
    for (const path of ['/nothing', '/connectors/src/nothing', '/connectors/a/b/c/d']) {
      expect(await worker.call('GET', path), path).toEqual(
        expect.objectContaining({ status: 404, body: { error_code: 404, message: 'HTTP 404 Not Found' } }),
      );
    }
    expect((await worker.call('GET', '/connectors/')).body).toEqual([sink, 'src']);
    expect((await worker.call('GET', '/connectors/src/')).body).toMatchObject({ name: 'src' });
    expect((await worker.call('GET', '/connectors/src/config/')).body).toMatchObject({ name: 'src' });
    expect((await worker.call('GET', '/connector-plugins/')).status).toBe(200);
    expect((await worker.call('GET', '/admin/loggers/')).body).toMatchObject({ root: { level: 'INFO' } });

    const unsupported = {
      status: 415,
      text: '{"error_code":415,"message":"HTTP 415 Unsupported Media Type"}',
    };
    const config = JSON.stringify({ name: 'typed', config: source() });
    // curl -d sends application/x-www-form-urlencoded.
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
      expect(
        await worker.send('POST', '/connectors', { headers: { 'content-type': contentType }, body: config }),
      ).toMatchObject(unsupported);
    }
    // Without a Content-Type a body is application/octet-stream, which no JSON reader takes.
    expect(await worker.send('POST', '/connectors', { body: config })).toMatchObject(unsupported);
    // Jersey checks the Content-Type of any request to a JSON resource, with a body or not.
    expect(
      await worker.send('GET', '/connectors', { headers: { 'content-type': 'text/plain' } }),
    ).toMatchObject(unsupported);
    expect(
      await worker.send('PUT', '/admin/loggers/sluice', {
        headers: { 'content-type': 'text/plain' },
        body: '{"level":"INFO"}',
      }),
    ).toMatchObject(unsupported);
    // The root resource consumes anything; JSON with parameters, or a wildcard, is JSON.
    expect((await worker.send('GET', '/', { headers: { 'content-type': 'text/plain' } })).status).toBe(200);
    expect(
      (
        await worker.send('GET', '/connectors', {
          headers: { 'content-type': 'application/json; charset=UTF-8' },
        })
      ).status,
    ).toBe(200);
    expect((await worker.send('GET', '/connectors', { headers: { 'content-type': '*/*' } })).status).toBe(
      200,
    );
    expect((await worker.call('GET', '/connectors')).body).toEqual([sink, 'src']);
  });

  it("answers empty 202 and 204 responses as Connect's Jetty does: no Content-Type, not chunked", async () => {
    const json = { 'content-type': 'application/json' };
    const accepted = await worker.send('PUT', '/connectors/src/resume', { headers: json });
    expect(accepted).toMatchObject({ status: 202, text: '' });
    expect(accepted.headers['content-type']).toBeUndefined();
    expect(accepted.headers['content-length']).toBe('0');
    expect(accepted.headers['transfer-encoding']).toBeUndefined();
    const noContent = await worker.send('POST', '/connectors/src/restart', { headers: json });
    expect(noContent).toMatchObject({ status: 204, text: '' });
    expect(noContent.headers['content-type']).toBeUndefined();
    expect(noContent.headers['transfer-encoding']).toBeUndefined();
    await worker.until<Status>('/connectors/src/status', running);
  });

  it("sets logger levels as Connect 3.9's Loggers, at worker or cluster scope", async () => {
    const namespace = `rest.${backend}`;
    const set = (level: string, scope?: string) =>
      worker.call('PUT', `/admin/loggers/${namespace}${scope === undefined ? '' : `?scope=${scope}`}`, {
        level,
      });
    // A single worker is its whole cluster: the level is set, and Connect answers 204 without a body.
    const cluster = await worker.send('PUT', `/admin/loggers/${namespace}?scope=cluster`, {
      headers: { 'content-type': 'application/json' },
      body: '{"level":"DEBUG"}',
    });
    expect(cluster).toMatchObject({ status: 204, text: '' });
    expect(cluster.headers['content-type']).toBeUndefined();
    const first = (await worker.call('GET', `/admin/loggers/${namespace}`)).body as {
      level: string;
      last_modified: number;
    };
    expect(first.level).toBe('DEBUG');
    // Worker scope, the default and an unknown scope list the namespace's loggers, changed or not; an
    // unchanged level keeps its last_modified.
    for (const scope of ['worker', undefined, 'galaxy', 'CLUSTER-ish']) {
      expect(await set('debug', scope), String(scope)).toEqual(
        expect.objectContaining({ status: 200, body: [namespace] }),
      );
    }
    expect((await worker.call('GET', `/admin/loggers/${namespace}`)).body).toEqual(first);
    expect(
      (await worker.call('PUT', `/admin/loggers/${namespace}?scope=CLUSTER`, { level: 'OFF' })).status,
    ).toBe(204);
    // Loggers set to OFF are listed, as log4j 1 lists every logger with a level.
    expect(
      ((await worker.call('GET', '/admin/loggers')).body as Record<string, { level: string }>)[namespace],
    ).toEqual(expect.objectContaining({ level: 'OFF' }));
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

  it("alters a sink connector's offsets given as numbers or numeric strings, as Connect's SinkUtils reads them", async () => {
    expect((await worker.call('PUT', `/connectors/${sink}/stop`)).status).toBe(204);
    await worker.until<Status>(
      `/connectors/${sink}/status`,
      (s) => s.connector.state === 'STOPPED' && s.tasks.length === 0,
    );
    const path = `/connectors/${sink}/offsets`;
    const alter = (partition: Record<string, unknown>, offset: Record<string, unknown> | null) =>
      worker.call('PATCH', path, { offsets: [{ partition, offset }] });
    for (const [partition, offset, message] of [
      [
        { kafka_topic: topic },
        null,
        "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'",
      ],
      [
        { kafka_topic: null, kafka_partition: 0 },
        null,
        'Kafka topic names must be valid strings and may not be null',
      ],
      [
        { kafka_topic: topic, kafka_partition: null },
        null,
        'Kafka partitions must be valid numbers and may not be null',
      ],
      [
        { kafka_topic: topic, kafka_partition: 'zero' },
        null,
        "Failed to parse the following Kafka partition value in the provided offsets: 'zero'. Partition values for sink connectors need to be integers.",
      ],
      [
        { kafka_topic: topic, kafka_partition: 1.5 },
        null,
        "Failed to parse the following Kafka partition value in the provided offsets: '1.5'. Partition values for sink connectors need to be integers.",
      ],
      [
        { kafka_topic: topic, kafka_partition: 0 },
        {},
        "The offset for a sink connector should either be null or contain the key 'kafka_offset'",
      ],
      [
        { kafka_topic: topic, kafka_partition: 0 },
        { kafka_offset: 'four' },
        "Failed to parse the following Kafka offset value in the provided offsets: 'four'. Offset values for sink connectors need to be integers.",
      ],
      // Partitions that do not exist cannot hold an offset (on Kafka the commit failed with a 500).
      [
        { kafka_topic: `${topic}-none`, kafka_partition: 0 },
        { kafka_offset: 1 },
        `The topic ${topic}-none does not exist`,
      ],
      [
        { kafka_topic: topic, kafka_partition: 7 },
        { kafka_offset: 1 },
        `The partition ${topic}-7 does not exist: ${topic} has 1 partition`,
      ],
      [
        { kafka_topic: 'no spaces', kafka_partition: 0 },
        { kafka_offset: 1 },
        "Kafka topic names must be valid: topic name 'no spaces' is illegal: it may contain only ASCII letters, digits, '.', '_' and '-'",
      ],
    ] as const) {
      expect(await alter(partition, offset), message).toEqual(
        expect.objectContaining({ status: 400, body: { error_code: 400, message } }),
      );
    }
    expect(await alter({ kafka_topic: topic, kafka_partition: '0' }, { kafka_offset: '3' })).toMatchObject({
      status: 200,
      body: { message: expect.stringMatching(/offsets for this connector have been altered successfully/) },
    });
    expect((await worker.call('GET', path)).body).toEqual({
      offsets: [{ partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: 3 } }],
    });
    expect((await alter({ kafka_topic: topic, kafka_partition: 0 }, { kafka_offset: 4 })).status).toBe(200);
    expect((await worker.call('GET', path)).body).toEqual({
      offsets: [{ partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: 4 } }],
    });
    // A null offset, and a reset, delete the committed offsets (the group), as Connect's Worker does;
    // FileStreamSink keeps none of its own, so the messages are the short ones.
    expect(await alter({ kafka_topic: topic, kafka_partition: 0 }, null)).toMatchObject({
      status: 200,
      body: { message: 'The offsets for this connector have been altered successfully' },
    });
    expect((await worker.call('GET', path)).body).toEqual({ offsets: [] });
    expect((await alter({ kafka_topic: topic, kafka_partition: 0 }, { kafka_offset: 4 })).status).toBe(200);
    expect(await worker.call('DELETE', path)).toMatchObject({
      status: 200,
      body: { message: 'The offsets for this connector have been reset successfully' },
    });
    expect((await worker.call('GET', path)).body).toEqual({ offsets: [] });
    expect((await alter({ kafka_topic: topic, kafka_partition: 0 }, { kafka_offset: 4 })).status).toBe(200);
    expect((await worker.call('PUT', `/connectors/${sink}/resume`)).status).toBe(202);
    await worker.until<Status>(`/connectors/${sink}/status`, running);
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

      // Every config write restarts the instance, even an unchanged config, as Connect does.
      const config = (await worker.call('GET', '/connectors/lifecycle/config')).body as Record<
        string,
        string
      >;
      expect((await worker.call('PUT', '/connectors/lifecycle/config', config)).status).toBe(200);
      await worker.until<Status>('/connectors/lifecycle/status', running);
      expect(lines()).toEqual(['start', 'stop', 'start', 'stop', 'start']);
    } finally {
      await worker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails a connector that generates more tasks than tasks.max, unless tasks.max.enforce=false', async () => {
    const fixtures = join(process.cwd(), 'test', 'fixtures');
    const dir = mkdtempSync(join(tmpdir(), 'sluice-too-many-'));
    const worker = await WorkerProcess.create('embedded', [`plugin.path=${fixtures}`]);
    try {
      const config = (name: string) => ({
        'connector.class': 'test.CountingSourceConnector',
        topic: name,
        count: '10',
        file: join(dir, name),
        'tasks.max': '1',
        'connector.tasks': '3',
      });
      expect(
        (await worker.call('POST', '/connectors', { name: 'greedy', config: config('greedy') })).status,
      ).toBe(201);
      const failed = await worker.until<Status & { connector: { trace?: string } }>(
        '/connectors/greedy/status',
        (s) => s.connector.state === 'FAILED',
      );
      expect(failed.connector.trace).toContain(
        'The connector greedy has generated 3 tasks, which is greater than 1, the maximum number of tasks it is configured to create.',
      );
      expect(failed.tasks).toEqual([]);

      const lenient = { ...config('lenient'), 'tasks.max.enforce': 'false' };
      expect((await worker.call('POST', '/connectors', { name: 'lenient', config: lenient })).status).toBe(
        201,
      );
      await worker.until<Status>('/connectors/lenient/status', (s) => running(s) && s.tasks.length === 3);
    } finally {
      await worker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a FAILED connector FAILED through pause and resume, its tasks running, until it restarts', async () => {
    const fixtures = join(process.cwd(), 'test', 'fixtures');
    const dir = mkdtempSync(join(tmpdir(), 'sluice-failed-'));
    const worker = await WorkerProcess.create('embedded', [`plugin.path=${fixtures}`]);
    try {
      const config = {
        'connector.class': 'test.CountingSourceConnector',
        topic: 'failing',
        count: '1000000',
        'poll.delay.ms': '20',
        file: join(dir, 'task'),
      };
      expect((await worker.call('POST', '/connectors', { name: 'flaky', config })).status).toBe(201);
      await worker.until<Status>('/connectors/flaky/status', (s) => running(s) && s.tasks.length === 1);
      // A new config the connector cannot start with: it fails, its task runs on as committed.
      const broken = { ...config, 'connector.fail.start': 'true' };
      expect((await worker.call('PUT', '/connectors/flaky/config', broken)).status).toBe(200);
      const failed = await worker.until<Status & { connector: { trace?: string } }>(
        '/connectors/flaky/status',
        (s) => s.connector.state === 'FAILED',
      );
      expect(failed.connector.trace).toContain('the connector refuses to start');
      expect(failed.tasks).toMatchObject([{ id: 0, state: 'RUNNING' }]);

      // Pause and resume move the task, not the connector.
      expect((await worker.call('PUT', '/connectors/flaky/pause')).status).toBe(202);
      await worker.until<Status>('/connectors/flaky/status', (s) => s.tasks[0]?.state === 'PAUSED');
      expect(((await worker.call('GET', '/connectors/flaky/status')).body as Status).connector.state).toBe(
        'FAILED',
      );
      expect((await worker.call('PUT', '/connectors/flaky/resume')).status).toBe(202);
      await worker.until<Status>('/connectors/flaky/status', (s) => s.tasks[0]?.state === 'RUNNING');
      expect(((await worker.call('GET', '/connectors/flaky/status')).body as Status).connector.state).toBe(
        'FAILED',
      );

      // A task restart leaves the connector alone.
      expect((await worker.call('POST', '/connectors/flaky/tasks/0/restart')).status).toBe(204);
      await worker.until<Status>('/connectors/flaky/status', (s) => s.tasks[0]?.state === 'RUNNING');
      expect(((await worker.call('GET', '/connectors/flaky/status')).body as Status).connector.state).toBe(
        'FAILED',
      );

      // The 202 of a restart shows RESTARTING with the failure's trace; the restart fails again.
      const restarting = await worker.call(
        'POST',
        '/connectors/flaky/restart?includeTasks=true&onlyFailed=true',
      );
      expect(restarting.status).toBe(202);
      expect(restarting.body).toMatchObject({
        connector: {
          state: 'RESTARTING',
          trace: expect.stringContaining('the connector refuses to start') as string,
        },
        tasks: [{ id: 0, state: 'RUNNING' }],
      });
      await worker.until<Status>('/connectors/flaky/status', (s) => s.connector.state === 'FAILED');

      // A config it can start with recovers it.
      expect((await worker.call('PUT', '/connectors/flaky/config', config)).status).toBe(200);
      await worker.until<Status>('/connectors/flaky/status', running);
    } finally {
      await worker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("restarts a paused connector's tasks when only the connector's config changed (KAFKA-9228)", async () => {
    const fixtures = join(process.cwd(), 'test', 'fixtures');
    const dir = mkdtempSync(join(tmpdir(), 'sluice-reconfig-'));
    const worker = await WorkerProcess.create('embedded', [`plugin.path=${fixtures}`]);
    try {
      const config = {
        'connector.class': 'test.CountingSourceConnector',
        topic: 'reconfigured',
        count: '1000000',
        'poll.delay.ms': '20',
        format: 'string',
        headers: 'none',
        file: join(dir, 'task'),
        'connector.task.config': 'own',
        'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
      };
      const offset = async () =>
        (
          (await worker.call('GET', '/connectors/counter/offsets')).body as {
            offsets: Array<{ offset: Record<string, number> }>;
          }
        ).offsets[0]?.offset ?? {};
      expect((await worker.call('POST', '/connectors', { name: 'counter', config })).status).toBe(201);
      await worker.until<Status>('/connectors/counter/status', (s) => running(s) && s.tasks.length === 1);
      expect((await worker.call('PUT', '/connectors/counter/pause')).status).toBe(202);
      await worker.until<Status>('/connectors/counter/status', (s) => s.tasks[0]?.state === 'PAUSED');
      // The task config does not change (the connector leaves converters out of it); the converter does.
      const json = {
        ...config,
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'value.converter.schemas.enable': 'false',
      };
      expect((await worker.call('PUT', '/connectors/counter/config', json)).status).toBe(200);
      const before = JSON.stringify(await offset());
      expect((await worker.call('PUT', '/connectors/counter/resume')).status).toBe(202);
      await waitFor('records after the resume', async () =>
        JSON.stringify(await offset()) !== before ? true : undefined,
      );
      await worker.stop();
      const log = await openWorkerLog('embedded', worker);
      try {
        const { records } = await log.fetch('reconfigured', 0, 0, { maxBytes: 1 << 20 });
        const values = records.map((r) => r.value?.toString() ?? '');
        // Written as plain strings before the pause, as JSON strings (quoted) after it.
        expect(values[0]).not.toMatch(/^"/);
        expect(values.at(-1)).toMatch(/^".*"$/);
      } finally {
        await log.close();
      }
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
