// End-to-end FileStream pipeline (FileStreamSource -> topic -> FileStreamSink, as in the README quickstart) on
// Sluice (embedded, and on Kafka) and on Apache Kafka Connect 3.9.1, against one broker this script starts with
// scripts/kafka, with one input file: records/s, time from process spawn to the first 200 from `GET /`, and
// idle and loaded RSS of the worker process. 1,000,000 lines of 100 bytes (override with --lines N); pick
// runtimes with --runtime sluice-embedded,sluice-kafka,connect. Every wait is bounded (--timeout seconds per wait).
// Run: pnpm bench:file-pipeline   (results go in docs/benchmarks.md by hand, with the machine line printed here)
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KafkaLog } from '@sluice/log';
import {
  cleanUp,
  createConnector,
  distributedProperties,
  connectClasspath,
  log,
  rssBytes,
  sleep,
  startConnect,
  startSluice,
  type SpawnedWorker,
  stopProcess,
  startBroker,
  warmUpBroker,
  tempDir,
  waitFor200,
  machineDescription,
} from './harness.js';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    runtime: { type: 'string', default: 'sluice-embedded,sluice-kafka,connect' },
    timeout: { type: 'string', default: '600' },
  },
});
const totalLines = Number(values.lines);
const waitMs = Number(values.timeout) * 1000;
const lineBytes = 100; // including the newline
const flushIntervalMs = 10_000;
const jsonConverter = 'org.apache.kafka.connect.json.JsonConverter';

interface Result {
  runtime: string;
  recordsPerSecond: number;
  seconds: number;
  restReadyMs: number;
  acceptsConnectorsMs: number;
  idleRssBytes: number;
  loadedRssBytes: number;
  idleAnonBytes: number;
  loadedAnonBytes: number;
}

async function connectorStatus(rest: string, name: string): Promise<string> {
  try {
    const response = await fetch(`${rest}/connectors/${name}/status`, { signal: AbortSignal.timeout(2000) });
    return await response.text();
  } catch (error) {
    return (error as Error).message;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Input and output files
// ---------------------------------------------------------------------------------------------------------------

async function writeInput(file: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  const filler = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'.repeat(2);
  let chunk = '';
  for (let i = 0; i < totalLines; i++) {
    const head = `line ${String(i).padStart(9, '0')} `;
    chunk += `${head}${filler.slice(0, lineBytes - 1 - head.length)}\n`;
    if (chunk.length >= 1 << 20 || i === totalLines - 1) {
      hash.update(chunk);
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      chunk = '';
    }
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return { size: statSync(file).size, sha256: hash.digest('hex') };
}

async function digest(file: string): Promise<{ lines: number; sha256: string }> {
  const hash = createHash('sha256');
  let lines = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
  }
  return { lines, sha256: hash.digest('hex') };
}

const fileSize = (file: string) => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

// ---------------------------------------------------------------------------------------------------------------
// One run: a started worker, two connectors, a clock, RSS samples
// ---------------------------------------------------------------------------------------------------------------

async function measure(
  worker: SpawnedWorker,
  input: { file: string; size: number; sha256: string },
  bootstrap: string | undefined,
): Promise<Result> {
  const { runtime, rest, child, spawnedAt } = worker;
  const restReadyMs = await waitFor200(`${rest}/`, child, spawnedAt, runtime, waitMs);
  const acceptsConnectorsMs = await waitFor200(`${rest}/connectors`, child, spawnedAt, runtime, waitMs);
  log(
    `${runtime}: GET / 200 after ${restReadyMs.toFixed(0)} ms, GET /connectors after ${acceptsConnectorsMs.toFixed(0)} ms`,
  );
  await sleep(2000); // let start-up settle before calling it idle
  const idleRssBytes = rssBytes(child.pid!);
  const idleAnonBytes = rssBytes(child.pid!, 'RssAnon');

  const id = `${runtime}-${Date.now().toString(36)}`;
  const topic = `bench-file-${id}`;
  const outputFile = join(tempDir('sluice-bench-out-'), 'out.txt');
  if (bootstrap !== undefined) {
    // The broker runs with auto.create.topics.enable=false and Connect creates no topic without
    // topic.creation.* settings, so both runtimes get the same pre-created topic: 1 partition, 1 replica.
    const kafka = await KafkaLog.open({ brokers: bootstrap.split(','), clientId: 'sluice-bench' });
    try {
      await kafka.createTopic({ name: topic, partitions: 1, replicationFactor: 1 });
    } finally {
      await kafka.close();
    }
  }
  let loadedRssBytes = idleRssBytes;
  let loadedAnonBytes = idleAnonBytes;
  const sample = () => {
    loadedRssBytes = Math.max(loadedRssBytes, rssBytes(child.pid!));
    loadedAnonBytes = Math.max(loadedAnonBytes, rssBytes(child.pid!, 'RssAnon'));
  };
  const sampler = setInterval(sample, 200);
  try {
    const start = process.hrtime.bigint();
    await createConnector(rest, `${id}-source`, {
      'connector.class': 'FileStreamSource',
      file: input.file,
      ...(process.env['BENCH_BATCH'] ? { 'batch.size': process.env['BENCH_BATCH'] } : {}),
      topic,
    });
    await createConnector(rest, `${id}-sink`, {
      'connector.class': 'FileStreamSink',
      file: outputFile,
      topics: topic,
    });
    // On Kafka, when the topic holds every line: how the time splits between the source and the sink.
    let producedSeconds: number | undefined;
    const producedWatch =
      bootstrap === undefined
        ? undefined
        : watchProduced(bootstrap, topic, start, (s) => (producedSeconds = s));
    const deadline = Date.now() + waitMs;
    let lastReport = Date.now();
    while (fileSize(outputFile) < input.size) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`${runtime} exited during the run`);
      if (Date.now() > deadline) {
        throw new Error(
          `${runtime}: output has ${fileSize(outputFile)} of ${input.size} bytes after ${values.timeout} s; ` +
            `source ${await connectorStatus(rest, `${id}-source`)}; sink ${await connectorStatus(rest, `${id}-sink`)}`,
        );
      }
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        log(`${runtime}: ${((100 * fileSize(outputFile)) / input.size).toFixed(0)}% through`);
      }
      await sleep(20);
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    await producedWatch?.stop();
    if (producedSeconds !== undefined)
      log(`${runtime}: the topic held every line after ${producedSeconds.toFixed(2)} s`);
    sample();
    await sleep(500); // anything written after the last expected byte would be a duplicate
    const output = await digest(outputFile);
    if (output.lines !== totalLines || output.sha256 !== input.sha256) {
      throw new Error(
        `${runtime}: output differs from input: ${output.lines} lines (want ${totalLines}), ` +
          `${fileSize(outputFile)} bytes (want ${input.size}), sha256 ${output.sha256} (want ${input.sha256})`,
      );
    }
    log(`${runtime}: ${totalLines} lines in ${seconds.toFixed(2)} s, output identical to input`);
    return {
      runtime,
      recordsPerSecond: totalLines / seconds,
      seconds,
      restReadyMs,
      acceptsConnectorsMs,
      idleRssBytes,
      loadedRssBytes,
      idleAnonBytes,
      loadedAnonBytes,
    };
  } finally {
    clearInterval(sampler);
  }
}

/** Polls the topic's end offset until it reaches the line count; reports the seconds since `start`. */
function watchProduced(
  bootstrap: string,
  topic: string,
  start: bigint,
  report: (seconds: number) => void,
): { stop: () => Promise<void> } {
  let stopped = false;
  const done = (async () => {
    const kafka = await KafkaLog.open({ brokers: bootstrap.split(','), clientId: 'sluice-bench-watch' });
    try {
      const deadline = Date.now() + waitMs;
      while (!stopped && Date.now() < deadline) {
        const end = (await kafka.offsets(topic)).reduce((sum, p) => sum + p.end, 0);
        if (end >= totalLines) {
          report(Number(process.hrtime.bigint() - start) / 1e9);
          return;
        }
        await sleep(100);
      }
    } finally {
      await kafka.close();
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------------

const runtimes = values.runtime.split(',');
const labels: Record<string, string> = {
  'sluice-embedded': 'Sluice, embedded (SQLite)',
  'sluice-kafka': 'Sluice on Kafka (kafkajs)',
  connect: 'Apache Kafka Connect 3.9.1',
};
const results: Result[] = [];
let failed = false;
const common = {
  'key.converter': jsonConverter,
  'value.converter': jsonConverter,
  'key.converter.schemas.enable': false,
  'value.converter.schemas.enable': false,
  'offset.flush.interval.ms': flushIntervalMs,
};
try {
  const inputDir = tempDir('sluice-bench-in-');
  const inputFile = join(inputDir, 'in.txt');
  const input = { file: inputFile, ...(await writeInput(inputFile)) };
  log(`input: ${totalLines} lines, ${input.size} bytes, sha256 ${input.sha256.slice(0, 16)}…`);

  const bootstrap = runtimes.some((runtime) => runtime !== 'sluice-embedded')
    ? startBroker('bench-file-pipeline')
    : '';
  if (bootstrap !== '') await warmUpBroker(bootstrap);

  for (const runtime of runtimes) {
    let worker: SpawnedWorker;
    if (runtime === 'sluice-embedded') {
      worker = await startSluice(runtime, {
        ...common,
        'data.dir': join(tempDir('sluice-bench-data-'), 'data'),
      });
    } else if (runtime === 'sluice-kafka') {
      const group = `bench-sluice-${Date.now().toString(36)}`;
      worker = await startSluice(runtime, {
        ...common,
        ...distributedProperties(bootstrap, group),
        'scheduled.rebalance.max.delay.ms': 0,
      });
    } else if (runtime === 'connect') {
      const group = `bench-connect-${Date.now().toString(36)}`;
      worker = await startConnect(connectClasspath(), {
        ...common,
        ...distributedProperties(bootstrap, group),
        'scheduled.rebalance.max.delay.ms': 0,
      });
    } else {
      throw new Error(`unknown runtime '${runtime}' (sluice-embedded, sluice-kafka, connect)`);
    }
    try {
      results.push({
        ...(await measure(worker, input, runtime === 'sluice-embedded' ? undefined : bootstrap)),
        runtime: labels[runtime]!,
      });
    } catch (error) {
      log(`--- tail of ${worker.logFile} ---`);
      try {
        log(readFileSync(worker.logFile, 'utf8').trimEnd().split('\n').slice(-30).join('\n'));
      } catch {
        log('(no log)');
      }
      throw error;
    } finally {
      await stopProcess(worker.child);
    }
  }
} catch (error) {
  failed = true;
  log(`failed: ${(error as Error).stack ?? String(error)}`);
} finally {
  await cleanUp();
}

console.log(
  `\nMachine: ${machineDescription()}; ` +
    `${totalLines.toLocaleString('en-US')} lines of ${lineBytes} bytes, ` +
    `JsonConverter without schemas, offset.flush.interval.ms=${flushIntervalMs}, 1 KRaft broker (Kafka 3.9.1)\n`,
);
const connect = results.find((result) => result.runtime === labels['connect']);
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
console.log(
  '| runtime | records/s | ratio to Connect | REST ready (ms) | idle RSS (MiB) | loaded RSS (MiB) | idle / loaded anon RSS (MiB) | accepts connectors (ms) |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const result of results) {
  const ratio = connect ? `${(result.recordsPerSecond / connect.recordsPerSecond).toFixed(2)}×` : 'n/a';
  console.log(
    `| ${result.runtime} | ${Math.round(result.recordsPerSecond).toLocaleString('en-US')} | ${ratio} | ` +
      `${result.restReadyMs.toFixed(0)} | ${mib(result.idleRssBytes)} | ${mib(result.loadedRssBytes)} | ` +
      `${mib(result.idleAnonBytes)} / ${mib(result.loadedAnonBytes)} | ${result.acceptsConnectorsMs.toFixed(0)} |`,
  );
}
// Runtimes listed more than once (e.g. `--runtime sluice-kafka,connect,sluice-kafka,connect`): the best run
// of each, since a later run meets a broker that has warmed up further.
const labelsRun = [...new Set(results.map((result) => result.runtime))];
if (labelsRun.length < results.length) {
  const best = (label: string) =>
    results
      .filter((result) => result.runtime === label)
      .reduce((a, b) => (b.recordsPerSecond > a.recordsPerSecond ? b : a));
  const connectBest = labelsRun.includes(labels['connect']!) ? best(labels['connect']!) : undefined;
  console.log('\nBest run of each runtime:\n');
  console.log('| runtime | runs | best records/s | ratio to Connect |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const label of labelsRun) {
    const top = best(label);
    const runs = results.filter((result) => result.runtime === label).length;
    const ratio = connectBest
      ? `${(top.recordsPerSecond / connectBest.recordsPerSecond).toFixed(2)}×`
      : 'n/a';
    console.log(
      `| ${label} | ${runs} | ${Math.round(top.recordsPerSecond).toLocaleString('en-US')} | ${ratio} |`,
    );
  }
}
if (failed) process.exitCode = 1;
