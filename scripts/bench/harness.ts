// Shared by the benchmarks that run worker processes: cleanup on exit or Ctrl-C, spawning and stopping
// workers with their output in a file, free ports, RSS samples, properties files and REST calls.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KafkaLog } from '@sluice/log';

export const root = join(import.meta.dirname, '..', '..');
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
/** Extra node flags for Sluice workers, e.g. SLUICE_BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof'. */
export const nodeFlags = (process.env['SLUICE_BENCH_NODE_FLAGS'] ?? '')
  .split(' ')
  .filter((flag) => flag !== '');

// ---------------------------------------------------------------------------------------------------------------
// Cleanup: everything started is registered here and undone in reverse order, also on failure or Ctrl-C.
// ---------------------------------------------------------------------------------------------------------------

export const cleanups: (() => Promise<void> | void)[] = [];
export async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()!();
    } catch (error) {
      log(`cleanup: ${(error as Error).message}`);
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Spawns a worker process with its output in a file; registered for SIGTERM, then SIGKILL after 20 s. */
export function spawnWorker(
  command: string,
  args: string[],
  logFile: string,
): { child: ChildProcess; spawnedAt: bigint } {
  const fd = openSync(logFile, 'a');
  const spawnedAt = process.hrtime.bigint();
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  cleanups.push(() => stopProcess(child));
  return { child, spawnedAt };
}

/** SIGTERM, then SIGKILL if the process has not exited after `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killed = await Promise.race([exited.then(() => false), sleep(graceMs).then(() => true)]);
  if (killed) {
    log(`pid ${child.pid} ignored SIGTERM for ${graceMs / 1000} s; SIGKILL`);
    child.kill('SIGKILL');
    await Promise.race([exited, sleep(5000)]);
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A process's resident memory from /proc: `VmRSS` (all of it), or `RssAnon` (without the pages mapped
 * from files, such as the node binary or the JVM's libraries, which other processes share).
 */
export function rssBytes(pid: number, field: 'VmRSS' | 'RssAnon' = 'VmRSS'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system, seconds) a process has used so far, from /proc (0 once it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime (14, 15) are in
    // clock ticks of 1/100 s (USER_HZ on Linux).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

export function propertiesText(props: Record<string, string | number | boolean>): string {
  return `${Object.entries(props)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// REST
// ---------------------------------------------------------------------------------------------------------------

export async function httpStatus(url: string): Promise<number> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** Polls until `url` answers 200; fails if the process exits or the wait runs out. Returns ms since spawnedAt. */
export async function waitFor200(
  url: string,
  child: ChildProcess,
  spawnedAt: bigint,
  what: string,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before ${url} answered 200`);
    if ((await httpStatus(url)) === 200) return Number(process.hrtime.bigint() - spawnedAt) / 1e6;
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s`);
    await sleep(10);
  }
}

export async function createConnector(
  rest: string,
  name: string,
  config: Record<string, string>,
): Promise<void> {
  const response = await fetch(`${rest}/connectors`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, config }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = await response.text();
  if (response.status !== 201) throw new Error(`POST /connectors ${name}: ${response.status} ${body}`);
}

/** Starts a one-node KRaft cluster with scripts/kafka in .kafka/<name> (stopped at cleanup); its bootstrap. */
export function startBroker(name: string): string {
  const kafkaScript = join(root, 'scripts', 'kafka');
  const kafkaDir = join(root, '.kafka', name);
  cleanups.push(() => {
    execFileSync(kafkaScript, ['down', '--dir', kafkaDir], {
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 60_000,
    });
  });
  const out = execFileSync(kafkaScript, ['up', '--dir', kafkaDir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 300_000,
  });
  const bootstrap = out.trim().split('\n').pop()!;
  log(`broker at ${bootstrap}`);
  return bootstrap;
}

/**
 * Writes records of 100 bytes to a scratch topic and reads them back, a million at a time, until a round
 * is no more than 5% faster than the one before (at most `maxRounds`), then deletes it: a fresh broker's
 * JVM compiles its produce and fetch paths during the first tens of seconds of load, and without this
 * whichever runtime runs first pays for that and the ones after it do not.
 */
export async function warmUpBroker(bootstrap: string, maxRounds = 8): Promise<void> {
  const started = Date.now();
  const topic = `bench-warm-up-${Date.now().toString(36)}`;
  const perRound = 1_000_000;
  const kafka = await KafkaLog.open({ brokers: bootstrap.split(','), clientId: 'sluice-bench-warm-up' });
  const rounds: number[] = [];
  try {
    await kafka.createTopic({ name: topic, partitions: 1, replicationFactor: 1 });
    const value = Buffer.alloc(100, 'x');
    const batch = Array.from({ length: 2000 }, () => ({ key: null, value }));
    let offset = 0;
    while (rounds.length < maxRounds) {
      const roundStart = Date.now();
      for (let sent = 0; sent < perRound; sent += batch.length) await kafka.produce(topic, batch);
      for (const end = offset + perRound; offset < end;) {
        const { records: fetched } = await kafka.fetch(topic, 0, offset, { maxBytes: 1 << 20 });
        if (fetched.length === 0) throw new Error(`warm-up: nothing to read at offset ${offset}`);
        offset = fetched[fetched.length - 1]!.offset + 1;
      }
      rounds.push(Date.now() - roundStart);
      const [previous, last] = rounds.slice(-2);
      if (rounds.length >= 3 && previous !== undefined && last! > previous * 0.95) break;
    }
    await kafka.deleteTopic(topic);
  } finally {
    await kafka.close();
  }
  log(
    `broker warmed up in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
      `rounds of ${perRound} records written and read took ${rounds.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s`,
  );
}

/**
 * Connect's distributed-mode settings for one broker: a group and its three internal topics, named after
 * `group`, with one replica each. Sluice and Apache Kafka Connect read the same keys.
 */
export function distributedProperties(bootstrap: string, group: string): Record<string, string | number> {
  return {
    'bootstrap.servers': bootstrap,
    'group.id': group,
    'config.storage.topic': `${group}-configs`,
    'offset.storage.topic': `${group}-offsets`,
    'status.storage.topic': `${group}-status`,
    'config.storage.replication.factor': 1,
    'offset.storage.replication.factor': 1,
    'status.storage.replication.factor': 1,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Worker processes: Sluice and Apache Kafka Connect
// ---------------------------------------------------------------------------------------------------------------

/** The classpath of the Kafka jars (`scripts/kafka classpath connect`), provisioned on first use. */
export function connectClasspath(): string {
  return execFileSync(join(root, 'scripts', 'kafka'), ['classpath', 'connect'], {
    encoding: 'utf8',
    timeout: 600_000,
  })
    .trim()
    .split('\n')
    .pop()!;
}

/** A Sluice worker (`packages/cli/bin/sluice.js worker`, with `nodeFlags`) on `dir/worker.properties`. */
export function spawnSluice(
  dir: string,
  props: Record<string, string | number | boolean>,
): { child: ChildProcess; spawnedAt: bigint; logFile: string } {
  const propsFile = join(dir, 'worker.properties');
  writeFileSync(propsFile, propertiesText(props));
  const logFile = join(dir, 'worker.log');
  const { child, spawnedAt } = spawnWorker(
    process.execPath,
    [...nodeFlags, join(root, 'packages', 'cli', 'bin', 'sluice.js'), 'worker', propsFile],
    logFile,
  );
  return { child, spawnedAt, logFile };
}

/**
 * Apache Kafka Connect (`ConnectDistributed`) spawned as `scripts/kafka connect up` does: the same JVM
 * flags (`-Xmx1g` unless SLUICE_CONNECT_HEAP says otherwise, G1), properties in
 * `dir/connect-distributed.properties`, log4j to `dir/logs/connect.log`, stdout and stderr to `dir/stdout.log`.
 */
export function spawnConnect(
  dir: string,
  classpath: string,
  props: Record<string, string | number | boolean>,
): { child: ChildProcess; spawnedAt: bigint; logFile: string; connectLog: string } {
  const propsFile = join(dir, 'connect-distributed.properties');
  writeFileSync(propsFile, propertiesText(props));
  const logsDir = join(dir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const log4j = join(dir, 'log4j.properties');
  writeFileSync(
    log4j,
    [
      'log4j.rootLogger=INFO, file',
      'log4j.appender.file=org.apache.log4j.RollingFileAppender',
      'log4j.appender.file.File=${kafka.logs.dir}/connect.log',
      'log4j.appender.file.MaxFileSize=50MB',
      'log4j.appender.file.MaxBackupIndex=2',
      'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
      ...[
        'org.reflections',
        'org.apache.kafka.clients.consumer.ConsumerConfig',
        'org.apache.kafka.clients.producer.ProducerConfig',
        'org.apache.kafka.clients.admin.AdminClientConfig',
      ].map((name) => `log4j.logger.${name}=WARN`),
      '',
    ].join('\n'),
  );
  const java = process.env['JAVA_HOME'] ? join(process.env['JAVA_HOME'], 'bin', 'java') : 'java';
  const logFile = join(dir, 'stdout.log');
  const { child, spawnedAt } = spawnWorker(
    java,
    [
      process.env['SLUICE_CONNECT_HEAP'] ? `-Xmx${process.env['SLUICE_CONNECT_HEAP']}` : '-Xmx1g',
      '-XX:+UseG1GC',
      `-Dlog4j.configuration=${pathToFileURL(log4j).href}`,
      `-Dkafka.logs.dir=${logsDir}`,
      '-Djava.awt.headless=true',
      '-cp',
      classpath,
      'org.apache.kafka.connect.cli.ConnectDistributed',
      propsFile,
    ],
    logFile,
  );
  return { child, spawnedAt, logFile, connectLog: join(logsDir, 'connect.log') };
}

/** A worker process spawned by a benchmark, its REST URL and where its output goes. */
export interface SpawnedWorker {
  runtime: string;
  rest: string;
  child: ChildProcess;
  spawnedAt: bigint;
  logFile: string;
}

/** Spawns `sluice worker` with `props` and a `listeners` on a free loopback port. */
export async function startSluice(
  runtime: string,
  props: Record<string, string | number | boolean>,
): Promise<SpawnedWorker> {
  const port = await freePort();
  const { child, spawnedAt, logFile } = spawnSluice(tempDir('sluice-bench-worker-'), {
    ...props,
    listeners: `http://127.0.0.1:${port}`,
  });
  return { runtime, rest: `http://127.0.0.1:${port}`, child, spawnedAt, logFile };
}

/**
 * Apache Kafka Connect spawned by `spawnConnect`: `props` plus a `listeners` on a free loopback port and the
 * matching `rest.advertised.*`.
 */
export async function startConnect(
  classpath: string,
  props: Record<string, string | number | boolean>,
  runtime = 'connect',
): Promise<SpawnedWorker> {
  const port = await freePort();
  const { child, spawnedAt, logFile } = spawnConnect(tempDir('sluice-bench-connect-'), classpath, {
    ...props,
    listeners: `http://127.0.0.1:${port}`,
    'rest.advertised.host.name': '127.0.0.1',
    'rest.advertised.port': port,
  });
  return { runtime, rest: `http://127.0.0.1:${port}`, child, spawnedAt, logFile };
}

/** The last `lines` lines of a worker's output, for a failure's story. */
export function logTail(worker: SpawnedWorker, lines = 30): string {
  try {
    return readFileSync(worker.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** The machine a benchmark ran on, for its report: cores, CPU model, memory, Node and JDK versions. */
export function machineDescription(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr ?? '';
  const jdk = /version "([^"]+)"/.exec(java)?.[1] ?? '?';
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, JDK ${jdk}`;
}
