// Cutover from Apache Kafka Connect: a real Connect 3.9.1 worker (scripts/kafka connect up) runs a
// FileStreamSource and a FileStreamSink on its own group and internal topics, is stopped, and Sluice workers
// started on the same group and topics take its connectors over where Connect left them. While Connect still
// runs in the group, a Sluice worker refuses to start and changes nothing.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaLog, type Log, type LogRecord } from '@sluice/log';
import { kafkaBootstrap, repoRoot, uniqueName, waitFor } from '@sluice/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerProcess } from './helpers-rest.js';

interface Status {
  name: string;
  connector: { state: string; worker_id: string };
  tasks: Array<{ id: number; state: string; worker_id: string }>;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const SOURCE_CLASS = 'org.apache.kafka.connect.file.FileStreamSourceConnector';
const SINK_CLASS = 'org.apache.kafka.connect.file.FileStreamSinkConnector';
// Connect's data converters (scripts/kafka connect up): Sluice must write the same bytes to the same topic.
const CONVERTERS = [
  'key.converter=org.apache.kafka.connect.json.JsonConverter',
  'value.converter=org.apache.kafka.connect.json.JsonConverter',
  'key.converter.schemas.enable=false',
  'value.converter.schemas.enable=false',
];

/** Runs scripts/kafka to its end (at most 5 minutes: Connect starts slowly on a busy machine). */
function kafkaScript(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(repoRoot, 'scripts', 'kafka'), args, {
      cwd: repoRoot,
      env: { SLUICE_CONNECT_HEAP: '512m', ...process.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Lines `from`..`to`, newline-terminated, as the source file holds them. */
const lines = (from: number, to: number): string =>
  Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}\n`).join('');
const expectedLines = (from: number, to: number): string[] => lines(from, to).split('\n').filter(Boolean);

function fileLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

const group = uniqueName('cutover');
const topics = { configs: `${group}-configs`, offsets: `${group}-offsets`, status: `${group}-status` };
const data = `${group}-lines`;
const base = mkdtempSync(join(tmpdir(), 'sluice-cutover-'));
const connectDir = join(base, 'connect');
const input = join(base, 'in.txt');
const idleInput = join(base, 'idle.txt');
const output = join(base, 'out.txt');
const configs = {
  'lines-in': { 'connector.class': SOURCE_CLASS, file: input, topic: data, name: 'lines-in' },
  'lines-out': { 'connector.class': SINK_CLASS, file: output, topics: data, name: 'lines-out' },
  paused: { 'connector.class': SOURCE_CLASS, file: idleInput, topic: `${data}-idle`, name: 'paused' },
  stopped: { 'connector.class': SOURCE_CLASS, file: idleInput, topic: `${data}-idle`, name: 'stopped' },
};
const workers: WorkerProcess[] = [];
let log: Log;
let connectUrl = '';
let connectRunning = false;

async function connectCall(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(connectUrl + path, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    signal: AbortSignal.timeout(60_000),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

async function connectStatus(name: string): Promise<Status | undefined> {
  const reply = await connectCall('GET', `/connectors/${name}/status`);
  return reply.status === 200 ? (reply.body as Status) : undefined;
}

async function connectDown(): Promise<void> {
  if (!connectRunning) return;
  connectRunning = false;
  const run = await kafkaScript('connect', 'down', '--dir', connectDir);
  expect(run.code, run.stderr).toBe(0);
}

/** Every record of a topic, partition by partition in offset order. */
async function records(topic: string): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for (const { partition, beginning, end } of await log.offsets(topic)) {
    let offset = beginning;
    while (offset < end) {
      const { records: batch } = await log.fetch(topic, partition, offset, { maxBytes: 4 * 1024 * 1024 });
      if (batch.length === 0) break;
      out.push(...batch.filter((record) => record.offset < end));
      offset = batch[batch.length - 1]!.offset + 1;
    }
  }
  return out;
}

/** The end offset of every partition of the internal topics. */
async function internalEnds(): Promise<Record<string, number[]>> {
  const ends: Record<string, number[]> = {};
  for (const topic of Object.values(topics)) {
    ends[topic] = (await log.offsets(topic)).map((partition) => partition.end);
  }
  return ends;
}

/** The values of the data topic, as strings (JSON strings without schemas: `"line 1"`). */
async function dataValues(): Promise<string[]> {
  return (await records(data)).map((record) => JSON.parse(record.value!.toString('utf8')) as string);
}

/** The source's last committed position in the offsets topic (Connect's key: `["lines-in",{"filename":…}]`). */
async function committedPosition(): Promise<number | undefined> {
  let position: number | undefined;
  for (const record of await records(topics.offsets)) {
    if (record.key?.toString('utf8') !== JSON.stringify(['lines-in', { filename: input }])) continue;
    position =
      record.value === null
        ? undefined
        : (JSON.parse(record.value.toString('utf8')) as { position: number }).position;
  }
  return position;
}

function startSluice(): Promise<WorkerProcess> {
  return WorkerProcess.create('kafka', [
    `group.id=${group}`,
    `config.storage.topic=${topics.configs}`,
    `offset.storage.topic=${topics.offsets}`,
    `status.storage.topic=${topics.status}`,
    ...CONVERTERS,
  ]);
}

beforeAll(async () => {
  log = await KafkaLog.open({ brokers: kafkaBootstrap(), clientId: uniqueName('cutover-reader') });
  // The broker does not create topics on demand: the data topic exists before the connectors do.
  await log.createTopic({ name: data, partitions: 1, replicationFactor: 1 });
  writeFileSync(input, lines(1, 100));
  writeFileSync(idleInput, '');
  const up = await kafkaScript(
    'connect',
    'up',
    '--bootstrap',
    kafkaBootstrap().join(','),
    '--dir',
    connectDir,
    '--group',
    group,
    '--timeout',
    '240',
  );
  connectRunning = up.code === 0;
  expect(up.code, up.stderr).toBe(0);
  connectUrl = up.stdout.trimEnd().split('\n').pop()!;
}, 320_000);

afterAll(async () => {
  for (const worker of workers) await worker.close();
  await connectDown();
  for (const topic of [...Object.values(topics), data, `${data}-idle`]) {
    await log.deleteTopic(topic).catch(() => undefined);
  }
  await log.deleteGroupOffsets('connect-lines-out').catch(() => undefined);
  await log.close();
  rmSync(base, { recursive: true, force: true });
}, 120_000);

describe('cutover from Apache Kafka Connect 3.9.1', () => {
  it('Connect moves lines from the source file through the topic to the sink file', async () => {
    for (const [name, config] of Object.entries(configs)) {
      expect((await connectCall('POST', '/connectors', { name, config })).status).toBe(201);
    }
    expect((await connectCall('PUT', '/connectors/paused/pause')).status).toBe(202);
    expect((await connectCall('PUT', '/connectors/stopped/stop')).status).toBe(204);
    await waitFor(
      'lines 1-100 at the sink (Connect)',
      () => (fileLines(output).length >= 100 ? true : undefined),
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    expect(fileLines(output)).toEqual(expectedLines(1, 100));
    await waitFor(
      'every connector and task to settle, and the source to commit its position (Connect)',
      async () => {
        const states = await Promise.all(
          Object.keys(configs).map(async (name) => {
            const status = await connectStatus(name);
            return [status?.connector.state, ...(status?.tasks.map((task) => task.state) ?? [])].join(' ');
          }),
        );
        const settled =
          states.join(',') === 'RUNNING RUNNING,RUNNING RUNNING,PAUSED PAUSED,STOPPED' &&
          (await committedPosition()) === Buffer.byteLength(lines(1, 100));
        return settled ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
  }, 180_000);

  it('a Sluice worker started while Connect runs in the group refuses, and changes nothing', async () => {
    const before = await internalEnds();
    await expect(startSluice()).rejects.toThrow(
      /group .* is used by members of another protocol type \(a running Apache Kafka Connect cluster uses "connect"\)/,
    );
    expect(await internalEnds()).toEqual(before);
    // Connect's connectors still run, and move new lines.
    for (const name of ['lines-in', 'lines-out']) {
      const status = await connectStatus(name);
      expect(status?.connector.state).toBe('RUNNING');
      expect(status?.tasks.map((task) => task.state)).toEqual(['RUNNING']);
    }
    appendFileSync(input, lines(101, 150));
    await waitFor(
      'lines 101-150 at the sink (Connect)',
      () => (fileLines(output).length >= 150 ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(fileLines(output)).toEqual(expectedLines(1, 150));
  }, 180_000);

  it('after a clean stop of Connect, Sluice workers resume its connectors from its configs and offsets', async () => {
    await connectDown();
    const configRecords = await records(topics.configs);
    const sessionKeys = configRecords.filter((record) => record.key?.toString('utf8') === 'session-key');
    expect(sessionKeys.length).toBeGreaterThan(0);
    const connectValues = await dataValues();
    expect(connectValues).toEqual(expectedLines(1, 150));
    // A clean stop commits the source's position: the end of line 150.
    const position = await committedPosition();
    expect(position).toBe(Buffer.byteLength(lines(1, 150)));

    appendFileSync(input, lines(151, 250));
    workers.push(...(await Promise.all([startSluice(), startSluice()])));
    const ids = workers.map((worker) => new URL(worker.base).host);

    // The sink resumes from connect-lines-out's offsets: the new lines only, after Connect's.
    await waitFor(
      'lines 151-250 at the sink (Sluice)',
      () => (fileLines(output).length >= 250 ? true : undefined),
      { timeoutMs: 120_000, intervalMs: 250 },
    ).catch(async (error: unknown) => {
      // Where the lines stopped: in the topic or at the sink, and what the workers say of their tasks.
      const statuses = await workers[0]!.call('GET', '/connectors?expand=status').catch(String);
      process.stdout.write(
        `sink has ${fileLines(output).length} lines, topic ${(await dataValues()).length} records; ` +
          `statuses: ${JSON.stringify(statuses)}\n`,
      );
      throw error;
    });
    expect(fileLines(output)).toEqual(expectedLines(1, 250));
    // The source resumed from Connect's position: the topic holds each line once, in order.
    expect(await dataValues()).toEqual(expectedLines(1, 250));

    for (const worker of workers) {
      expect((await worker.call('GET', '/connectors')).body).toEqual([
        'lines-in',
        'lines-out',
        'paused',
        'stopped',
      ]);
      for (const [name, config] of Object.entries(configs)) {
        expect((await worker.call('GET', `/connectors/${name}/config`)).body).toEqual(config);
      }
      for (const name of ['lines-in', 'lines-out']) {
        const status = await worker.until<Status>(
          `/connectors/${name}/status`,
          (s) => s.connector.state === 'RUNNING' && s.tasks.length === 1 && s.tasks[0]!.state === 'RUNNING',
        );
        expect(ids).toContain(status.connector.worker_id);
        expect(ids).toContain(status.tasks[0]!.worker_id);
      }
      // Target states as Connect wrote them: paused stays paused, stopped stays stopped without tasks.
      await worker.until<Status>('/connectors/paused/status', (s) => s.connector.state === 'PAUSED');
      await worker.until<Status>(
        '/connectors/stopped/status',
        (s) => s.connector.state === 'STOPPED' && s.tasks.length === 0,
      );
    }
    // Connect's session key is still valid: the leader uses it rather than writing a new one.
    const keysAfter = (await records(topics.configs)).filter(
      (record) => record.key?.toString('utf8') === 'session-key',
    );
    expect(keysAfter.map((record) => record.value?.toString('utf8'))).toEqual(
      sessionKeys.map((record) => record.value?.toString('utf8')),
    );
  }, 300_000);
});
