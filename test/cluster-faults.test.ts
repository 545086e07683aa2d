// Fault drills on a cluster of real worker processes over its own 3-node Kafka cluster (started here with
// scripts/kafka, replication 3 everywhere so that losing a broker loses nothing): the broker coordinating
// the worker group killed and restarted, and one worker cut off by a network partition.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, waitFor } from '@sluice/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  allRunning,
  expectOneOwnerAtATime,
  noneMissing,
  pipeline,
  staleWrites,
  TestCluster,
  written,
  type ClusterWorker,
  type Sequenced,
  type Status,
  type WorkerPlacement,
} from './helpers-cluster.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `scripts/kafka …` and resolves with the last line of its stdout (its result). */
function kafka(args: readonly string[], timeoutMs = 150_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'scripts', 'kafka.mjs'), ...args],
      // Light JVMs: three of them share two cores with the workers.
      { env: { ...process.env, SLUICE_KAFKA_HEAP: '384m' }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`scripts/kafka ${args.join(' ')} failed: ${error.message}\n${stderr}`));
        else resolve(stdout.trim().split('\n').at(-1) ?? '');
      },
    );
  });
}

/** Why the partition drill cannot run here, or undefined: it needs CAP_NET_ADMIN (bit 12) and `ip`. */
function partitionUnavailable(): string | undefined {
  const effective = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  if (effective === undefined || (BigInt(`0x${effective}`) & (1n << 12n)) === 0n) {
    return 'CAP_NET_ADMIN is missing: network namespaces cannot be created';
  }
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore', timeout: 5_000 });
  } catch {
    return 'the ip command (iproute2) is missing';
  }
  return undefined;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe', timeout: 10_000 });

/**
 * A network namespace with a veth pair to the root namespace: the worker in it has the address `.2` of a
 * /30 that only this pair uses, the root end `.1`, where the brokers get a second listener. Cutting the
 * root end's link is a partition: with permanent neighbour entries on both ends, packets are dropped
 * silently, so connections hang and new ones time out, as across a broken network.
 */
class Partition {
  static readonly prefix = 'sluice-drill-';
  readonly name = `${Partition.prefix}${process.pid}`;
  readonly rootLink = `sdr${process.pid}`;
  readonly nsLink = `sdn${process.pid}`;
  readonly #subnet = `10.213.${(process.pid % 250) + 1}`;
  readonly rootAddress = `${this.#subnet}.1`;
  readonly workerAddress = `${this.#subnet}.2`;

  /** Removes namespaces a test run that died left behind (named after a pid that no longer runs). */
  static removeStale(): void {
    for (const line of ip('netns', 'list').toString().split('\n')) {
      const name = line.split(' ')[0] ?? '';
      if (!name.startsWith(Partition.prefix)) continue;
      const pid = Number(name.slice(Partition.prefix.length));
      if (Number.isInteger(pid) && !existsSync(`/proc/${pid}`)) ip('netns', 'delete', name);
    }
  }

  create(): void {
    ip('netns', 'add', this.name);
    ip('link', 'add', this.rootLink, 'type', 'veth', 'peer', 'name', this.nsLink, 'netns', this.name);
    ip('addr', 'add', `${this.rootAddress}/30`, 'dev', this.rootLink);
    ip('-n', this.name, 'addr', 'add', `${this.workerAddress}/30`, 'dev', this.nsLink);
    ip('link', 'set', this.rootLink, 'up');
    ip('-n', this.name, 'link', 'set', this.nsLink, 'up');
    ip('-n', this.name, 'link', 'set', 'lo', 'up');
    const mac = (link: string, ns: string[] = []) =>
      /link\/ether ([0-9a-f:]+)/.exec(ip(...ns, 'link', 'show', link).toString())![1]!;
    const rootMac = mac(this.rootLink);
    const nsMac = mac(this.nsLink, ['-n', this.name]);
    ip('neigh', 'replace', this.workerAddress, 'lladdr', nsMac, 'dev', this.rootLink, 'nud', 'permanent');
    ip(
      '-n',
      this.name,
      'neigh',
      'replace',
      this.rootAddress,
      'lladdr',
      rootMac,
      'dev',
      this.nsLink,
      'nud',
      'permanent',
    );
  }

  /** The command that runs a process inside the namespace. */
  get wrapper(): string[] {
    return ['ip', 'netns', 'exec', this.name];
  }

  cut(): void {
    ip('link', 'set', this.rootLink, 'down');
  }

  heal(): void {
    ip('link', 'set', this.rootLink, 'up');
  }

  /** Deletes the namespace and the veth pair (deleting either end deletes both); never throws. */
  remove(): void {
    for (const args of [
      ['link', 'delete', this.rootLink],
      ['netns', 'delete', this.name],
    ]) {
      try {
        ip(...args);
      } catch {
        // not there (any more)
      }
    }
  }
}

const unavailable = partitionUnavailable();
/**
 * Only a developer's machine without the means skips the partition drill (saying why); in CI (`CI` set) it
 * runs, and fails with the reason, so a CI machine that lost CAP_NET_ADMIN or iproute2 cannot pass silently.
 */
const skipPartition = unavailable !== undefined && !process.env['CI'];
const partition = new Partition();
const kafkaDir = mkdtempSync(join(tmpdir(), 'sluice-faults-kafka-'));
let bootstrap: string[] = [];
/** The brokers as the partitioned worker reaches them, through the veth. */
let partitionedBootstrap: string[] = [];
const clusters: TestCluster[] = [];

beforeAll(async () => {
  if (unavailable === undefined) {
    Partition.removeStale();
    partition.create();
  } else {
    process.stdout.write(`cluster-faults: the network partition drill is skipped: ${unavailable}\n`);
  }
  const extra = unavailable === undefined ? ['--extra-host', partition.rootAddress] : [];
  bootstrap = (await kafka(['up', '--nodes', '3', '--dir', kafkaDir, ...extra])).split(',');
  if (unavailable === undefined) {
    const state = JSON.parse(readFileSync(join(kafkaDir, 'state.json'), 'utf8')) as {
      extraBootstrap: string;
    };
    partitionedBootstrap = state.extraBootstrap.split(',');
  }
}, 240_000);

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') {
    for (const worker of clusters.flatMap((c) => c.workers)) {
      process.stdout.write(
        `--- worker ${worker.index} (${worker.url}), end of its log ---\n${worker.stderr().slice(-4_000)}\n`,
      );
    }
  }
  await Promise.all(clusters.splice(0).map((cluster) => cluster.close()));
});

afterAll(async () => {
  try {
    await kafka(['down', '--dir', kafkaDir], 60_000);
  } finally {
    rmSync(kafkaDir, { recursive: true, force: true });
    if (unavailable === undefined) partition.remove();
  }
}, 90_000);

async function cluster(placement?: (index: number) => WorkerPlacement | undefined): Promise<TestCluster> {
  const started = await TestCluster.start({ workers: 3, bootstrap, replicationFactor: 3, placement });
  clusters.push(started);
  return started;
}

/** Polls until every task of `seq` (three) and `sink` (two) is RUNNING on a worker `allowed` accepts. */
async function everyTaskRunning(
  c: TestCluster,
  observer: ClusterWorker,
  allowed: (workerId: string) => boolean,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const ok = (status: Status | undefined, tasks: number) =>
    allRunning(status, tasks) && status!.tasks.every((task) => allowed(task.worker_id));
  await waitFor(
    what,
    async () =>
      ok(await c.status(observer, 'seq'), 3) && ok(await c.status(observer, 'sink'), 2) ? true : undefined,
    { timeoutMs, intervalMs: 100 },
  );
}

/** Polls until every task of `seq` wrote more than it had in `before`. */
async function producing(c: TestCluster, topic: string, before: Map<number, Sequenced[]>, timeoutMs: number) {
  await waitFor(
    'every source task to produce',
    async () => {
      const now = await written(c, topic);
      return [0, 1, 2].every((id) => (now.get(id)?.length ?? 0) > (before.get(id)?.length ?? 0))
        ? true
        : undefined;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

describe('a cluster whose group coordinator broker crashes', () => {
  it('keeps or regains every task RUNNING when that broker is killed and restarted, and loses no record', async () => {
    const c = await cluster();
    const { topic, file } = await pipeline(c, { replicationFactor: 3 });
    await sleep(2_000);
    const observer = c.workers[0]!;
    const coordinator = Number(await kafka(['coordinator', '--group', c.id, '--dir', kafkaDir]));
    process.stdout.write(`group ${c.id} is coordinated by node ${coordinator}\n`);

    const killedAt = Date.now();
    await kafka(['kill-node', String(coordinator), '--dir', kafkaDir]);
    const elsewhere = await waitFor(
      'another broker to coordinate the group',
      async () => {
        const now = Number(await kafka(['coordinator', '--group', c.id, '--dir', kafkaDir]));
        return now !== coordinator ? now : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const before = await written(c, topic);
    await everyTaskRunning(c, observer, () => true, 'every task running with the broker down', 120_000);
    await producing(c, topic, before, 120_000);
    const regained = Date.now() - killedAt;
    process.stdout.write(
      `node ${elsewhere} took over the group; every task running and producing ${regained} ms after the kill\n`,
    );

    const restartedAt = Date.now();
    await kafka(['start-node', String(coordinator), '--dir', kafkaDir]);
    const rejoined = Date.now() - restartedAt;
    const again = await written(c, topic);
    await everyTaskRunning(c, observer, () => true, 'every task running after the restart', 120_000);
    await producing(c, topic, again, 120_000);
    process.stdout.write(
      `node ${coordinator} back after ${rejoined} ms; every task running and producing ${Date.now() - restartedAt} ms after its restart\n`,
    );

    expect(await staleWrites(c, topic)).toBe(0);
    await expectOneOwnerAtATime(c, 'seq');
    const { records, duplicates } = await noneMissing(c, topic, file);
    process.stdout.write(`broker bounce drill: ${records} records, ${duplicates} duplicates at the sink\n`);
  }, 420_000);
});

describe('a cluster with a worker cut off by a network partition', () => {
  it.skipIf(skipPartition)(
    'fences the cut-off worker’s tasks before its session expires, runs them elsewhere, and takes the worker back after healing',
    async () => {
      if (unavailable !== undefined)
        throw new Error(`the network partition drill cannot run here: ${unavailable}`);
      const c = await cluster((index) =>
        // Every worker must reach every other's REST API (task configs go to the leader): the others listen
        // on the root end of the veth, not on 127.0.0.1, which inside the namespace is its own loopback.
        index === 3
          ? { host: partition.workerAddress, bootstrap: partitionedBootstrap, wrapper: partition.wrapper }
          : { host: partition.rootAddress, bootstrap, wrapper: [] },
      );
      const victim = c.workers[2]!;
      const observer = c.workers[0]!;
      const { topic, file } = await pipeline(c, { replicationFactor: 3 });
      await sleep(2_000);
      const views = await c.settled();
      const victimView = views.find((view) => view.url === victim.url)!;
      const moved = victimView.assignment.tasks
        .filter((t) => t.startsWith('seq/'))
        .map((t) => Number(t.split('/')[1]));
      expect(
        moved.length,
        `the partitioned worker runs a source task: ${JSON.stringify(victimView)}`,
      ).toBeGreaterThan(0);

      const cutAt = Date.now();
      partition.cut();
      try {
        await everyTaskRunning(
          c,
          observer,
          (worker) => worker !== victim.id,
          'every task running on the workers that are not cut off',
          60_000,
        );
        const failover = Date.now() - cutAt;
        process.stdout.write(
          `every task running elsewhere ${failover} ms after the cut (bound ${c.failoverBoundMs} ms)\n`,
        );
        expect(failover).toBeLessThanOrEqual(c.failoverBoundMs);
        // The new owners produce for a while before the partition heals.
        await producing(c, topic, await written(c, topic), 20_000);
      } finally {
        partition.heal();
      }
      const healedAt = Date.now();
      const rejoined = await waitFor(
        'the healed worker to rejoin',
        async () => {
          const settled = await c.settled(5_000).catch(() => undefined);
          const leader = settled?.find((view) => view.leader);
          return leader?.members?.some((member) => member.url === victim.url)
            ? Date.now() - healedAt
            : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      process.stdout.write(`the worker rejoined ${rejoined} ms after the partition healed\n`);
      await sleep(3_000);

      // Fenced before its session could expire: nothing it produced was stamped later than that.
      const late: Sequenced[] = [];
      for (const values of (await written(c, topic)).values()) {
        late.push(
          ...values.filter(
            (v) =>
              v.worker === `w${victim.index}` &&
              v.timestamp > cutAt + c.sessionTimeoutMs &&
              v.timestamp < healedAt,
          ),
        );
      }
      expect(late, 'records the cut-off worker produced after its session could have expired').toEqual([]);
      // No two owners in the status topic. (Unlike the freeze drill, the topic's order is not checked here: a
      // produce request the worker sent before the cut, within its lease, sits in the dead link's TCP queue
      // and reaches the broker when the link heals, after the new owner's records. Only transactional
      // fencing, which Connect has with exactly-once source support, would refuse it; the timestamps above
      // show the worker produced nothing once its lease could have ended.)
      const reordered = await staleWrites(c, topic);
      process.stdout.write(
        `partition drill: ${reordered} records of the old owner delivered after the heal\n`,
      );
      await expectOneOwnerAtATime(c, 'seq');
      const { records, duplicates } = await noneMissing(c, topic, file);
      process.stdout.write(`partition drill: ${records} records, ${duplicates} duplicates at the sink\n`);
    },
    240_000,
  );
});
