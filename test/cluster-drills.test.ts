// Operating drills on a cluster of real worker processes under load: scaling, a rolling restart and a
// rolling upgrade across two group protocol versions. Load is a source writing sequence numbers, a sink
// checking them and a client calling the REST API throughout. Rebalance rounds are counted from generations.
import { waitFor } from '@sluice/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  allRunning,
  noneMissing,
  pipeline,
  RestLoop,
  spread,
  TestCluster,
  type ClusterView,
  type ClusterWorker,
} from './helpers-cluster.js';

const clusters: TestCluster[] = [];
const loops: RestLoop[] = [];

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') {
    // What each worker logged last, to tell a slow machine from a stuck worker.
    for (const c of clusters) {
      for (const worker of c.workers)
        process.stdout.write(
          `--- worker ${worker.index} (${worker.url}) ---\n${worker.stderr().slice(-6_000)}\n`,
        );
    }
  }
  await Promise.all(loops.splice(0).map((loop) => loop.stop()));
  await Promise.all(clusters.splice(0).map((cluster) => cluster.close()));
});

async function cluster(workers: number, started: number): Promise<TestCluster> {
  // Connect's default session: a loaded machine must not expel a worker that is merely slow.
  const c = await TestCluster.start({ workers, started, sessionTimeoutMs: 10_000 });
  clusters.push(c);
  return c;
}

/** What the drills run: the sequence pipeline (`seq`, 3 tasks; `sink`, 2 tasks) and `probe` (1 task). */
const CONNECTORS = ['probe', 'seq', 'sink'];
const TASKS = ['probe/0', 'seq/0', 'seq/1', 'seq/2', 'sink/0', 'sink/1'];

interface Load {
  topic: string;
  file: string;
  rest: RestLoop;
}

/** Starts the load: the pipeline, the probe connector whose config the REST loop changes, the REST loop. */
async function load(c: TestCluster): Promise<Load> {
  const { topic, file } = await pipeline(c);
  const probe = {
    'connector.class': 'test.CountingSourceConnector',
    topic: `${c.id}-probe`,
    count: '1000000',
    'poll.delay.ms': '200',
    batch: '1',
    'tasks.max': '1',
    'connector.tasks': '1',
  };
  const worker = c.workers.find((w) => w.live)!;
  expect((await c.call(worker, 'POST', '/connectors', { name: 'probe', config: probe })).status).toBe(201);
  await waitFor(
    'the probe running',
    async () => (allRunning(await c.status(worker, 'probe'), 1) ? true : undefined),
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  const rest = new RestLoop(c, {
    statusOf: CONNECTORS,
    put: { connector: 'probe', config: probe },
    maxMs: 240_000,
  });
  loops.push(rest);
  return { topic, file, rest };
}

/**
 * Waits until the live workers are stable in one generation, the leader lists exactly them, every
 * connector and task is assigned to exactly one of them, and the counts differ by at most one; returns
 * the views at that generation.
 */
async function balanced(c: TestCluster): Promise<{ generation: number; views: ClusterView[] }> {
  let last = '';
  return waitFor(
    'the live workers to be balanced in one stable generation',
    async () => {
      if (c.workers.some((worker) => worker.running && !worker.live)) return undefined;
      const views = await Promise.all(c.running().map((worker) => c.view(worker)));
      const generation = views[0]?.generation ?? null;
      const live = c.workers.filter((worker) => worker.live).map((worker) => worker.url);
      const members = views.find((view) => view.leader)?.members?.map((member) => member.url) ?? [];
      const connectors = views.flatMap((view) => view.assignment.connectors).sort();
      const tasks = views.flatMap((view) => view.assignment.tasks).sort();
      last = JSON.stringify(views.map((v) => [v.url, v.generation, v.assignment]));
      const ok =
        generation !== null &&
        views.every((view) => view.state === 'stable' && view.generation === generation) &&
        views.filter((view) => view.leader).length === 1 &&
        [...members].sort().join() === [...live].sort().join() &&
        JSON.stringify(connectors) === JSON.stringify(CONNECTORS) &&
        JSON.stringify(tasks) === JSON.stringify(TASKS) &&
        spread(views.map((view) => view.assignment.connectors.length)) <= 1 &&
        spread(views.map((view) => view.assignment.tasks.length)) <= 1;
      return ok ? { generation, views } : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 250 },
  ).catch((error: unknown) => {
    process.stdout.write(`not balanced; last views: ${last}\n`);
    throw error;
  });
}

/** Runs one step of a drill and returns how many rebalance rounds it took to be balanced again. */
async function rounds(c: TestCluster, step: string, action: () => Promise<void>): Promise<number> {
  const before = (await balanced(c)).generation;
  const startedAt = Date.now();
  await action();
  const acted = Date.now() - startedAt;
  const after = await balanced(c);
  const taken = after.generation - before;
  const counts = after.views.map((v) => `${v.assignment.connectors.length}/${v.assignment.tasks.length}`);
  process.stdout.write(
    `${step}: balanced (connectors/tasks ${counts.join(' ')}) at generation ${after.generation}, ` +
      `${taken} round(s), ${Date.now() - startedAt} ms (the step itself ${acted} ms)\n`,
  );
  return taken;
}

/** Stops the load and checks that no record was lost and no call to a live worker failed. */
async function finish(c: TestCluster, { topic, file, rest }: Load, drill: string): Promise<void> {
  const report = await rest.stop();
  const { records, duplicates } = await noneMissing(c, topic, file);
  process.stdout.write(
    `${drill}: ${records} records, ${duplicates} duplicates at the sink; REST ${report.calls} calls, ` +
      `${report.failures.length} failed, ${report.excluded} to a worker stopping or starting\n`,
  );
  expect(report.failures).toEqual([]);
  // The load ran throughout (a status read every 100 ms, a config change every 2 s); how many calls that
  // makes depends on how long the drill takes, which fast rebalances keep short.
  expect(report.calls).toBeGreaterThan(20);
}

const protocols = async (c: TestCluster, workers: ClusterWorker[]) => [
  ...new Set((await Promise.all(workers.map((worker) => c.view(worker)))).map((view) => view.protocol)),
];

describe('cluster drills under load', () => {
  it('scales 1 → 3 → 1 workers, balanced within two rebalance rounds after each step, losing no record', async () => {
    const c = await cluster(3, 1);
    const work = await load(c);
    const [w1, w2, w3] = c.workers as [ClusterWorker, ClusterWorker, ClusterWorker];
    expect(await rounds(c, '1 → 2 workers', () => w2.start())).toBeLessThanOrEqual(2);
    expect(await rounds(c, '2 → 3 workers', () => w3.start())).toBeLessThanOrEqual(2);
    expect(await rounds(c, '3 → 2 workers', () => w3.stop())).toBeLessThanOrEqual(2);
    expect(await rounds(c, '2 → 1 workers', () => w2.stop())).toBeLessThanOrEqual(2);
    expect(c.running()).toEqual([w1]);
    await finish(c, work, 'scale drill');
  }, 300_000);

  it('restarts all 3 workers one at a time: at most 3 rounds each, no failed REST call to a live worker, no record lost', async () => {
    const c = await cluster(3, 3);
    const work = await load(c);
    for (const worker of c.workers) {
      const taken = await rounds(c, `restart of worker ${worker.index}`, async () => {
        await worker.stop();
        await worker.start();
      });
      expect(taken).toBeLessThanOrEqual(3);
    }
    await finish(c, work, 'rolling restart drill');
  }, 300_000);

  it('upgrades a cluster of sluice-v1 workers to sluice-v2 one worker at a time: the group speaks v1 until the last is upgraded, then v2; no record lost', async () => {
    const c = await cluster(3, 0);
    // Workers of the previous protocol version: they offer sluice-v1 only.
    await Promise.all(c.workers.map((worker) => worker.start(['sluice.protocol=sluice-v1'])));
    await c.settled();
    expect(await protocols(c, c.workers)).toEqual(['sluice-v1']);
    const work = await load(c);
    for (const [i, worker] of c.workers.entries()) {
      // This release's worker offers [sluice-v2, sluice-v1]: with an old one in the group, both speak v1.
      const taken = await rounds(c, `upgrade of worker ${worker.index}`, async () => {
        await worker.stop();
        await worker.start();
      });
      expect(taken).toBeLessThanOrEqual(3);
      const upgradedAll = i === c.workers.length - 1;
      expect(await protocols(c, c.workers)).toEqual([upgradedAll ? 'sluice-v2' : 'sluice-v1']);
    }
    await finish(c, work, 'rolling upgrade drill');
  }, 300_000);
});
