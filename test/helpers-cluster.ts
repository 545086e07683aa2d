// Several real `sluice worker` processes in one group on the test broker, for cluster drills.
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SluiceError } from '@sluice/errors';
import { KafkaLog, type Log, type LogRecord } from '@sluice/log';
import {
  freePort,
  kafkaBootstrap,
  runTypeScript,
  uniqueName,
  waitFor,
  type TypeScriptChild,
} from '@sluice/test-kit';
import { expect } from 'vitest';
import { backendProperties, type Reply } from './helpers-rest.js';

/** What `GET /sluice/v1/cluster` answers. */
export interface ClusterView {
  url: string;
  state: string;
  generation: number | null;
  /** The group protocol the coordinator chose for this generation (`sluice-v2`, `sluice-v1`). */
  protocol: string | null;
  leader: boolean;
  leaderUrl: string | null;
  assignment: { connectors: string[]; tasks: string[] };
  members: Array<{ url: string; connectors: string[]; tasks: string[] }> | null;
}

export interface Status {
  name: string;
  connector: { state: string; worker_id: string; trace?: string };
  tasks: Array<{ id: number; state: string; worker_id: string; trace?: string }>;
}

/** Where a worker runs when not on 127.0.0.1 with the cluster's brokers: another host, e.g. a network namespace. */
export interface WorkerPlacement {
  /** The address it listens on and advertises. */
  host: string;
  /** The brokers as reached from there. */
  bootstrap: readonly string[];
  /** A command that execs the worker's node command line, e.g. `['ip', 'netns', 'exec', 'ns1']`. */
  wrapper: readonly string[];
}

export interface TestClusterOptions {
  workers: number;
  /** The brokers. @default the test broker */
  bootstrap?: readonly string[];
  /** Replicas of the internal topics. @default 1 */
  replicationFactor?: number;
  /** Where worker `index` (from 1) runs; undefined: on 127.0.0.1. */
  placement?: (index: number) => WorkerPlacement | undefined;
  /** @default 6000 */
  sessionTimeoutMs?: number;
  /** @default 1000 */
  heartbeatIntervalMs?: number;
  /** More worker property lines, for every worker. */
  extra?: string[];
  /** How many of the workers start with the cluster (the others are started by the test). @default workers */
  started?: number;
}

/** One worker of a test cluster: a process that can be killed, frozen and started again. */
export class ClusterWorker {
  readonly index: number;
  readonly url: string;
  readonly #properties: string;
  readonly #wrapper: readonly string[];
  #child: TypeScriptChild | undefined;
  #live = false;
  #epoch = 0;

  constructor(index: number, url: string, properties: string, wrapper: readonly string[] = []) {
    this.index = index;
    this.url = url;
    this.#properties = properties;
    this.#wrapper = wrapper;
  }

  /** `host:port`: the worker id in statuses. */
  get id(): string {
    return new URL(this.url).host;
  }

  get running(): boolean {
    return (
      this.#child !== undefined &&
      this.#child.process.exitCode === null &&
      this.#child.process.signalCode === null
    );
  }

  /**
   * Whether the worker has started (joined its group and applied an assignment) and is not being stopped:
   * a REST call to it must succeed.
   */
  get live(): boolean {
    return this.#live && this.running;
  }

  /** Counts starts and stops: a call made at one epoch and answered at another crossed a start or stop. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Starts the worker process (`overrides`: `key=value` settings over its properties file). */
  async start(overrides: readonly string[] = []): Promise<void> {
    this.#epoch++;
    this.#child = runTypeScript(
      'test/fixtures/sluice.ts',
      ['worker', this.#properties, ...overrides.flatMap((setting) => ['--override', setting])],
      { SLUICE_TEST_WORKER_ID: `w${this.index}` },
      this.#wrapper,
    );
    // SLUICE_DRILL_LOGS=<folder> keeps every worker's whole log (w<I>.log, across restarts), for a failed drill.
    const keep = process.env['SLUICE_DRILL_LOGS'];
    if (keep !== undefined) {
      const out = createWriteStream(join(keep, `w${this.index}.log`), { flags: 'a' });
      this.#child.process.stderr?.pipe(out);
    }
    await this.#child.waitForLine((line) => line.startsWith('REST API listening on'), 90_000);
    this.#live = true;
  }

  /** SIGTERM (a clean stop: the worker leaves its group) or SIGKILL; resolves once it exited. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    this.#live = false;
    this.#epoch++;
    const child = this.#child;
    if (child === undefined || !this.running) return;
    child.process.kill('SIGCONT');
    child.process.kill(signal);
    await child.exited;
  }

  freeze(): void {
    this.#child?.process.kill('SIGSTOP');
  }

  thaw(): void {
    this.#child?.process.kill('SIGCONT');
  }

  stderr(): string {
    return this.#child?.stderr() ?? '';
  }
}

/**
 * N workers sharing a group, internal topics and a plugin path with the test connectors, each on its own
 * loopback port. Topics and the group are unique to the cluster.
 */
export class TestCluster {
  readonly id: string;
  readonly dir: string;
  readonly workers: ClusterWorker[];
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** The brokers, as the test reaches them. */
  readonly bootstrap: readonly string[];
  #log: Log | undefined;

  private constructor(
    id: string,
    dir: string,
    workers: ClusterWorker[],
    session: number,
    heartbeat: number,
    bootstrap: readonly string[],
  ) {
    this.id = id;
    this.bootstrap = bootstrap;
    this.dir = dir;
    this.workers = workers;
    this.sessionTimeoutMs = session;
    this.heartbeatIntervalMs = heartbeat;
  }

  static async start(options: TestClusterOptions): Promise<TestCluster> {
    const id = uniqueName('cluster');
    const dir = mkdtempSync(join(tmpdir(), 'sluice-cluster-'));
    const session = options.sessionTimeoutMs ?? 6_000;
    const heartbeat = options.heartbeatIntervalMs ?? 1_000;
    const bootstrap = options.bootstrap ?? kafkaBootstrap();
    const workers: ClusterWorker[] = [];
    for (let index = 1; index <= options.workers; index++) {
      const port = await freePort();
      const placement = options.placement?.(index);
      const host = placement?.host ?? '127.0.0.1';
      const lines = [
        `listeners=http://${host}:${port}`,
        ...backendProperties('kafka', dir, id, {
          bootstrap: placement?.bootstrap ?? bootstrap,
          replicationFactor: options.replicationFactor ?? 1,
        }),
        `session.timeout.ms=${session}`,
        `heartbeat.interval.ms=${heartbeat}`,
        'offset.flush.interval.ms=500',
        'task.shutdown.graceful.timeout.ms=2000',
        `plugin.path=${join(process.cwd(), 'test', 'fixtures')}`,
        ...(options.extra ?? []),
      ];
      const properties = join(dir, `worker-${index}.properties`);
      writeFileSync(properties, `${lines.join('\n')}\n`);
      workers.push(new ClusterWorker(index, `http://${host}:${port}`, properties, placement?.wrapper));
    }
    const cluster = new TestCluster(id, dir, workers, session, heartbeat, bootstrap);
    const started = workers.slice(0, options.started ?? workers.length);
    try {
      await Promise.all(started.map((worker) => worker.start()));
      if (started.length > 0) await cluster.settled();
    } catch (error) {
      await cluster.close();
      throw error;
    }
    return cluster;
  }

  /** The bound within which a dead worker's work runs elsewhere: session + heartbeat + 2 s. */
  get failoverBoundMs(): number {
    return this.sessionTimeoutMs + this.heartbeatIntervalMs + 2_000;
  }

  running(): ClusterWorker[] {
    return this.workers.filter((worker) => worker.running);
  }

  async call(worker: ClusterWorker, method: string, path: string, body?: unknown): Promise<Reply> {
    const response = await fetch(worker.url + path, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      signal: AbortSignal.timeout(60_000),
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    };
  }

  async view(worker: ClusterWorker): Promise<ClusterView> {
    return (await this.call(worker, 'GET', '/sluice/v1/cluster')).body as ClusterView;
  }

  /** Waits until every running worker is stable in the same generation and agrees on the leader. */
  async settled(timeoutMs = 60_000): Promise<ClusterView[]> {
    return waitFor(
      'the running workers to agree on one stable generation',
      async () => {
        const views = await Promise.all(this.running().map((worker) => this.view(worker)));
        const generation = views[0]?.generation;
        const ok =
          views.every((v) => v.state === 'stable' && v.generation === generation && v.generation !== null) &&
          views.filter((v) => v.leader).length === 1 &&
          new Set(views.map((v) => v.leaderUrl)).size === 1;
        return ok ? views : undefined;
      },
      { timeoutMs, intervalMs: 200 },
    );
  }

  async leader(): Promise<ClusterWorker> {
    const views = await this.settled();
    const url = views.find((view) => view.leader)!.url;
    return this.workers.find((worker) => worker.url === url)!;
  }

  async status(worker: ClusterWorker, connector: string): Promise<Status | undefined> {
    const reply = await this.call(worker, 'GET', `/connectors/${connector}/status`);
    return reply.status === 200 ? (reply.body as Status) : undefined;
  }

  /** The cluster's brokers, for reading and creating its topics. */
  async log(): Promise<Log> {
    this.#log ??= await KafkaLog.open({
      brokers: [...this.bootstrap],
      clientId: uniqueName('cluster-reader'),
    });
    return this.#log;
  }

  /**
   * Every record of a topic, partition by partition in offset order. Read again (for up to 30 s) after a
   * retriable failure: right after a broker is killed the reader's metadata may still name it.
   */
  async records(topic: string): Promise<LogRecord[]> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        return await this.#readAll(topic);
      } catch (error) {
        const transient = SluiceError.is(error) && (error.retriable || error.code === 'SLUICE_KAFKA_ERROR');
        if (!transient || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  async #readAll(topic: string): Promise<LogRecord[]> {
    const log = await this.log();
    const out: LogRecord[] = [];
    for (const { partition, beginning, end } of await log.offsets(topic)) {
      let offset = beginning;
      while (offset < end) {
        const { records } = await log.fetch(topic, partition, offset, { maxBytes: 4 * 1024 * 1024 });
        if (records.length === 0) break;
        out.push(...records.filter((record) => record.offset < end));
        offset = records[records.length - 1]!.offset + 1;
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop('SIGKILL')));
    await this.#log?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Max − min of a list of counts. */
export function spread(counts: readonly number[]): number {
  return Math.max(...counts) - Math.min(...counts);
}

/** Whether a connector and all its `tasks` tasks are RUNNING. */
export const allRunning = (status: Status | undefined, tasks: number): boolean =>
  status !== undefined &&
  status.connector.state === 'RUNNING' &&
  status.tasks.length === tasks &&
  status.tasks.every((task) => task.state === 'RUNNING');

/** A record of the sequence source, with the record's timestamp (when the worker produced it). */
export interface Sequenced {
  task: number;
  seq: number;
  worker: string;
  incarnation: string;
  timestamp: number;
}

const json = {
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter.schemas.enable': 'false',
};

/**
 * A sequence source (`seq`, three tasks) and a sink (`sink`, two tasks) collecting what it wrote, on a
 * cluster. `replicationFactor`: the topic is created first with that many replicas (3 partitions).
 */
export async function pipeline(
  c: TestCluster,
  options: { tasks?: number; replicationFactor?: number } = {},
): Promise<{ topic: string; file: string }> {
  const tasks = options.tasks ?? 3;
  const topic = `${c.id}-seq`;
  const file = `${c.dir}/sink.jsonl`;
  if (options.replicationFactor !== undefined) {
    await (
      await c.log()
    ).createTopic({ name: topic, partitions: 3, replicationFactor: options.replicationFactor });
  }
  const leader = await c.leader();
  const source = {
    'connector.class': 'test.SequenceSourceConnector',
    topic,
    'tasks.max': String(tasks),
    batch: '20',
    'poll.delay.ms': '20',
    ...json,
  };
  expect((await c.call(leader, 'POST', '/connectors', { name: 'seq', config: source })).status).toBe(201);
  const sink = {
    'connector.class': 'test.CollectingSinkConnector',
    topics: topic,
    'tasks.max': '2',
    file,
    ...json,
  };
  expect((await c.call(leader, 'POST', '/connectors', { name: 'sink', config: sink })).status).toBe(201);
  let last: unknown;
  await waitFor(
    'the pipeline running',
    async () => {
      last = [await c.status(leader, 'seq'), await c.status(leader, 'sink')];
      const [seq, sinks] = last as Array<Status | undefined>;
      return allRunning(seq, tasks) && allRunning(sinks, 2) ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  ).catch((error: unknown) => {
    process.stdout.write(`pipeline statuses: ${JSON.stringify(last)}\n`);
    throw error;
  });
  return { topic, file };
}

/** What the source wrote, per task, in the order of the topic (one task's records share a partition). */
export async function written(c: TestCluster, topic: string): Promise<Map<number, Sequenced[]>> {
  const byTask = new Map<number, Sequenced[]>();
  for (const record of await c.records(topic)) {
    const value = {
      ...(JSON.parse(record.value!.toString('utf8')) as Omit<Sequenced, 'timestamp'>),
      timestamp: record.timestamp,
    };
    byTask.set(value.task, [...(byTask.get(value.task) ?? []), value]);
  }
  return byTask;
}

/** Stops the source, waits until the sink has everything it wrote, and checks that no number is missing. */
export async function noneMissing(
  c: TestCluster,
  topic: string,
  file: string,
): Promise<{ records: number; duplicates: number }> {
  const worker = c.running()[0]!;
  const stopping = Date.now();
  expect((await c.call(worker, 'PUT', '/connectors/seq/stop')).status).toBe(204);
  process.stdout.write(`stop answered in ${Date.now() - stopping} ms\n`);
  await waitFor(
    'the source to stop',
    async () => ((await c.status(worker, 'seq'))?.connector.state === 'STOPPED' ? true : undefined),
    {
      timeoutMs: 30_000,
    },
  );
  process.stdout.write(`source stopped after ${Date.now() - stopping} ms\n`);
  const inTopic = await written(c, topic);
  const wanted = new Map([...inTopic].map(([task, values]) => [task, Math.max(...values.map((v) => v.seq))]));
  let lastSeen = '';
  const seen = await waitFor(
    'the sink to have every record',
    () => {
      if (!existsSync(file)) return undefined;
      const got = new Map<number, Set<number>>();
      let lines = 0;
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (line === '') continue;
        lines++;
        // The sink shows JSON integers as the int64 they convert to: "12n".
        const value = JSON.parse((JSON.parse(line) as { value: string }).value) as Record<string, string>;
        const [task, seq] = [
          Number(value['task']!.replace(/n$/, '')),
          Number(value['seq']!.replace(/n$/, '')),
        ];
        got.set(task, (got.get(task) ?? new Set()).add(seq));
      }
      for (const [task, max] of wanted) {
        if ((got.get(task)?.size ?? 0) < max) {
          lastSeen = `task ${task}: ${got.get(task)?.size ?? 0} of ${max}; missing ${[...Array(max).keys()]
            .map((i) => i + 1)
            .filter((i) => !got.get(task)?.has(i))
            .slice(0, 10)
            .join(',')}`;
          return undefined;
        }
      }
      return { got, lines };
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  ).catch((error: unknown) => {
    process.stdout.write(`sink incomplete: ${lastSeen}\n`);
    throw error;
  });
  let records = 0;
  for (const [task, max] of wanted) {
    const got = seen.got.get(task)!;
    // Every number from 1 to the last one written reached the sink.
    for (let seq = 1; seq <= max; seq++) expect(got.has(seq), `task ${task} seq ${seq}`).toBe(true);
    records += max;
  }
  return { records, duplicates: seen.lines - records };
}

/**
 * Records a task wrote after a newer incarnation of it had written (in the topic's order), each printed;
 * a zombie's output. Expected 0.
 */
export async function staleWrites(c: TestCluster, topic: string): Promise<number> {
  let stale = 0;
  for (const [task, values] of await written(c, topic)) {
    const finished = new Set<string>();
    let current: string | undefined;
    for (const value of values) {
      if (value.incarnation !== current) {
        if (current !== undefined) finished.add(current);
        if (finished.has(value.incarnation)) {
          stale++;
          process.stdout.write(
            `task ${task}: ${value.worker} wrote seq ${value.seq} after a newer incarnation; ` +
              `runs (worker/incarnation@seqs): ${runsOf(values)}\n`,
          );
        }
        current = value.incarnation;
      }
    }
  }
  return stale;
}

/** A task's output as runs of one incarnation: `w1/1a2b3c@1-880 w2/4d5e6f@881-2980 …`. */
function runsOf(values: readonly Sequenced[]): string {
  const runs: Array<{ tag: string; first: number; last: number }> = [];
  for (const value of values) {
    const tag = `${value.worker}/${value.incarnation.slice(0, 6)}`;
    const last = runs.at(-1);
    if (last?.tag === tag) last.last = value.seq;
    else runs.push({ tag, first: value.seq, last: value.seq });
  }
  return runs.map((run) => `${run.tag}@${run.first}-${run.last}`).join(' ');
}

/**
 * Checks the status topic's history of the connector's tasks: a RUNNING of a task never follows a RUNNING of
 * another worker at the same or a later generation (no two owners at once), in the order of the topic.
 */
export async function expectOneOwnerAtATime(c: TestCluster, connector: string): Promise<void> {
  const history = new Map<string, Array<{ state: string; worker: string; generation: number }>>();
  for (const record of await c.records(`${c.id}-status`)) {
    const key = record.key?.toString('utf8') ?? '';
    if (!key.startsWith(`status-task-${connector}-`) || record.value === null) continue;
    const value = JSON.parse(record.value.toString('utf8')) as {
      state: string;
      worker_id: string;
      generation: number;
    };
    history.set(key, [
      ...(history.get(key) ?? []),
      { state: value.state, worker: value.worker_id, generation: value.generation },
    ]);
  }
  for (const [key, entries] of history) {
    let last: { worker: string; generation: number } | undefined;
    for (const entry of entries.filter((e) => e.state === 'RUNNING')) {
      if (last !== undefined && entry.worker !== last.worker) {
        expect(entry.generation, `${key}: ${JSON.stringify(entries)}`).toBeGreaterThan(last.generation);
      }
      last = entry;
    }
  }
}

/** What a `RestLoop` saw. */
export interface RestLoopReport {
  /** Calls counted: made to a live worker that neither started nor stopped before it answered. */
  calls: number;
  /** Counted calls that did not answer 2xx: `METHOD url: status and body, or the error`. */
  failures: string[];
  /** Calls in flight while the worker they went to stopped or started: not counted. */
  excluded: number;
}

export interface RestLoopOptions {
  /** Connectors whose status is read. */
  statusOf: readonly string[];
  /** A connector whose config is changed, and the two values of `poll.delay.ms` it alternates between. */
  put: { connector: string; config: Record<string, string> };
  /** @default 100 */
  intervalMs?: number;
  /** @default 2000 */
  putEveryMs?: number;
  /** The loop stops by itself after this long. */
  maxMs: number;
}

/**
 * A client calling the REST API of a cluster's live workers throughout a drill, as users' tooling does: a
 * status GET every `intervalMs` and a config PUT (a change that moves no work) every `putEveryMs`, each to
 * a live worker picked at random. A call to a worker that stopped or started while it was in flight is
 * not counted; any other that does not answer 2xx is a failure.
 */
export class RestLoop {
  readonly #c: TestCluster;
  readonly #o: RestLoopOptions;
  #stopping = false;
  readonly #report: RestLoopReport = { calls: 0, failures: [], excluded: 0 };
  readonly #done: Promise<RestLoopReport>;

  constructor(c: TestCluster, options: RestLoopOptions) {
    this.#c = c;
    this.#o = options;
    this.#done = this.#run();
  }

  /** Stops the loop; resolves with what it saw once its last call answered. */
  stop(): Promise<RestLoopReport> {
    this.#stopping = true;
    return this.#done;
  }

  async #run(): Promise<RestLoopReport> {
    const { statusOf, put, intervalMs = 100, putEveryMs = 2_000, maxMs } = this.#o;
    const deadline = Date.now() + maxMs;
    let nextPut = Date.now() + putEveryMs;
    let puts = 0;
    let reads = 0;
    while (!this.#stopping && Date.now() < deadline) {
      const live = this.#c.workers.filter((worker) => worker.live);
      const worker = live[Math.floor(Math.random() * live.length)];
      if (worker !== undefined) {
        const putting = Date.now() >= nextPut;
        const [method, path, body] = putting
          ? [
              'PUT',
              `/connectors/${put.connector}/config`,
              { ...put.config, 'poll.delay.ms': String(200 + (++puts % 2)) },
            ]
          : ['GET', `/connectors/${statusOf[reads++ % statusOf.length]}/status`, undefined];
        if (putting) nextPut = Date.now() + putEveryMs;
        const epoch = worker.epoch;
        const sentAt = new Date().toISOString();
        let failure: string | undefined;
        try {
          const reply = await this.#c.call(worker, method, path, body);
          if (reply.status >= 300) failure = `${reply.status} ${JSON.stringify(reply.body)}`;
        } catch (error) {
          failure = error instanceof Error ? `${error.message} (${String(error.cause)})` : String(error);
        }
        if (worker.epoch !== epoch) this.#report.excluded++;
        else {
          this.#report.calls++;
          if (failure !== undefined)
            this.#report.failures.push(`${sentAt} ${method} ${worker.url}${path}: ${failure}`);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    return this.#report;
  }
}
