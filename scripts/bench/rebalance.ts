// Failover and rebalance times of a worker cluster: Sluice against Apache Kafka Connect 3.9.1 (with its
// defaults, and with scheduled.rebalance.max.delay.ms=0), one runtime after another on one broker this script
// starts with scripts/kafka. Per runtime and round: 3 workers in one group; 100 FileStreamSink connectors with
// 4 tasks each over one idle 4-partition topic (created, timed); a 4th worker joins; it leaves with SIGTERM;
// a follower is killed with -9; a worker joins to make 3 again; the leader is killed with -9. Each step is
// timed from its start event until `GET /connectors?expand=status` on a surviving worker (polled every 100 ms)
// shows every connector and task RUNNING on a live worker, and then balanced; the broker's view of the group
// (DescribeGroups, polled every 100 ms) says when the rebalance began, and the status topic (read after each
// step) when the old owners wrote UNASSIGNED and the new ones RUNNING, which shows where the time went. RSS
// of each worker is read idle and with the workload, and CPU of each worker and the broker over 10 s with the
// workload running idle. Every wait is bounded (--cap seconds per step, --timeout seconds per worker start);
// workers, topics and directories are removed at the end (--keep-logs DIR keeps the workers' logs there).
// Options: --runtime sluice,connect-0,connect  --rounds N  --connectors 100  --tasks 4
//          --steps join,leave,failover,leader-failover  --cap 360  --create-concurrency 10
//          --session-timeout-ms 10000  --heartbeat-interval-ms 3000
// Run: npm run bench:rebalance   (results go in docs/benchmarks.md by hand, with the machine line printed here)
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createKafka } from '@sluice/kafka-client';
import { KafkaLog } from '@sluice/log';
import {
  cleanUp,
  connectClasspath,
  cpuSeconds,
  distributedProperties,
  freePort,
  log,
  root,
  rssBytes,
  sleep,
  spawnConnect,
  spawnSluice,
  startBroker,
  stopProcess,
  tempDir,
  waitFor200,
  machineDescription,
} from './harness.js';

const { values } = parseArgs({
  options: {
    runtime: { type: 'string', default: 'sluice,connect-0,connect' },
    rounds: { type: 'string', default: '1' },
    connectors: { type: 'string', default: '100' },
    tasks: { type: 'string', default: '4' },
    steps: { type: 'string', default: 'join,leave,failover,leader-failover' },
    cap: { type: 'string', default: '360' },
    timeout: { type: 'string', default: '180' },
    'create-concurrency': { type: 'string', default: '10' },
    'session-timeout-ms': { type: 'string', default: '10000' },
    'heartbeat-interval-ms': { type: 'string', default: '3000' },
    'keep-logs': { type: 'string' },
  },
});
const connectorCount = positive('connectors');
const tasksPerConnector = positive('tasks');
const rounds = positive('rounds');
const capMs = positive('cap') * 1000;
const startTimeoutMs = positive('timeout') * 1000;
const createConcurrency = positive('create-concurrency');
const sessionTimeoutMs = positive('session-timeout-ms');
const heartbeatIntervalMs = positive('heartbeat-interval-ms');
const pollIntervalMs = 100;
const failoverBoundMs = sessionTimeoutMs + heartbeatIntervalMs + 2000;
const rebalanceGoalMs = 2000;
const jsonConverter = 'org.apache.kafka.connect.json.JsonConverter';

const RUNTIMES = {
  sluice: 'Sluice (defaults: scheduled.rebalance.max.delay.ms=0)',
  'connect-0': 'Connect 3.9.1, scheduled.rebalance.max.delay.ms=0',
  connect: 'Connect 3.9.1, defaults (scheduled.rebalance.max.delay.ms=300000)',
} as const;
type Runtime = keyof typeof RUNTIMES;
const STEPS = ['join', 'leave', 'failover', 'leader-failover'] as const;
type Step = (typeof STEPS)[number];

const runtimes = values.runtime.split(',').map((name) => {
  if (!(name in RUNTIMES))
    throw new Error(`--runtime: unknown runtime '${name}' (${Object.keys(RUNTIMES).join(', ')})`);
  return name as Runtime;
});
const steps = new Set(
  values.steps
    .split(',')
    .filter((step) => step !== '')
    .map((step) => {
      if (!(STEPS as readonly string[]).includes(step))
        throw new Error(`--steps: unknown step '${step}' (${STEPS.join(', ')})`);
      return step as Step;
    }),
);

function positive(option: keyof typeof values): number {
  const value = Number(values[option]);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${option} must be a positive integer, got ${values[option]}`);
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// What is measured
// ---------------------------------------------------------------------------------------------------------------

/** One timed step. Times are milliseconds after the step's start event; undefined: not seen within the cap. */
interface Row {
  runtime: Runtime;
  round: number;
  step: string;
  /** Workers before → after. */
  workers: string;
  /** The new worker's `GET /` answered 200 (joins). */
  restUp?: number;
  /** The broker's group left Stable or changed members (DescribeGroups). */
  began?: number;
  /** The signalled process exited (leave, kills). */
  exited?: number;
  /** Every connector and task RUNNING on a live worker. */
  running?: number;
  /** ... and spread evenly: max − min ≤ 1 for connectors and for tasks over the live workers. */
  balanced?: number;
  /** Status polls made, and their slowest reply (ms). */
  polls: number;
  slowestPoll: number;
  /** The machine's 1-minute load average when the step ended. */
  load: number;
  note?: string;
}

interface RssRow {
  runtime: Runtime;
  round: number;
  worker: string;
  idle: { rss: number; anon: number };
  loaded: { rss: number; anon: number };
  /** CPU used with the workload running idle, in % of one core. */
  cpuPercent: number;
}

const rows: Row[] = [];
const rssRows: RssRow[] = [];

// ---------------------------------------------------------------------------------------------------------------
// The broker's view of the worker group
// ---------------------------------------------------------------------------------------------------------------

interface GroupSample {
  at: number;
  state: string;
  members: string;
  count: number;
}

/** Polls DescribeGroups for the worker group every 100 ms and keeps the samples where something changed. */
class GroupWatch {
  readonly #admin: ReturnType<ReturnType<typeof createKafka>['admin']>;
  readonly #group: string;
  readonly #samples: GroupSample[] = [];
  #running = false;
  #loop: Promise<void> | undefined;

  constructor(bootstrap: string, group: string) {
    this.#admin = createKafka({
      brokers: bootstrap.split(','),
      clientId: 'sluice-bench-group-watch',
    }).admin();
    this.#group = group;
  }

  async start(): Promise<void> {
    await this.#admin.connect();
    this.#running = true;
    this.#loop = (async () => {
      while (this.#running) {
        const started = performance.now();
        try {
          const { groups } = await this.#admin.describeGroups([this.#group]);
          const group = groups[0];
          const members = (group?.members ?? []).map((member) => member.memberId).sort();
          const sample = {
            at: performance.now(),
            state: group?.state ?? 'unknown',
            members: members.join(','),
            count: members.length,
          };
          const last = this.#samples[this.#samples.length - 1];
          if (last === undefined || last.state !== sample.state || last.members !== sample.members)
            this.#samples.push(sample);
        } catch (error) {
          log(`DescribeGroups failed: ${(error as Error).message}`);
        }
        await sleep(Math.max(0, pollIntervalMs - (performance.now() - started)));
      }
    })();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    await this.#admin.disconnect();
  }

  /**
   * When a rebalance first showed after `t0`: the group left Stable, or its members changed from those it
   * had at `t0`.
   */
  changedAfter(t0: number): number | undefined {
    const baseline = this.#samples.filter((sample) => sample.at <= t0).pop();
    return this.#samples.find(
      (sample) => sample.at > t0 && (sample.state !== 'Stable' || sample.members !== baseline?.members),
    )?.at;
  }

  /** Waits (at most `timeoutMs`) until the group has been Stable for a second. */
  async stable(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const last = this.latest();
      if (last?.state === 'Stable' && performance.now() - last.at > 1000) return true;
      await sleep(pollIntervalMs);
    }
    return false;
  }

  /** The group's changes from `t0` on, for the log. */
  timeline(t0: number): string {
    return this.#samples
      .filter((sample) => sample.at > t0)
      .map((sample) => `+${(sample.at - t0).toFixed(0)} ${sample.state}/${sample.count}`)
      .join(', ');
  }

  latest(): GroupSample | undefined {
    return this.#samples[this.#samples.length - 1];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Workers
// ---------------------------------------------------------------------------------------------------------------

interface Member {
  name: string;
  url: string;
  /** `host:port`: the worker id statuses name. */
  id: string;
  child: ChildProcess;
  spawnedAt: bigint;
  logFile: string;
  /** Connect's log4j file (Connect only). */
  connectLog?: string;
  /** SIGTERM or SIGKILL sent: no longer counted as live. */
  signalled: boolean;
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

class Cluster {
  readonly runtime: Runtime;
  readonly group: string;
  readonly members: Member[] = [];
  readonly #bootstrap: string;
  readonly #classpath: string | undefined;
  readonly #dir: string;

  constructor(runtime: Runtime, bootstrap: string, group: string, classpath: string | undefined) {
    this.runtime = runtime;
    this.group = group;
    this.#bootstrap = bootstrap;
    this.#classpath = classpath;
    const keep = values['keep-logs'];
    this.#dir = keep === undefined ? tempDir(`sluice-bench-rebalance-${runtime}-`) : join(keep, group);
  }

  live(): Member[] {
    return this.members.filter((member) => !member.signalled && !exited(member.child));
  }

  /** Spawns the next worker; resolves once its `GET /` answers 200, with the ms that took. */
  async spawn(): Promise<{ member: Member; restUpMs: number }> {
    const port = await freePort();
    const name = `w${this.members.length + 1}`;
    const dir = join(this.#dir, name);
    const props = {
      ...distributedProperties(this.#bootstrap, this.group),
      listeners: `http://127.0.0.1:${port}`,
      'rest.advertised.host.name': '127.0.0.1',
      'rest.advertised.port': port,
      'key.converter': jsonConverter,
      'value.converter': jsonConverter,
      'key.converter.schemas.enable': false,
      'value.converter.schemas.enable': false,
      'session.timeout.ms': sessionTimeoutMs,
      'heartbeat.interval.ms': heartbeatIntervalMs,
      ...(this.runtime === 'connect-0' ? { 'scheduled.rebalance.max.delay.ms': 0 } : {}),
    };
    mkdirSync(dir, { recursive: true });
    const started: ReturnType<typeof spawnSluice> & { connectLog?: string } =
      this.runtime === 'sluice' ? spawnSluice(dir, props) : spawnConnect(dir, this.#classpath!, props);
    const member: Member = {
      name,
      url: `http://127.0.0.1:${port}`,
      id: `127.0.0.1:${port}`,
      child: started.child,
      spawnedAt: started.spawnedAt,
      logFile: started.logFile,
      ...(started.connectLog === undefined ? {} : { connectLog: started.connectLog }),
      signalled: false,
    };
    this.members.push(member);
    const restUpMs = await waitFor200(`${member.url}/`, member.child, member.spawnedAt, name, startTimeoutMs);
    return { member, restUpMs };
  }

  /** The leader's worker id, as the workers tell it (Sluice: its cluster endpoint; Connect: its log). */
  async leaderId(): Promise<string | undefined> {
    for (const member of this.live()) {
      if (this.runtime === 'sluice') {
        try {
          const response = await fetch(`${member.url}/sluice/v1/cluster`, {
            signal: AbortSignal.timeout(5000),
          });
          const view = (await response.json()) as { leaderUrl: string | null };
          if (view.leaderUrl !== null) return new URL(view.leaderUrl).host;
        } catch {
          continue;
        }
      } else {
        // DistributedHerder logs each assignment it gets: `... got assignment: Assignment{error=0,
        // leader='…', leaderUrl='http://host:port/', …}`.
        const text = readTail(member.connectLog!, 8 << 20);
        const matches = [...text.matchAll(/leaderUrl='([^']+)'/g)];
        const last = matches[matches.length - 1]?.[1];
        if (last !== undefined) return new URL(last).host;
      }
    }
    return undefined;
  }

  /** Every worker's REST API answers `GET /connectors`, and the broker has them all in one Stable group. */
  async waitFormed(watch: GroupWatch, count: number): Promise<void> {
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      const live = this.live();
      const sample = watch.latest();
      const restOk = await Promise.all(live.map((member) => httpOk(`${member.url}/connectors`)));
      if (
        live.length === count &&
        restOk.every(Boolean) &&
        sample?.state === 'Stable' &&
        sample.count === count
      ) {
        await sleep(3000);
        const again = watch.latest();
        if (again === sample) return;
      }
      for (const member of this.members) {
        if (!member.signalled && exited(member.child))
          throw new Error(`${member.name} exited during start-up\n${tail(member)}`);
      }
      if (Date.now() > deadline)
        throw new Error(
          `${this.runtime}: ${count} workers did not form a stable group within ${startTimeoutMs / 1000} s ` +
            `(group ${sample?.state}/${sample?.count})`,
        );
      await sleep(200);
    }
  }

  /**
   * SIGTERM to every worker; up to 90 s to exit (a Sluice worker stops its tasks one after another, which
   * takes more than 20 s for 200 of them on this machine), then SIGKILL.
   */
  async stopAll(): Promise<void> {
    await Promise.all(
      this.members.map(async (member) => {
        member.signalled = true;
        const started = performance.now();
        await stopProcess(member.child, 90_000);
        if (performance.now() - started > 5000)
          log(
            `${member.name} took ${((performance.now() - started) / 1000).toFixed(1)} s to exit after SIGTERM`,
          );
      }),
    );
  }
}

function readTail(file: string, bytes: number): string {
  try {
    const text = readFileSync(file);
    return text.subarray(Math.max(0, text.length - bytes)).toString('utf8');
  } catch {
    return '';
  }
}

function tail(member: Member, lines = 30): string {
  const text = readTail(member.connectLog ?? member.logFile, 1 << 20);
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The workload and its status
// ---------------------------------------------------------------------------------------------------------------

interface StatusReport {
  connector: { state: string; worker_id: string };
  tasks: Array<{ id: number; state: string; worker_id: string }>;
}

interface Verdict {
  running: boolean;
  balanced: boolean;
  problem: string;
}

/** Whether `GET /connectors?expand=status` shows every connector and task RUNNING on a live worker, and balanced. */
function judge(body: unknown, names: readonly string[], live: ReadonlySet<string>): Verdict {
  const all = (body ?? {}) as Record<string, { status?: StatusReport }>;
  const connectors = new Map<string, number>([...live].map((id) => [id, 0]));
  const tasks = new Map<string, number>([...live].map((id) => [id, 0]));
  const off = new Map<string, number>();
  const count = (what: string) => off.set(what, (off.get(what) ?? 0) + 1);
  for (const name of names) {
    const status = all[name]?.status;
    if (status === undefined) {
      count('connector missing');
      continue;
    }
    const owner = status.connector.worker_id;
    if (status.connector.state !== 'RUNNING') count(`connector ${status.connector.state}`);
    else if (!live.has(owner)) count('connector RUNNING on a dead worker');
    else connectors.set(owner, connectors.get(owner)! + 1);
    if (status.tasks.length !== tasksPerConnector)
      count(`${tasksPerConnector - status.tasks.length} tasks missing`);
    for (const task of status.tasks) {
      if (task.state !== 'RUNNING') count(`task ${task.state}`);
      else if (!live.has(task.worker_id)) count('task RUNNING on a dead worker');
      else tasks.set(task.worker_id, tasks.get(task.worker_id)! + 1);
    }
  }
  const spread = (counts: Map<string, number>) => Math.max(...counts.values()) - Math.min(...counts.values());
  const running = off.size === 0;
  const balanced = running && spread(connectors) <= 1 && spread(tasks) <= 1;
  const problem = running
    ? `connectors ${[...connectors.values()].join('/')}, tasks ${[...tasks.values()].join('/')}`
    : [...off].map(([what, n]) => `${n} × ${what}`).join(', ');
  return { running, balanced, problem };
}

interface Watched {
  running?: number;
  balanced?: number;
  polls: number;
  slowestPoll: number;
  problem: string;
}

/**
 * Polls one live worker's statuses every 100 ms until every connector and task is RUNNING on a live worker
 * and balanced, or until `deadline`. Times are ms after `t0` (`performance.now()` clock), taken when a reply
 * arrives.
 */
async function watchStatus(
  poll: Member,
  live: readonly Member[],
  names: readonly string[],
  t0: number,
  deadline: number,
): Promise<Watched> {
  const liveIds = new Set(live.map((member) => member.id));
  const out: Watched = { polls: 0, slowestPoll: 0, problem: 'no reply yet' };
  while (performance.now() < deadline) {
    const sent = performance.now();
    try {
      const response = await fetch(`${poll.url}/connectors?expand=status`, {
        signal: AbortSignal.timeout(10_000),
      });
      const body: unknown = await response.json();
      const at = performance.now();
      out.polls++;
      out.slowestPoll = Math.max(out.slowestPoll, at - sent);
      if (response.status !== 200) {
        out.problem = `GET /connectors?expand=status: ${response.status} ${JSON.stringify(body)}`;
      } else {
        const verdict = judge(body, names, liveIds);
        out.problem = verdict.problem;
        if (verdict.running) out.running ??= at - t0;
        if (verdict.balanced) {
          out.balanced = at - t0;
          return out;
        }
      }
    } catch (error) {
      out.problem = `GET /connectors?expand=status: ${(error as Error).message}`;
    }
    if (exited(poll.child)) throw new Error(`${poll.name}, the worker polled, exited`);
    await sleep(Math.max(0, pollIntervalMs - (performance.now() - sent)));
  }
  return out;
}

/** Lines of the workers' logs about group membership and assignments, from `wallT0` on, for the bench log. */
function phases(cluster: Cluster, wallT0: number, untilMs: number): string {
  const pattern =
    cluster.runtime === 'sluice'
      ? /joined group|assigned as leader|membership|left group|rejoin|leader/i
      : /^\S+ \S+ INFO \[Worker clientId=.*(Joined group at generation|Rebalance started|Finished starting connectors and tasks|Finished stopping tasks|Finished flushing status)/;
  const out: string[] = [];
  for (const member of cluster.members) {
    const text = readTail(member.connectLog ?? member.logFile, 16 << 20);
    let shown = 0;
    for (const line of text.split('\n')) {
      const stamp = /^\[([^\]]+)\]/.exec(line)?.[1];
      if (stamp === undefined || !pattern.test(line)) continue;
      // Sluice: ISO 8601 in UTC; log4j's %d: `yyyy-MM-dd HH:mm:ss,SSS` in local time.
      const at = stamp.includes('T')
        ? Date.parse(stamp)
        : Date.parse(stamp.replace(' ', 'T').replace(',', '.'));
      if (!(at >= wallT0 - 50 && at <= wallT0 + untilMs + 1000)) continue;
      if (++shown > 12) continue;
      out.push(`  +${at - wallT0} ${member.name}: ${line.slice(stamp.length + 3, stamp.length + 3 + 220)}`);
    }
    if (shown > 12) out.push(`  … ${member.name}: ${shown} such lines in all`);
  }
  return out.join('\n');
}

/**
 * Reads the status topic as it grows: every state a worker wrote for a connector or task, with the time the
 * worker wrote it. Both runtimes write Connect's records (`status-task-<name>-<id>` →
 * `{"state", "worker_id", "generation"}`), so the same reading shows where a step's time went in either:
 * when the old owners wrote UNASSIGNED (stopping revoked work) and when the new owners wrote RUNNING.
 */
class StatusTopic {
  readonly #kafka: KafkaLog;
  readonly #topic: string;
  readonly #positions = new Map<number, number>();
  readonly #records: Array<{ at: number; kind: 'task' | 'connector'; state: string; worker: string }> = [];

  constructor(kafka: KafkaLog, topic: string) {
    this.#kafka = kafka;
    this.#topic = topic;
  }

  async #read(): Promise<void> {
    for (const { partition, beginning, end } of await this.#kafka.offsets(this.#topic)) {
      let offset = Math.max(beginning, this.#positions.get(partition) ?? 0);
      while (offset < end) {
        const { records } = await this.#kafka.fetch(this.#topic, partition, offset, { maxBytes: 4 << 20 });
        if (records.length === 0) break;
        for (const record of records) {
          const key = record.key?.toString('utf8') ?? '';
          const kind = key.startsWith('status-task-')
            ? 'task'
            : key.startsWith('status-connector-')
              ? 'connector'
              : undefined;
          if (kind === undefined || record.value === null) continue;
          const value = JSON.parse(record.value.toString('utf8')) as { state?: string; worker_id?: string };
          this.#records.push({
            at: record.timestamp,
            kind,
            state: value.state ?? '?',
            worker: value.worker_id ?? '?',
          });
        }
        offset = records[records.length - 1]!.offset + 1;
      }
      this.#positions.set(partition, offset);
    }
  }

  /** What was written from `from` to `to` (wall-clock ms), by kind, state and worker: count, first and last write. */
  async summary(from: number, to: number, names: ReadonlyMap<string, string>): Promise<string> {
    await this.#read();
    const groups = new Map<string, { n: number; first: number; last: number }>();
    for (const record of this.#records) {
      if (record.at < from || record.at > to) continue;
      const label = `${record.kind} ${record.state} by ${names.get(record.worker) ?? record.worker}`;
      const group = groups.get(label);
      if (group === undefined) groups.set(label, { n: 1, first: record.at, last: record.at });
      else {
        group.n++;
        group.first = Math.min(group.first, record.at);
        group.last = Math.max(group.last, record.at);
      }
    }
    return [...groups]
      .sort((a, b) => a[1].first - b[1].first)
      .map(([label, g]) => `  ${label}: ${g.n} written from +${g.first - from} to +${g.last - from} ms`)
      .join('\n');
  }
}

/**
 * POSTs the connectors to one worker, `--create-concurrency` at a time. A 409 (a rebalance in progress, as
 * both runtimes answer at times while connectors are being added) is retried after 100 ms, as a client
 * would; the retries are counted. Returns the ms until every POST was answered 201.
 */
async function createConnectors(
  target: Member,
  names: readonly string[],
  topic: string,
  dir: string,
): Promise<{ ms: number; retries: number; reasons: Set<string> }> {
  let next = 0;
  let retries = 0;
  const reasons = new Set<string>();
  const deadline = performance.now() + capMs;
  const post = async () => {
    for (let i = next++; i < names.length; i = next++) {
      const name = names[i]!;
      for (;;) {
        const response = await fetch(`${target.url}/connectors`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            name,
            config: {
              'connector.class': 'FileStreamSink',
              'tasks.max': String(tasksPerConnector),
              topics: topic,
              file: join(dir, `${name}.txt`),
            },
          }),
          signal: AbortSignal.timeout(120_000),
        });
        const body = await response.text();
        if (response.status === 201) break;
        // A retry of a create that went through after all.
        if (response.status === 409 && body.includes('already exists') && retries > 0) break;
        if (response.status !== 409 || performance.now() > deadline)
          throw new Error(`POST /connectors ${name}: ${response.status} ${body}`);
        retries++;
        reasons.add(body);
        await sleep(100);
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: createConcurrency }, post));
  return { ms: performance.now() - t0, retries, reasons };
}

// ---------------------------------------------------------------------------------------------------------------
// One runtime, one round
// ---------------------------------------------------------------------------------------------------------------

async function runOnce(
  runtime: Runtime,
  round: number,
  bootstrap: string,
  classpath: string | undefined,
): Promise<void> {
  const id = `${runtime}-${round}-${Date.now().toString(36)}`;
  const group = `bench-rebalance-${id}`;
  const topic = `bench-rebalance-${id}-in`;
  const kafka = await KafkaLog.open({ brokers: bootstrap.split(','), clientId: 'sluice-bench' });
  const topics = [topic, `${group}-configs`, `${group}-offsets`, `${group}-status`];
  const watch = new GroupWatch(bootstrap, group);
  const statuses = new StatusTopic(kafka, `${group}-status`);
  const cluster = new Cluster(runtime, bootstrap, group, classpath);
  const names = Array.from({ length: connectorCount }, (_, i) => `${id}-sink-${String(i).padStart(3, '0')}`);
  const outDir = tempDir('sluice-bench-rebalance-out-');
  try {
    // The sink topic: idle, one partition per task, so every task of a connector has a partition to read.
    await kafka.createTopic({ name: topic, partitions: tasksPerConnector, replicationFactor: 1 });
    await watch.start();

    log(`${runtime} round ${round}: starting 3 workers`);
    // The first worker creates the internal topics before the others start: Sluice workers that start
    // together on a new group race to create them, and the loser can exit with "topic … does not exist"
    // (KafkaLog.ensureTopic does not wait for a topic another client just created to become visible).
    const { member: first } = await cluster.spawn();
    await waitFor200(`${first.url}/connectors`, first.child, first.spawnedAt, first.name, startTimeoutMs);
    await Promise.all([cluster.spawn(), cluster.spawn()]);
    await cluster.waitFormed(watch, 3);
    const idle = new Map<string, { rss: number; anon: number }>(
      cluster
        .live()
        .map((m) => [m.name, { rss: rssBytes(m.child.pid!), anon: rssBytes(m.child.pid!, 'RssAnon') }]),
    );
    if (brokerPid !== undefined)
      idle.set('broker', { rss: rssBytes(brokerPid), anon: rssBytes(brokerPid, 'RssAnon') });
    log(`${runtime} round ${round}: 3 workers in a stable group, leader ${await cluster.leaderId()}`);

    /** Runs one step; returns false when it did not finish within the cap (later steps are then skipped). */
    const step = async (
      name: string,
      action: () => Promise<{
        poll: Member;
        restUp?: number;
        exitedAt?: () => number | undefined;
        note?: string;
      }>,
    ): Promise<boolean> => {
      if (!(await watch.stable(60_000)))
        log(`${runtime} round ${round} ${name}: the group was not Stable before the step`);
      const before = cluster.live().length;
      const wallT0 = Date.now();
      const t0 = performance.now();
      const { poll, restUp, exitedAt, note } = await action();
      // The cap runs from here: a joining worker's start-up is not counted against it.
      const watched = await watchStatus(poll, cluster.live(), names, t0, performance.now() + capMs);
      const began = watch.changedAfter(t0);
      const exitedMs = exitedAt?.();
      const row: Row = {
        runtime,
        round,
        step: name,
        workers: `${before} → ${cluster.live().length}`,
        ...(restUp === undefined ? {} : { restUp }),
        ...(began === undefined ? {} : { began: began - t0 }),
        ...(exitedMs === undefined ? {} : { exited: exitedMs - t0 }),
        ...(watched.running === undefined ? {} : { running: watched.running }),
        ...(watched.balanced === undefined ? {} : { balanced: watched.balanced }),
        polls: watched.polls,
        slowestPoll: watched.slowestPoll,
        load: loadavg()[0]!,
      };
      const notes = [
        note,
        watched.balanced === undefined ? `after ${capMs / 1000} s: ${watched.problem}` : undefined,
      ];
      if (notes.some((n) => n !== undefined)) row.note = notes.filter((n) => n !== undefined).join('; ');
      rows.push(row);
      const fmt = (ms: number | undefined) => (ms === undefined ? '—' : `${ms.toFixed(0)} ms`);
      log(
        `${runtime} round ${round} ${name} (${row.workers}): rebalance began ${fmt(row.began)}, ` +
          `all RUNNING ${fmt(row.running)}, balanced ${fmt(row.balanced)}` +
          `${restUp === undefined ? '' : `, REST up ${fmt(restUp)}`}${row.exited === undefined ? '' : `, exited ${fmt(row.exited)}`}; ` +
          `${watched.polls} polls (slowest ${watched.slowestPoll.toFixed(0)} ms); ${watched.problem}`,
      );
      log(`  group: ${watch.timeline(t0)}`);
      const writes = await statuses.summary(
        wallT0,
        wallT0 + (row.balanced ?? capMs),
        new Map(cluster.members.map((m) => [m.id, m.name])),
      );
      if (writes !== '') log(`  status topic:\n${writes}`);
      const lines = phases(cluster, wallT0, row.balanced ?? capMs);
      if (lines !== '') log(`  worker logs:\n${lines}`);
      return watched.running !== undefined;
    };
    const pollOther = (not: readonly Member[]) => cluster.live().find((member) => !not.includes(member))!;
    const signal = (member: Member, signal: 'SIGTERM' | 'SIGKILL') => {
      const t = { at: undefined as number | undefined };
      member.child.once('exit', () => (t.at = performance.now()));
      member.signalled = true;
      member.child.kill(signal);
      return () => t.at;
    };
    const nonLeader = async (not: readonly Member[]) => {
      const leader = await cluster.leaderId();
      if (leader === undefined) throw new Error('no leader found');
      return cluster
        .live()
        .filter((member) => member.id !== leader && !not.includes(member))
        .pop()!;
    };

    // Create: from the first POST until 100 connectors and 400 tasks are RUNNING (and balanced).
    const target = cluster.live()[0]!;
    let ok = await step('create', async () => {
      const posted = await createConnectors(target, names, topic, outDir);
      if (posted.retries > 0) log(`  409s to POST /connectors: ${[...posted.reasons].join(' | ')}`);
      return {
        poll: target,
        note: `the ${connectorCount} POSTs answered after ${posted.ms.toFixed(0)} ms, ${posted.retries} retried after a 409`,
      };
    });
    if (!ok) return;

    // With the workload running (and idle: no records): RSS, and CPU over 10 s, which is what keeping 400
    // tasks polling costs each worker and the broker.
    await sleep(5000);
    const measured = [
      ...cluster.live().map((member) => ({ name: member.name, pid: member.child.pid! })),
      ...(brokerPid === undefined ? [] : [{ name: 'broker', pid: brokerPid }]),
    ];
    const cpuBefore = measured.map(({ pid }) => cpuSeconds(pid));
    const cpuStart = performance.now();
    await sleep(10_000);
    const cpuWindow = (performance.now() - cpuStart) / 1000;
    measured.forEach(({ name, pid }, i) => {
      rssRows.push({
        runtime,
        round,
        worker: name,
        idle: idle.get(name) ?? { rss: 0, anon: 0 },
        loaded: { rss: rssBytes(pid), anon: rssBytes(pid, 'RssAnon') },
        cpuPercent: (100 * (cpuSeconds(pid) - cpuBefore[i]!)) / cpuWindow,
      });
    });

    let joined: Member | undefined;
    if (ok && steps.has('join')) {
      ok = await step('join', async () => {
        const poll = cluster.live()[0]!;
        const { member, restUpMs } = await cluster.spawn();
        joined = member;
        return { poll, restUp: restUpMs };
      });
    }
    if (ok && steps.has('leave')) {
      ok = await step('leave (SIGTERM)', async () => {
        const victim = joined ?? (await nonLeader([]));
        return { poll: pollOther([victim]), exitedAt: signal(victim, 'SIGTERM') };
      });
    }
    if (ok && steps.has('failover')) {
      ok = await step('failover (kill -9 of a follower)', async () => {
        const victim = await nonLeader([cluster.live()[0]!]);
        return { poll: pollOther([victim]), exitedAt: signal(victim, 'SIGKILL') };
      });
    }
    if (ok && steps.has('leader-failover')) {
      while (ok && cluster.live().length < 3) {
        ok = await step('join (back to 3)', async () => {
          const poll = cluster.live()[0]!;
          const { restUpMs } = await cluster.spawn();
          return { poll, restUp: restUpMs };
        });
      }
      if (ok) {
        ok = await step('failover (kill -9 of the leader)', async () => {
          const leader = await cluster.leaderId();
          const victim = cluster.live().find((member) => member.id === leader);
          if (victim === undefined) throw new Error(`the leader ${leader} is not a live worker`);
          return { poll: pollOther([victim]), exitedAt: signal(victim, 'SIGKILL') };
        });
      }
    }
    if (!ok)
      log(
        `${runtime} round ${round}: a step did not finish within ${capMs / 1000} s; the later steps were skipped`,
      );
  } catch (error) {
    for (const member of cluster.members) log(`--- tail of ${member.name}'s log ---\n${tail(member)}`);
    throw error;
  } finally {
    log(`${runtime} round ${round}: stopping the workers, deleting the topics`);
    await cluster.stopAll();
    await watch.stop().catch(() => undefined);
    for (const name of topics) await kafka.deleteTopic(name).catch(() => undefined);
    await kafka.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------------

/** The broker JVM's pid, from the state file scripts/kafka keeps in the broker's directory. */
function readBrokerPid(): number | undefined {
  try {
    const state = JSON.parse(readFileSync(join(root, '.kafka', 'bench-rebalance', 'state.json'), 'utf8')) as {
      processes?: Array<{ pid: number }>;
    };
    return state.processes?.[0]?.pid;
  } catch {
    return undefined;
  }
}

let brokerPid: number | undefined;
let failed = false;
try {
  const bootstrap = startBroker('bench-rebalance');
  brokerPid = readBrokerPid();
  const classpath = runtimes.some((runtime) => runtime !== 'sluice') ? connectClasspath() : undefined;
  for (let round = 1; round <= rounds; round++) {
    for (const runtime of runtimes) await runOnce(runtime, round, bootstrap, classpath);
  }
} catch (error) {
  failed = true;
  log(`failed: ${(error as Error).stack ?? String(error)}`);
} finally {
  await cleanUp();
}

console.log(
  `\nMachine: ${machineDescription()}; ` +
    `1 KRaft broker (Kafka 3.9.1); ${connectorCount} FileStreamSink connectors × ${tasksPerConnector} tasks ` +
    `over one idle ${tasksPerConnector}-partition topic; session.timeout.ms=${sessionTimeoutMs}, ` +
    `heartbeat.interval.ms=${heartbeatIntervalMs} on every worker; status polled every ${pollIntervalMs} ms; ` +
    `cap ${capMs / 1000} s per step\n`,
);
const ms = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(0));
console.log(
  '| runtime | round | step | workers | REST up | rebalance began | all RUNNING | balanced | began → balanced | notes |',
);
console.log('| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |');
for (const row of rows) {
  const span = row.began !== undefined && row.balanced !== undefined ? row.balanced - row.began : undefined;
  const notes = [
    row.exited === undefined ? '' : `exited ${ms(row.exited)} ms`,
    `${row.polls} polls, slowest ${ms(row.slowestPoll)} ms`,
    `load ${row.load.toFixed(1)}`,
    row.note ?? '',
  ]
    .filter((note) => note !== '')
    .join('; ');
  console.log(
    `| ${RUNTIMES[row.runtime]} | ${row.round} | ${row.step} | ${row.workers} | ${ms(row.restUp)} | ${ms(row.began)} | ` +
      `${ms(row.running)} | ${ms(row.balanced)} | ${ms(span)} | ${notes} |`,
  );
}
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
console.log(
  '\n| runtime | round | process | idle RSS (MiB) | idle anon RSS (MiB) | loaded RSS (MiB) | loaded anon RSS (MiB) | CPU, workload idle (% of a core) |',
);
console.log('| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |');
for (const row of rssRows) {
  console.log(
    `| ${RUNTIMES[row.runtime]} | ${row.round} | ${row.worker} | ${mib(row.idle.rss)} | ${mib(row.idle.anon)} | ` +
      `${mib(row.loaded.rss)} | ${mib(row.loaded.anon)} | ${row.cpuPercent.toFixed(0)} |`,
  );
}
console.log(
  `\nGoals: failover (all RUNNING after kill -9) ≤ ${failoverBoundMs} ms; rebalance (began → balanced) ≤ ${rebalanceGoalMs} ms.`,
);
if (failed) process.exitCode = 1;
