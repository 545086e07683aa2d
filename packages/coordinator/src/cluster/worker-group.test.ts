// Three workers' control planes in one process: worker groups on the in-memory group coordinator, stores on
// one embedded log, reconcilers running tasks in a recording runtime. What runs where follows the cluster's
// assignment, each task exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigProviders } from '@sluice/config-providers';
import type { GroupCoordinatorClient } from '@sluice/kafka-client';
import { EmbeddedLog } from '@sluice/log';
import { Loggers } from '@sluice/logging';
import { PluginRegistry } from '@sluice/plugins';
import { resolveInternalRequestSettings } from '@sluice/protocol';
import { uniqueName, waitFor } from '@sluice/test-kit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { followConfigChanges } from '../herder/config-follower.js';
import { Reconciler } from '../herder/reconciler.js';
import type { TaskRuntime } from '../herder/task-runtime.js';
import { WorkerHerder } from '../herder/worker-herder.js';
import { InMemoryGroupCoordinator } from '../membership/in-memory-group-coordinator.js';
import { ConfigStore } from '../stores/config-store.js';
import { OffsetStore } from '../stores/offset-store.js';
import { StatusStore } from '../stores/status-store.js';
import { WorkerGroup } from './worker-group.js';

const TIMING = { sessionTimeoutMs: 3_000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 15_000 };

/**
 * What every worker runs, and any moment two workers may act on one task: both run it and neither is
 * fenced (its lease, as the worker group hands it to the runtime, has not run out).
 */
class Runs {
  readonly #running = new Map<string, Set<string>>();
  readonly #leases = new Map<string, number>();
  readonly doubles: string[] = [];

  /** Task → the worker that runs it (the last to start it, if two do). */
  get owners(): Map<string, string> {
    const owners = new Map<string, string>();
    for (const [url, tasks] of this.#running) for (const task of tasks) owners.set(task, url);
    return owners;
  }

  runtime(url: string): TaskRuntime {
    const key = (connector: string, task: number) => `${connector}/${task}`;
    const tasks = new Set<string>();
    this.#running.set(url, tasks);
    return {
      startTask: (spec, events) => {
        tasks.add(key(spec.connector, spec.task));
        this.#check();
        events.onState(spec.paused ? 'PAUSED' : 'RUNNING');
        return Promise.resolve();
      },
      // A task takes a moment to stop, as a real one does: it runs (and may act) until then.
      stopTask: async (connector, task) => {
        await delay(20);
        tasks.delete(key(connector, task));
      },
      setLease: (expiresAt) => {
        this.#leases.set(url, expiresAt);
        this.#check();
      },
      pauseTask: () => undefined,
      resumeTask: () => undefined,
      close: () => Promise.resolve(),
    };
  }

  #acting(url: string): boolean {
    return (this.#leases.get(url) ?? Number.POSITIVE_INFINITY) > performance.now();
  }

  #check(): void {
    const seen = new Map<string, string>();
    for (const [url, tasks] of this.#running) {
      if (!this.#acting(url)) continue;
      for (const task of tasks) {
        const other = seen.get(task);
        if (other !== undefined) this.doubles.push(`${task} on ${other} and ${url}`);
        seen.set(task, url);
      }
    }
  }

  on(url: string): string[] {
    return [...(this.#running.get(url) ?? [])].sort();
  }
}

interface TestWorker {
  url: string;
  group: WorkerGroup;
  herder: WorkerHerder;
  statuses: StatusStore;
  /** Cuts the worker off from the group coordinator (its requests, or only its joins, wait) until `thaw`. */
  freeze(options?: { joinsOnly?: boolean }): void;
  thaw(): void;
  stop(): Promise<void>;
}

let plugins: PluginRegistry;
let dir: string;
let log: EmbeddedLog;
let coordinator: InMemoryGroupCoordinator;
const workers: TestWorker[] = [];

beforeAll(async () => {
  plugins = await PluginRegistry.load();
});

afterEach(async () => {
  for (const worker of workers.splice(0)) worker.thaw();
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  coordinator?.close();
  await log?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

async function cluster(): Promise<{ id: string; runs: Runs }> {
  dir = mkdtempSync(join(tmpdir(), 'sluice-worker-group-'));
  log = await EmbeddedLog.open({ dataDir: dir });
  coordinator = new InMemoryGroupCoordinator();
  return { id: uniqueName('group'), runs: new Runs() };
}

/**
 * A worker's control plane; `plugins` limits the connector plugins it tells the group it has, and a worker
 * that does not `follow` reads the config topic only when it must (to catch up with an assignment).
 */
async function worker(
  id: string,
  runs: Runs,
  index: number,
  only?: string[],
  { follow = true, timing = TIMING }: { follow?: boolean; timing?: typeof TIMING } = {},
): Promise<TestWorker> {
  const url = `http://worker-${index}:8083`;
  const spec = (name: string, partitions: number) => ({ name: `${id}-${name}`, partitions });
  const configs = await ConfigStore.open(log, spec('configs', 1));
  const statuses = await StatusStore.open(log, spec('status', 2));
  const offsets = await OffsetStore.open(log, spec('offsets', 2));
  if (follow) await configs.start();
  await statuses.start();
  const logger = new Loggers({ write: () => undefined }).get('test');
  const providers = ConfigProviders.fromWorkerProperties({});
  const late: { group?: WorkerGroup } = {};
  const runtime = runs.runtime(url);
  const reconciler = new Reconciler({
    workerId: () => new URL(url).host,
    configs,
    statuses,
    plugins,
    runtime,
    configProviders: providers,
    logger,
    publishTaskConfigs: (name, taskConfigs) => late.group!.publishTaskConfigs(name, taskConfigs),
  });
  let gate: { promise: Promise<void>; open(): void; joinsOnly: boolean } | undefined;
  const client = coordinator.client();
  const gated =
    <T>(send: () => Promise<T>, join = false) =>
    async () => {
      if (gate !== undefined && (join || !gate.joinsOnly)) await gate.promise;
      return send();
    };
  const cut: GroupCoordinatorClient = {
    connect: () => client.connect(),
    disconnect: () => client.disconnect(),
    joinGroup: (r) => gated(() => client.joinGroup(r), true)(),
    syncGroup: (r) => gated(() => client.syncGroup(r))(),
    heartbeat: (r) => gated(() => client.heartbeat(r))(),
    leaveGroup: (r) => gated(() => client.leaveGroup(r))(),
    commitOffsets: (r) => gated(() => client.commitOffsets(r))(),
  };
  const group = new WorkerGroup({
    groupId: id,
    selfUrl: url,
    sluiceVersion: 'test',
    plugins: only ?? plugins.names(['source', 'sink']),
    configs,
    statuses,
    reconciler,
    client: cut,
    ...timing,
    onLease: (expiresAt) => runtime.setLease?.(expiresAt),
    scheduledRebalanceMaxDelayMs: 0,
    workerSyncTimeoutMs: 3_000,
    workerUnsyncBackoffMs: 5_000,
    internalRequests: resolveInternalRequestSettings(new Map()),
    // Followers would send task configs over HTTP; here they reach the leader's herder directly.
    sendTaskConfigs: async (leaderUrl, connector, body, headers) => {
      const leader = workers.find((w) => w.url === leaderUrl)!;
      await leader.herder.putTaskConfigs(connector, JSON.parse(Buffer.from(body).toString('utf8')) as [], {
        header: (name) =>
          Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1],
        body,
      });
    },
    logger,
  });
  late.group = group;
  const herder = new WorkerHerder({
    configs,
    statuses,
    offsets,
    log,
    plugins,
    configProviders: providers,
    cluster: group,
    reconciler,
    workerId: () => new URL(url).host,
    verifyInternalRequest: (request) => group.verifyInternalRequest(request),
  });
  const joined = group;
  const unfollow = followConfigChanges(configs, reconciler, () => joined.requestRejoin());
  const started = group.start();
  const test: TestWorker = {
    url,
    group,
    herder,
    statuses,
    freeze({ joinsOnly = false } = {}) {
      let open!: () => void;
      const promise = new Promise<void>((resolve) => (open = resolve));
      gate = { promise, open, joinsOnly };
    },
    thaw() {
      gate?.open();
      gate = undefined;
    },
    async stop() {
      test.thaw();
      await joined.stop();
      unfollow();
      await reconciler.stop();
      await Promise.all([configs.close(), statuses.close(), offsets.close()]);
    },
  };
  workers.push(test);
  await started;
  return test;
}

const sink = (name: string, tasks: number) => ({
  name,
  'connector.class': 'FileStreamSink',
  topics: 'in',
  file: '/dev/null',
  'tasks.max': String(tasks),
});

async function leader(): Promise<TestWorker> {
  return waitFor('a settled leader', () => workers.find((w) => w.group.isLeader()), {
    timeoutMs: 20_000,
    intervalMs: 20,
  });
}

/** Waits until exactly `expected` tasks run, each once, and returns who runs how many. */
async function settledRuns(runs: Runs, expected: string[], live: TestWorker[]): Promise<number[]> {
  return waitFor(
    `tasks ${expected.join(',')} running`,
    () => {
      const running = [...runs.owners.keys()].sort();
      const assigned = live.flatMap((w) => [...w.group.describe().assignment.tasks]).sort();
      return JSON.stringify(running) === JSON.stringify([...expected].sort()) &&
        JSON.stringify(assigned) === JSON.stringify([...expected].sort())
        ? live.map((w) => runs.on(w.url).length)
        : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 50 },
  );
}

const spread = (counts: number[]) => Math.max(...counts) - Math.min(...counts);
const tasksOf = (name: string, count: number) =>
  Array.from({ length: count }, (_, task) => `${name}/${task}`);

describe('workers of one group', () => {
  it('catch up with the config topic up to the offset the leader assigned at before they start anything', async () => {
    const { id, runs } = await cluster();
    const leading = await worker(id, runs, 1);
    // This one never follows the config topic: what it knows comes from catching up with each assignment.
    const behind = await worker(id, runs, 2, undefined, { follow: false });
    await (await leader()).herder.putConnectorConfig('s', sink('s', 4), { allowReplace: false });
    await settledRuns(runs, tasksOf('s', 4), [leading, behind]);
    expect(runs.on(behind.url)).toHaveLength(2);
    expect(runs.doubles).toEqual([]);
  });

  it('balance connectors and tasks, move a leaving worker’s tasks, and never run a task twice', async () => {
    const { id, runs } = await cluster();
    const [a, b, c] = [await worker(id, runs, 1), await worker(id, runs, 2), await worker(id, runs, 3)];
    const names = ['s0', 's1', 's2', 's3', 's4'];
    for (const [i, name] of names.entries()) {
      // Written through whichever worker leads; the others refuse with the leader's URL.
      const lead = await leader();
      const other = workers.find((w) => w !== lead)!;
      await expect(
        other.herder.putConnectorConfig(name, sink(name, i + 1), { allowReplace: false }),
      ).rejects.toMatchObject({
        code: 'SLUICE_NOT_LEADER',
        leaderUrl: lead.url,
      });
      await lead.herder.putConnectorConfig(name, sink(name, i + 1), { allowReplace: false });
    }
    const all = names.flatMap((name, i) => tasksOf(name, i + 1));
    expect(spread(await settledRuns(runs, all, [a, b, c]))).toBeLessThanOrEqual(1);
    const connectorCounts = [a, b, c].map((w) => w.group.describe().assignment.connectors.length);
    expect(spread(connectorCounts)).toBeLessThanOrEqual(1);

    // Statuses name the worker that runs each task, as every worker sees them.
    await waitFor(
      'statuses of every task on every worker',
      () =>
        [a, b, c].every((w) =>
          all.every((key) => {
            const [name, task] = key.split('/') as [string, string];
            const status = w.statuses.task(name, Number(task));
            return status?.state === 'RUNNING' && `http://${status.workerId}` === runs.owners.get(key);
          }),
        )
          ? true
          : undefined,
      { timeoutMs: 10_000, intervalMs: 50 },
    );

    // One worker leaves: its tasks run on the two others, still each once and balanced.
    const gone = workers.find((w) => w !== a && w !== b)!;
    await gone.stop();
    workers.splice(workers.indexOf(gone), 1);
    expect(spread(await settledRuns(runs, all, [a, b]))).toBeLessThanOrEqual(1);
    expect(runs.doubles).toEqual([]);
  });

  it('hear that a worker joins or leaves from its notice, not at their next heartbeat', async () => {
    const { id, runs } = await cluster();
    // Heartbeats every 10 s: without the notices, the others would hear of each change up to 10 s later.
    const timing = { sessionTimeoutMs: 30_000, heartbeatIntervalMs: 10_000, rebalanceTimeoutMs: 30_000 };
    const [a, b] = [
      await worker(id, runs, 1, undefined, { timing }),
      await worker(id, runs, 2, undefined, { timing }),
    ];
    // A and B heartbeat as they get their assignments (at once), then not for 10 s.
    await delay(300);
    const joinStarted = performance.now();
    const c = await worker(id, runs, 3, undefined, { timing });
    const joinMs = performance.now() - joinStarted;
    const generation = a.group.describe().generation!;
    expect(b.group.describe().generation).toBe(generation);

    await delay(300);
    const leaveStarted = performance.now();
    await c.stop();
    workers.splice(workers.indexOf(c), 1);
    await waitFor(
      'a new generation of A and B after C left',
      () =>
        [a, b].every(
          (w) => w.group.describe().generation! > generation && w.group.describe().state === 'stable',
        )
          ? true
          : undefined,
      { timeoutMs: 20_000, intervalMs: 10 },
    );
    const leaveMs = performance.now() - leaveStarted;
    expect({ joinMs: joinMs < 2_000, leaveMs: leaveMs < 2_000 }).toEqual({ joinMs: true, leaveMs: true });
  }, 60_000);

  it('fences the work of a worker cut off from the group before it is handed to others', async () => {
    const { id, runs } = await cluster();
    const [a, b] = [await worker(id, runs, 1), await worker(id, runs, 2)];
    await (await leader()).herder.putConnectorConfig('s', sink('s', 4), { allowReplace: false });
    await settledRuns(runs, tasksOf('s', 4), [a, b]);
    const cut = runs.on(b.url).length > 0 ? b : a;
    const other = cut === a ? b : a;
    cut.freeze();
    // Its lease runs out and it stops everything, then the coordinator expels it and the other takes all.
    await waitFor(
      'the cut-off worker to stop its tasks',
      () => (runs.on(cut.url).length === 0 ? true : undefined),
      {
        timeoutMs: TIMING.sessionTimeoutMs,
        intervalMs: 20,
      },
    );
    expect(runs.on(other.url).length).toBeLessThan(4);
    await waitFor(
      'the other worker to run everything',
      () => (runs.on(other.url).length === 4 ? true : undefined),
      {
        timeoutMs: 15_000,
        intervalMs: 50,
      },
    );
    // Back in touch, it rejoins and gets its share again, never running a task someone else runs.
    cut.thaw();
    await waitFor(
      'both workers to share the tasks',
      () => (runs.on(cut.url).length === 2 ? true : undefined),
      {
        timeoutMs: 20_000,
        intervalMs: 50,
      },
    );
    expect(runs.doubles).toEqual([]);
  });

  it('stops everything when expelled while rejoining, before its work can run anywhere else', async () => {
    const { id, runs } = await cluster();
    const timing = { ...TIMING, rebalanceTimeoutMs: 4_000 };
    const [a, b] = [
      await worker(id, runs, 1, undefined, { timing }),
      await worker(id, runs, 2, undefined, { timing }),
    ];
    await (await leader()).herder.putConnectorConfig('s', sink('s', 4), { allowReplace: false });
    await settledRuns(runs, tasksOf('s', 4), [a, b]);
    // A keeps its work through the next rebalance (incremental), but its JoinGroup never reaches the
    // coordinator, which removes it when the rebalance times out and gives its work to the others.
    a.freeze({ joinsOnly: true });
    const c = await worker(id, runs, 3, undefined, { timing });
    await settledRuns(runs, tasksOf('s', 4), [b, c]);
    a.thaw();
    // Back in the group, A gets a share again; at no moment did two unfenced workers run one task.
    await waitFor(
      'all three sharing the tasks',
      () => (a.group.describe().assignment.tasks.length > 0 ? true : undefined),
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    await settledRuns(runs, tasksOf('s', 4), [a, b, c]);
    expect(runs.doubles).toEqual([]);
  });

  it('assigns a connector only to workers that have its plugin', async () => {
    const { id, runs } = await cluster();
    const withSink = await worker(id, runs, 1);
    const withoutSink = await worker(id, runs, 2, ['FileStreamSource']);
    await (await leader()).herder.putConnectorConfig('s', sink('s', 4), { allowReplace: false });
    await settledRuns(runs, tasksOf('s', 4), [withSink, withoutSink]);
    expect(runs.on(withSink.url)).toHaveLength(4);
    expect(withoutSink.group.describe().assignment).toEqual({ connectors: [], tasks: [] });
  });

  it('follows tasks.max down and a delete everywhere: tasks stop and the statuses go', async () => {
    const { id, runs } = await cluster();
    const [a, b] = [await worker(id, runs, 1), await worker(id, runs, 2)];
    await (await leader()).herder.putConnectorConfig('s', sink('s', 6), { allowReplace: false });
    await settledRuns(runs, tasksOf('s', 6), [a, b]);
    await (await leader()).herder.putConnectorConfig('s', sink('s', 2), { allowReplace: true });
    expect(spread(await settledRuns(runs, tasksOf('s', 2), [a, b]))).toBe(0);
    await (await leader()).herder.deleteConnector('s');
    await settledRuns(runs, [], [a, b]);
    await delay(200);
    for (const w of [a, b]) {
      await waitFor('statuses gone', () => (w.statuses.connectorNames().length === 0 ? true : undefined), {
        timeoutMs: 5_000,
      });
    }
    expect(runs.doubles).toEqual([]);
  });
});
