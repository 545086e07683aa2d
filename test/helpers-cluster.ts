// Several real `sluice worker` processes in one group on the test broker, for cluster drills.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaLog, type Log, type LogRecord } from '@sluice/log';
import {
  freePort,
  kafkaBootstrap,
  runTypeScript,
  uniqueName,
  waitFor,
  type TypeScriptChild,
} from '@sluice/test-kit';
import { backendProperties, type Reply } from './helpers-rest.js';

/** What `GET /sluice/v1/cluster` answers. */
export interface ClusterView {
  url: string;
  state: string;
  generation: number | null;
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

export interface TestClusterOptions {
  workers: number;
  /** @default 6000 */
  sessionTimeoutMs?: number;
  /** @default 1000 */
  heartbeatIntervalMs?: number;
  /** More worker property lines, for every worker. */
  extra?: string[];
}

/** One worker of a test cluster: a process that can be killed, frozen and started again. */
export class ClusterWorker {
  readonly index: number;
  readonly url: string;
  readonly #properties: string;
  #child: TypeScriptChild | undefined;

  constructor(index: number, url: string, properties: string) {
    this.index = index;
    this.url = url;
    this.#properties = properties;
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

  async start(): Promise<void> {
    this.#child = runTypeScript('test/fixtures/sluice.ts', ['worker', this.#properties], {
      SLUICE_TEST_WORKER_ID: `w${this.index}`,
    });
    await this.#child.waitForLine((line) => line.startsWith('REST API listening on'), 90_000);
  }

  /** SIGTERM (a clean stop: the worker leaves its group) or SIGKILL; resolves once it exited. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
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
  #log: Log | undefined;

  private constructor(id: string, dir: string, workers: ClusterWorker[], session: number, heartbeat: number) {
    this.id = id;
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
    const workers: ClusterWorker[] = [];
    for (let index = 1; index <= options.workers; index++) {
      const port = await freePort();
      const lines = [
        `listeners=http://127.0.0.1:${port}`,
        ...backendProperties('kafka', dir, id),
        `session.timeout.ms=${session}`,
        `heartbeat.interval.ms=${heartbeat}`,
        'offset.flush.interval.ms=500',
        'task.shutdown.graceful.timeout.ms=2000',
        `plugin.path=${join(process.cwd(), 'test', 'fixtures')}`,
        ...(options.extra ?? []),
      ];
      const properties = join(dir, `worker-${index}.properties`);
      writeFileSync(properties, `${lines.join('\n')}\n`);
      workers.push(new ClusterWorker(index, `http://127.0.0.1:${port}`, properties));
    }
    const cluster = new TestCluster(id, dir, workers, session, heartbeat);
    try {
      await Promise.all(workers.map((worker) => worker.start()));
      await cluster.settled();
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

  /** The test broker, for reading the cluster's topics. */
  async log(): Promise<Log> {
    this.#log ??= await KafkaLog.open({ brokers: kafkaBootstrap(), clientId: uniqueName('cluster-reader') });
    return this.#log;
  }

  /** Every record of a topic, partition by partition in offset order. */
  async records(topic: string): Promise<LogRecord[]> {
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
