import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Log, LogRecord } from '@sluice/log';
import { uniqueName, waitFor } from '@sluice/test-kit';
import { openWorkerLog, WorkerProcess, type Backend } from './helpers-rest.js';

// Connect's error handling in a real worker process: a FileStreamSource writes lines as plain strings, a
// FileStreamSink reads them with the JsonConverter, so the lines that are not JSON fail its value
// converter. With errors.tolerance=all they are skipped, logged and written as they were read to the dead
// letter queue with the error context headers; with the default (none) the sink task fails.

const LINES = ['{"n":1}', 'not json', '{"n":2}', '[1,', '{"n":3}'];
const BAD = ['not json', '[1,'];

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function topicRecords(log: Log, topic: string): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for (let offset = 0; ;) {
    const { records, highWatermark } = await log.fetch(topic, 0, offset);
    out.push(...records);
    offset = records.length === 0 ? offset : records[records.length - 1]!.offset + 1;
    if (offset >= highWatermark) return out;
  }
}

const lines = (file: string) => {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

/** A worker with the source writing LINES to a fresh topic as strings; returns what the sink needs. */
async function pipeline(backend: Backend, lines = LINES, workerProperties: string[] = []) {
  const worker = await WorkerProcess.create(backend, workerProperties);
  cleanups.push(() => worker.close());
  const topic = uniqueName('errors-in');
  const input = join(worker.dir, 'in.txt');
  writeFileSync(input, `${lines.join('\n')}\n`);
  const source = await worker.call('POST', '/connectors', {
    name: 'lines',
    config: {
      'connector.class': 'FileStreamSource',
      file: input,
      topic,
      'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
    },
  });
  expect(source.status).toBe(201);
  // Sink connector names are unique: a sink's consumer group, connect-<name>, is broker-wide.
  return { worker, topic, output: join(worker.dir, 'out.txt'), sink: uniqueName('sink') };
}

const jsonSink = (topic: string, output: string) => ({
  'connector.class': 'FileStreamSink',
  file: output,
  topics: topic,
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter.schemas.enable': 'false',
});

describe.each<Backend>(['embedded', 'kafka'])('error handling in a worker (%s)', (backend) => {
  it('skips records the converter cannot read, logs them and writes them to the DLQ with context headers', async () => {
    const { worker, topic, output, sink } = await pipeline(backend);
    const dlq = `${topic}-dlq`;
    const created = await worker.call('POST', '/connectors', {
      name: sink,
      config: {
        ...jsonSink(topic, output),
        'errors.tolerance': 'all',
        'errors.log.enable': 'true',
        'errors.log.include.messages': 'true',
        'errors.deadletterqueue.topic.name': dlq,
        'errors.deadletterqueue.topic.replication.factor': '1',
        'errors.deadletterqueue.context.headers.enable': 'true',
      },
    });
    expect(created.status).toBe(201);
    await waitFor(
      'the good records in the sink file',
      () => (lines(output).length === 3 ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    const status = await worker.call('GET', `/connectors/${sink}/status`);
    expect(status.body).toMatchObject({ tasks: [{ id: 0, state: 'RUNNING' }] });
    // The sink's offsets move past the skipped records: its group commit reaches the end of the topic.
    await worker.until<{ offsets: Array<{ offset: { kafka_offset: number } }> }>(
      `/connectors/${sink}/offsets`,
      (body) => body.offsets[0]?.offset.kafka_offset === LINES.length,
    );
    const stderr = worker.stderr();
    await worker.stop();

    expect(lines(output)).toHaveLength(3);
    expect(stderr).toContain(
      `ERROR Error encountered in task ${sink}-0. Executing stage 'VALUE_CONVERTER' with class ` +
        `'org.apache.kafka.connect.json.JsonConverter', where consumed record is {topic='${topic}', partition=0, offset=1,`,
    );
    const log = await openWorkerLog(backend, worker);
    try {
      const dead = await topicRecords(log, dlq);
      expect(dead.map((r) => r.value?.toString())).toEqual(BAD);
      const headers = (record: LogRecord) =>
        Object.fromEntries(record.headers.map((h) => [h.key, h.value?.toString() ?? null]));
      expect(headers(dead[0]!)).toMatchObject({
        '__connect.errors.topic': topic,
        '__connect.errors.partition': '0',
        '__connect.errors.offset': '1',
        '__connect.errors.connector.name': sink,
        '__connect.errors.task.id': '0',
        '__connect.errors.stage': 'VALUE_CONVERTER',
        '__connect.errors.class.name': 'org.apache.kafka.connect.json.JsonConverter',
        '__connect.errors.exception.class.name': 'org.apache.kafka.connect.errors.DataException',
      });
      expect(headers(dead[1]!)['__connect.errors.offset']).toBe('3');
      expect(headers(dead[0]!)['__connect.errors.exception.message']).not.toBe('');
      expect(headers(dead[0]!)['__connect.errors.exception.stacktrace']).toContain('DataError');
    } finally {
      await log.close();
    }
  });

  it('skips a source record a transform fails on with errors.tolerance=all, and commits past it', async () => {
    const worker = await WorkerProcess.create(backend);
    cleanups.push(() => worker.close());
    const topic = uniqueName('errors-cast');
    const sink = uniqueName('sink');
    const input = join(worker.dir, 'numbers.txt');
    const output = join(worker.dir, 'out.txt');
    writeFileSync(input, '1\nx\n3\n');
    const created = await worker.call('POST', '/connectors', {
      name: 'numbers',
      config: {
        'connector.class': 'FileStreamSource',
        file: input,
        topic,
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'value.converter.schemas.enable': 'false',
        transforms: 'toInt',
        'transforms.toInt.type': 'org.apache.kafka.connect.transforms.Cast$Value',
        'transforms.toInt.spec': 'int32',
        'errors.tolerance': 'all',
        'errors.log.enable': 'true',
      },
    });
    expect(created.status).toBe(201);
    expect(
      (await worker.call('POST', '/connectors', { name: sink, config: jsonSink(topic, output) })).status,
    ).toBe(201);
    await waitFor('the numbers in the sink file', () => (lines(output).length === 2 ? true : undefined));
    expect(lines(output)).toEqual(['1', '3']);
    // The skipped line's offset is committed with the others: the source's offset is past the last line.
    await worker.until<{ offsets: Array<{ offset: { position: number } }> }>(
      '/connectors/numbers/offsets',
      (body) => body.offsets[0]?.offset.position === 6,
    );
    expect(worker.stderr()).toContain(
      "Executing stage 'TRANSFORMATION' with class 'org.apache.kafka.connect.transforms.Cast$Value'",
    );
  });

  it('skips source records its converter refuses with errors.tolerance=all, and fails on them without', async () => {
    const worker = await WorkerProcess.create(backend);
    cleanups.push(() => worker.close());
    const input = join(worker.dir, 'lines.txt');
    writeFileSync(input, 'a\nb\nc\n');
    // The ByteArrayConverter takes bytes only; FileStreamSource gives strings, so every record fails.
    const config = (topic: string) => ({
      'connector.class': 'FileStreamSource',
      file: input,
      topic,
      'value.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
    });
    const tolerant = await worker.call('POST', '/connectors', {
      name: 'tolerant',
      config: { ...config(uniqueName('bytes')), 'errors.tolerance': 'all', 'errors.log.enable': 'true' },
    });
    expect(tolerant.status).toBe(201);
    await worker.until<{ offsets: Array<{ offset: { position: number } }> }>(
      '/connectors/tolerant/offsets',
      (body) => body.offsets[0]?.offset.position === 6,
    );
    expect((await worker.call('GET', '/connectors/tolerant/status')).body).toMatchObject({
      tasks: [{ state: 'RUNNING' }],
    });
    expect(worker.stderr()).toContain(
      "Executing stage 'VALUE_CONVERTER' with class 'org.apache.kafka.connect.converters.ByteArrayConverter'",
    );
    const strict = await worker.call('POST', '/connectors', {
      name: 'strict',
      config: config(uniqueName('bytes')),
    });
    expect(strict.status).toBe(201);
    const failed = await worker.until<{ tasks: Array<{ state: string; trace?: string }> }>(
      '/connectors/strict/status',
      (body) => body.tasks[0]?.state === 'FAILED',
    );
    expect(failed.tasks[0]!.trace).toContain('Tolerance exceeded in error handler');
  });

  it('sends what a sink task reports through its errant record reporter to the DLQ, as it was read', async () => {
    const fixtures = join(process.cwd(), 'test', 'fixtures');
    // Spaced JSON: converted back, the record would come out compact.
    const { worker, topic, sink } = await pipeline(
      backend,
      ['{"n":1}', '{ "n": 2, "bad": true }', '{"n":3}'],
      [`plugin.path=${fixtures}`],
    );
    const dlq = `${topic}-dlq`;
    const created = await worker.call('POST', '/connectors', {
      name: sink,
      config: {
        'connector.class': 'test.CollectingSinkConnector',
        topics: topic,
        file: join(worker.dir, 'collected'),
        'report.on.value': 'bad',
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'value.converter.schemas.enable': 'false',
        'errors.tolerance': 'all',
        'errors.deadletterqueue.topic.name': dlq,
        'errors.deadletterqueue.topic.replication.factor': '1',
        'errors.deadletterqueue.context.headers.enable': 'true',
      },
    });
    expect(created.status).toBe(201);
    await worker.until<{ offsets: Array<{ offset: { kafka_offset: number } }> }>(
      `/connectors/${sink}/offsets`,
      (body) => body.offsets[0]?.offset.kafka_offset === 3,
    );
    await worker.stop();
    const log = await openWorkerLog(backend, worker);
    try {
      const dead = await topicRecords(log, dlq);
      // The bytes as they were read, not the record converted back.
      expect(dead.map((r) => r.value?.toString())).toEqual(['{ "n": 2, "bad": true }']);
      const headers = Object.fromEntries(dead[0]!.headers.map((h) => [h.key, h.value?.toString() ?? null]));
      expect(headers).toMatchObject({
        '__connect.errors.offset': '1',
        '__connect.errors.stage': 'TASK_PUT',
        '__connect.errors.class.name': 'org.apache.kafka.connect.sink.SinkTask',
        '__connect.errors.exception.message': 'will not write bad',
      });
    } finally {
      await log.close();
    }
  });

  it('fails the sink task on the first bad record by default (errors.tolerance=none)', async () => {
    const { worker, topic, output, sink } = await pipeline(backend);
    expect(
      (await worker.call('POST', '/connectors', { name: sink, config: jsonSink(topic, output) })).status,
    ).toBe(201);
    const status = await worker.until<{ tasks: Array<{ state: string; trace?: string }> }>(
      `/connectors/${sink}/status`,
      (body) => body.tasks[0]?.state === 'FAILED',
    );
    expect(status.tasks[0]!.trace).toContain('Tolerance exceeded in error handler');
    expect(status.tasks[0]!.trace).toContain('Caused by:');
    // Only the record before the bad one was delivered.
    expect(lines(output).length).toBeLessThanOrEqual(1);
  });
});
