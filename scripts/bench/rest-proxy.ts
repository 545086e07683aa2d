// The Kafka REST Proxy against a raw kafkajs client, on one broker this script starts with scripts/kafka (or
// --bootstrap host:port): records/s produced over HTTP (v2, batches of 100 records, several requests in
// flight; v3, one chunked stream of records) and consumed over HTTP (a v2 consumer instance), beside a kafkajs
// producer and consumer in the same run; then the latency of single-record produce requests (v2 and v3) sent
// at a fixed rate (200 requests/s). Records carry 100-byte values, no key. The proxy is `sluice rest-proxy`
// (the built bin) in a process of its own. Each phase also reports the CPU time per record of this process (the
// client) and of the proxy's (from /proc), which depends far less on the machine's load than records/s.
// Each produce phase first runs untimed on --warm-up records, so that both sides are measured warm.
// Run: npm run bench:rest-proxy [-- --records 1000000 --warm-up 200000 --rate 200 --seconds 30 --bootstrap host:port]
// (results go in docs/benchmarks.md by hand, with the machine line printed here)
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createKafka } from '@sluice/kafka-client';
import { KafkaLog } from '@sluice/log';
import {
  cleanUp,
  cleanups,
  freePort,
  log,
  nodeFlags,
  propertiesText,
  root,
  sleep,
  spawnWorker,
  startBroker,
  tempDir,
  waitFor200,
  warmUpBroker,
} from './harness.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    'warm-up': { type: 'string', default: '200000' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '30' },
    bootstrap: { type: 'string' },
    'in-flight': { type: 'string', default: '16' },
    phases: { type: 'string', default: 'raw-produce,v2-produce,v3-produce,raw-consume,v2-consume,latency' },
  },
});
const phases = new Set(values.phases.split(','));
const total = Number(values.records);
const warmUpRecords = Number(values['warm-up']);
const rate = Number(values.rate);
const latencySeconds = Number(values.seconds);
const inFlight = Number(values['in-flight']);
const VALUE = Buffer.alloc(100, 'x');
const VALUE_B64 = VALUE.toString('base64');

interface Figure {
  what: string;
  records: number;
  seconds: number;
  /** CPU time of the phase, in ms: this process (the client), and the proxy's process. */
  cpu?: { client: number; proxy: number | undefined };
}
const figures: Figure[] = [];

/**
 * CPU time (user + system) a process has used, in ms, from /proc (Linux; undefined elsewhere). Unlike records/s,
 * CPU per record hardly depends on what else the machine runs.
 */
function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // After the command name (which may hold spaces): state is field 3, utime and stime fields 14 and 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
/** USER_HZ: Linux reports process times in 1/100 s on every architecture it runs on. */
const CLOCK_TICKS = 100;

/** Runs a phase and puts the CPU time it took (this process's, and `proxyPid`'s) on the figure it reported. */
async function measured(proxyPid: number | undefined, phase: () => Promise<void>): Promise<void> {
  const count = figures.length;
  const client = process.cpuUsage();
  const proxy = processCpuMs(proxyPid);
  await phase();
  const used = process.cpuUsage(client);
  const proxyAfter = processCpuMs(proxyPid);
  const figure = figures[figures.length - 1];
  if (figure === undefined || figures.length !== count + 1) return;
  figure.cpu = {
    client: (used.user + used.system) / 1000,
    proxy: proxy === undefined || proxyAfter === undefined ? undefined : proxyAfter - proxy,
  };
}

/**
 * Runs a produce phase untimed on `warmUpRecords` records first (the JIT of both processes, their
 * connections, the topic's first segment), then measured on `total`: the figures are steady-state rates.
 */
async function warmedUp(
  proxyPid: number | undefined,
  phase: (records: number) => Promise<void>,
): Promise<void> {
  if (warmUpRecords > 0) {
    await phase(warmUpRecords);
    figures.pop();
  }
  await measured(proxyPid, () => phase(total));
}

function report(what: string, records: number, startedAt: bigint): void {
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  figures.push({ what, records, seconds });
  log(`${what}: ${records} records in ${seconds.toFixed(2)} s = ${Math.round(records / seconds)} records/s`);
}

/** Connections kept between requests; a new pool per phase, so none idles past the server's keep-alive timeout. */
let agent = new Agent({ keepAlive: true, maxSockets: 64 });
function freshAgent(): void {
  agent.destroy();
  agent = new Agent({ keepAlive: true, maxSockets: 64 });
}

function call(
  base: string,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const sent = request(
      base + path,
      {
        method,
        agent,
        headers: {
          ...headers,
          ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
        );
        response.on('error', reject);
      },
    );
    sent.on('error', reject);
    sent.end(body);
  });
}

async function expectOk(promise: Promise<{ status: number; text: string }>, what: string): Promise<string> {
  const { status, text } = await promise;
  if (status >= 300) throw new Error(`${what}: ${status} ${text}`);
  return text;
}

// ---------------------------------------------------------------------------------------------------------------
// Raw kafkajs
// ---------------------------------------------------------------------------------------------------------------

/**
 * A kafkajs producer as an application uses it: batches of 1,000 records, acks=all, 4 sends in flight
 * (kafkajs's default, which may reorder a partition's batches when one is retried); and `ordered`, with one
 * request in flight per broker, as the proxy's producer keeps a partition's records in order.
 */
async function rawProduce(bootstrap: string, topic: string, ordered: boolean, count: number): Promise<void> {
  const producer = createKafka({ brokers: [bootstrap], clientId: 'bench-raw-producer' }).producer(
    ordered ? { maxInFlightRequests: 1 } : {},
  );
  await producer.connect();
  const batch = Array.from({ length: 1000 }, () => ({ value: VALUE, partition: 0 }));
  const started = process.hrtime.bigint();
  let sent = 0;
  const send = async () => {
    while (sent < count) {
      sent += batch.length;
      await producer.send({ topic, acks: -1, messages: batch });
    }
  };
  await Promise.all(Array.from({ length: 4 }, send));
  report(ordered ? 'raw kafkajs producer, one request in flight' : 'raw kafkajs producer', count, started);
  await producer.disconnect();
}

/** A kafkajs consumer (its group, eachBatch) reading the topic from the beginning. */
async function rawConsume(bootstrap: string, topic: string): Promise<void> {
  const consumer = createKafka({ brokers: [bootstrap], clientId: 'bench-raw-consumer' }).consumer({
    groupId: `bench-raw-${Date.now().toString(36)}`,
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let started = 0n;
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch }) => {
          if (started === 0n) started = process.hrtime.bigint();
          seen += batch.messages.length;
          if (seen >= total) resolve();
          await Promise.resolve();
        },
      })
      .catch(reject);
  });
  report('raw kafkajs consumer', seen, started);
  await consumer.disconnect();
}

// ---------------------------------------------------------------------------------------------------------------
// Over the proxy
// ---------------------------------------------------------------------------------------------------------------

/** v2 produce: batches of 100 binary records, `inFlight` requests at a time. */
async function v2Produce(base: string, topic: string, count: number): Promise<void> {
  const body = JSON.stringify({
    records: Array.from({ length: 100 }, () => ({ value: VALUE_B64, partition: 0 })),
  });
  const headers = { 'content-type': 'application/vnd.kafka.binary.v2+json' };
  let sent = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (sent < count) {
      sent += 100;
      const text = await expectOk(call(base, 'POST', `/topics/${topic}`, body, headers), 'v2 produce');
      if (text.includes('"error_code":5')) throw new Error(`v2 produce: ${text.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  report(`REST Proxy v2 produce (batches of 100, ${inFlight} in flight)`, count, started);
}

/** v3 produce: one chunked request carrying every record, its reports read as they stream back. */
async function v3Stream(base: string, cluster: string, topic: string, count: number): Promise<void> {
  const record = `${JSON.stringify({ partition_id: 0, value: { type: 'BINARY', data: VALUE_B64 } })}\n`;
  const chunk = record.repeat(Math.max(1, Math.floor(65536 / record.length)));
  const perChunk = chunk.length / record.length;
  const started = process.hrtime.bigint();
  let reports = 0;
  let errors = 0;
  await new Promise<void>((resolve, reject) => {
    const sent = request(
      `${base}/v3/clusters/${cluster}/topics/${topic}/records`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      },
      (response) => {
        let rest = '';
        response.setEncoding('utf8');
        response.on('data', (text: string) => {
          const lines = (rest + text).split('\r\n');
          rest = lines.pop()!;
          for (const line of lines) {
            reports++;
            if (!line.startsWith('{"error_code":200')) errors++;
          }
        });
        response.on('end', () => resolve());
        response.on('error', reject);
      },
    );
    sent.on('error', reject);
    void (async () => {
      for (let written = 0; written < count; written += perChunk) {
        const text = written + perChunk <= count ? chunk : record.repeat(count - written);
        if (!sent.write(text)) await new Promise((r) => sent.once('drain', r));
      }
      sent.end();
    })();
  });
  if (reports !== count || errors > 0) throw new Error(`v3 stream: ${reports} reports, ${errors} errors`);
  report('REST Proxy v3 produce (one streamed request)', count, started);
}

/** A v2 consumer instance reading the topic from the beginning, as many records per request as it gets. */
async function v2Consume(base: string, topic: string): Promise<void> {
  const group = `bench-v2-${Date.now().toString(36)}`;
  const v2 = { 'content-type': 'application/vnd.kafka.v2+json' };
  await expectOk(
    call(
      base,
      'POST',
      `/consumers/${group}`,
      JSON.stringify({
        name: 'reader',
        format: 'binary',
        'fetch.min.bytes': 1_000_000,
        'consumer.request.timeout.ms': 1000,
      }),
      v2,
    ),
    'create consumer',
  );
  const path = `/consumers/${group}/instances/reader`;
  await expectOk(
    call(base, 'POST', `${path}/assignments`, JSON.stringify({ partitions: [{ topic, partition: 0 }] }), v2),
    'assign',
  );
  await expectOk(
    call(
      base,
      'POST',
      `${path}/positions/beginning`,
      JSON.stringify({ partitions: [{ topic, partition: 0 }] }),
      v2,
    ),
    'seek',
  );
  let seen = 0;
  const started = process.hrtime.bigint();
  while (seen < total) {
    const text = await expectOk(
      call(base, 'GET', `${path}/records?max_bytes=4000000`, undefined, {
        accept: 'application/vnd.kafka.binary.v2+json',
      }),
      'records',
    );
    // Counted without parsing each record: one `"offset":` per record.
    seen += text.split('"offset":').length - 1;
  }
  report('REST Proxy v2 consume (one consumer instance)', seen, started);
  await call(base, 'DELETE', path);
}

/** Single-record produce requests sent at `rate` per second for `latencySeconds`, each request's latency. */
async function latency(
  what: string,
  proxyPid: number | undefined,
  send: () => Promise<void>,
): Promise<{ what: string; p50: number; p99: number; max: number; n: number; cpuPerRequest: string }> {
  const cpuBefore = processCpuMs(proxyPid);
  const samples: number[] = [];
  const interval = 1000 / rate;
  const count = Math.round(rate * latencySeconds);
  const start = performance.now();
  const pending: Array<Promise<void>> = [];
  for (let i = 0; i < count; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    pending.push(
      (async () => {
        const t0 = performance.now();
        await send();
        samples.push(performance.now() - t0);
      })(),
    );
  }
  await Promise.all(pending);
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  const cpuAfter = processCpuMs(proxyPid);
  const cpuPerRequest =
    cpuBefore === undefined || cpuAfter === undefined
      ? ''
      : (((cpuAfter - cpuBefore) * 1000) / samples.length).toFixed(0);
  const result = {
    what,
    p50: at(0.5),
    p99: at(0.99),
    max: samples[samples.length - 1]!,
    n: samples.length,
    cpuPerRequest,
  };
  log(
    `${what}: p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, max ${result.max.toFixed(2)} ms (${result.n} requests, proxy CPU ${cpuPerRequest} µs/request)`,
  );
  return result;
}

async function main(): Promise<void> {
  log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  const bootstrap = values.bootstrap ?? startBroker('bench-rest-proxy');
  if (values.bootstrap === undefined) await warmUpBroker(bootstrap);
  const admin = await KafkaLog.open({ brokers: [bootstrap], clientId: 'bench-admin' });
  cleanups.push(() => admin.close());
  const topics = ['raw', 'v2', 'v3', 'single'].map(
    (name) => `bench-rest-proxy-${name}-${Date.now().toString(36)}`,
  );
  for (const topic of topics) {
    await admin.createTopic({ name: topic, partitions: 1, replicationFactor: 1 });
    cleanups.push(() => admin.deleteTopic(topic).catch(() => undefined));
  }
  const [rawTopic, v2Topic, v3Topic, singleTopic] = topics as [string, string, string, string];

  const dir = tempDir('sluice-bench-rest-proxy-');
  const port = await freePort();
  const props = join(dir, 'kafka-rest.properties');
  writeFileSync(
    props,
    propertiesText({ listeners: `http://127.0.0.1:${port}`, 'bootstrap.servers': bootstrap }),
  );
  const { child, spawnedAt } = spawnWorker(
    process.execPath,
    [...nodeFlags, join(root, 'packages', 'cli', 'bin', 'sluice.js'), 'rest-proxy', props],
    join(dir, 'rest-proxy.log'),
  );
  const base = `http://127.0.0.1:${port}`;
  await waitFor200(`${base}/v3/clusters`, child, spawnedAt, 'sluice rest-proxy', 60_000);
  const cluster = (
    JSON.parse(await expectOk(call(base, 'GET', '/v3/clusters'), 'clusters')) as {
      data: Array<{ cluster_id: string }>;
    }
  ).data[0]!.cluster_id;
  // A short warm-up of the proxy's own paths (JIT) before anything is measured.
  for (let i = 0; i < 200; i++) {
    await call(base, 'POST', `/topics/${singleTopic}`, JSON.stringify({ records: [{ value: VALUE_B64 }] }), {
      'content-type': 'application/vnd.kafka.binary.v2+json',
    });
  }

  const pid = child.pid;
  if (phases.has('raw-produce')) {
    await warmedUp(undefined, (records) => rawProduce(bootstrap, rawTopic, false, records));
    await warmedUp(undefined, (records) => rawProduce(bootstrap, rawTopic, true, records));
  }
  freshAgent();
  if (phases.has('v2-produce')) await warmedUp(pid, (records) => v2Produce(base, v2Topic, records));
  freshAgent();
  if (phases.has('v3-produce')) await warmedUp(pid, (records) => v3Stream(base, cluster, v3Topic, records));
  if (phases.has('raw-consume')) await measured(undefined, () => rawConsume(bootstrap, rawTopic));
  freshAgent();
  if (phases.has('v2-consume')) await measured(pid, () => v2Consume(base, v2Topic));
  if (!phases.has('latency')) {
    printFigures();
    return;
  }

  freshAgent();
  const single = JSON.stringify({ records: [{ value: VALUE_B64 }] });
  const v2Single = await latency('v2 single-record produce', pid, async () => {
    await expectOk(
      call(base, 'POST', `/topics/${singleTopic}`, single, {
        'content-type': 'application/vnd.kafka.binary.v2+json',
      }),
      'single',
    );
  });
  freshAgent();
  const v3Body = JSON.stringify({ value: { type: 'BINARY', data: VALUE_B64 } });
  const v3Single = await latency('v3 single-record produce', pid, async () => {
    await expectOk(
      call(base, 'POST', `/v3/clusters/${cluster}/topics/${singleTopic}/records`, v3Body, {
        'content-type': 'application/json',
      }),
      'single',
    );
  });

  printFigures();
  process.stdout.write(
    '\n| single-record produce at ' +
      `${rate}/s | p50 ms | p99 ms | max ms | requests | proxy CPU µs/request |\n| --- | ---: | ---: | ---: | ---: | ---: |\n`,
  );
  for (const l of [v2Single, v3Single]) {
    process.stdout.write(
      `| ${l.what} | ${l.p50.toFixed(2)} | ${l.p99.toFixed(2)} | ${l.max.toFixed(2)} | ${l.n} | ${l.cpuPerRequest} |\n`,
    );
  }
  process.stdout.write(
    `\np99 v2 ${v2Single.p99.toFixed(2)} ms, v3 ${v3Single.p99.toFixed(2)} ms (goal < 20 ms)\n`,
  );
}

function printFigures(): void {
  process.stdout.write(
    '\n| run | records | seconds | records/s | client CPU µs/record | proxy CPU µs/record |\n' +
      '| --- | ---: | ---: | ---: | ---: | ---: |\n',
  );
  const perRecord = (ms: number | undefined, f: Figure) =>
    ms === undefined ? '' : ((ms * 1000) / f.records).toFixed(1);
  for (const f of figures) {
    process.stdout.write(
      `| ${f.what} | ${f.records} | ${f.seconds.toFixed(2)} | ${Math.round(f.records / f.seconds).toLocaleString('en-US')} ` +
        `| ${perRecord(f.cpu?.client, f)} | ${perRecord(f.cpu?.proxy, f)} |\n`,
    );
  }
  const rate = (f: Figure) => f.records / f.seconds;
  const stream = figures.find((f) => f.what.startsWith('REST Proxy v3'));
  for (const raw of figures.filter((f) => f.what.startsWith('raw kafkajs producer'))) {
    if (stream === undefined) break;
    const ratio = rate(stream) / rate(raw);
    process.stdout.write(`\nstreaming produce / ${raw.what}: ${(ratio * 100).toFixed(0)} % (goal ≥ 50 %)`);
  }
  process.stdout.write('\n');
}

try {
  await main();
} finally {
  agent.destroy();
  await cleanUp();
}
