// Workers that share a group.id form one cluster on a real broker: real worker processes.
import { createHmac } from 'node:crypto';
import { KafkaGroupMember } from '@sluice/coordinator';
import { createKafka } from '@sluice/kafka-client';
import { KafkaLog } from '@sluice/log';
import { workerProtocol } from '@sluice/protocol';
import { kafkaBootstrap, uniqueName, waitFor } from '@sluice/test-kit';
import { WorkerProcess } from './helpers-rest.js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  allRunning,
  expectOneOwnerAtATime,
  noneMissing,
  pipeline,
  spread,
  staleWrites,
  TestCluster,
  written,
  type ClusterWorker,
} from './helpers-cluster.js';

const clusters: TestCluster[] = [];

afterEach(async () => {
  await Promise.all(clusters.splice(0).map((cluster) => cluster.close()));
});

async function cluster(workers: number): Promise<TestCluster> {
  const started = await TestCluster.start({ workers });
  clusters.push(started);
  return started;
}

const counting = (topic: string, tasks: number) => ({
  'connector.class': 'test.CountingSourceConnector',
  topic,
  count: '1000000',
  'poll.delay.ms': '200',
  batch: '1',
  'tasks.max': String(tasks),
  'connector.tasks': String(tasks),
});

describe('a cluster of workers', () => {
  it('spreads connectors and tasks evenly, runs what a follower created, and every worker tells the same status', async () => {
    const c = await cluster(3);
    const leader = await c.leader();
    const follower = c.workers.find((worker) => worker !== leader)!;

    // A connector created through a follower: forwarded to the leader, visible on every worker within 1 s.
    const created = await c.call(follower, 'POST', '/connectors', {
      name: 'c0',
      config: counting(`${c.id}-c0`, 2),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`${follower.url}/connectors/c0`);
    const seenAt = Date.now();
    await Promise.all(
      c.workers.map((worker) =>
        waitFor(
          `c0 on ${worker.url}`,
          async () => ((await c.call(worker, 'GET', '/connectors/c0')).status === 200 ? true : undefined),
          {
            timeoutMs: 1_000,
            intervalMs: 20,
          },
        ),
      ),
    );
    expect(Date.now() - seenAt).toBeLessThan(1_000);
    for (let i = 1; i < 6; i++) {
      const worker = c.workers[i % c.workers.length]!;
      const reply = await c.call(worker, 'POST', '/connectors', {
        name: `c${i}`,
        config: counting(`${c.id}-c${i}`, 2),
      });
      expect(reply, JSON.stringify(reply.body)).toMatchObject({ status: 201 });
    }
    const names = Array.from({ length: 6 }, (_, i) => `c${i}`);
    await waitFor(
      'six connectors with two running tasks each',
      async () => {
        const statuses = await Promise.all(names.map((name) => c.status(leader, name)));
        return statuses.every((status) => allRunning(status, 2)) ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );

    // Balanced, each unit owned exactly once.
    const views = await c.settled();
    expect(spread(views.map((view) => view.assignment.connectors.length))).toBeLessThanOrEqual(1);
    expect(spread(views.map((view) => view.assignment.tasks.length))).toBeLessThanOrEqual(1);
    const tasks = views.flatMap((view) => view.assignment.tasks);
    expect(tasks.sort()).toEqual(names.flatMap((name) => [`${name}/0`, `${name}/1`]).sort());
    expect(views.flatMap((view) => view.assignment.connectors).sort()).toEqual(names);

    // Every worker's REST API tells the same statuses, and they name the worker that runs each.
    const owners = new Map<string, string>();
    for (const view of views) {
      for (const unit of [...view.assignment.connectors, ...view.assignment.tasks])
        owners.set(unit, new URL(view.url).host);
    }
    await waitFor(
      'every worker to report the same statuses',
      async () => {
        const reports = await Promise.all(
          c.workers.map(async (worker) =>
            JSON.stringify((await c.call(worker, 'GET', '/connectors?expand=status')).body),
          ),
        );
        return new Set(reports).size === 1 ? true : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    for (const name of names) {
      const status = (await c.status(follower, name))!;
      expect(status.connector.worker_id).toBe(owners.get(name));
      for (const task of status.tasks) expect(task.worker_id).toBe(owners.get(`${name}/${task.id}`));
    }
  });

  it("forwards as Connect does, and refuses internal requests that are not signed with the cluster's session key", async () => {
    const c = await cluster(2);
    const leader = await c.leader();
    const follower = c.workers.find((worker) => worker !== leader)!;
    const config = counting(`${c.id}-fwd`, 1);

    // The hop rule: a follower told not to forward cannot serve a leader's write.
    expect(await c.call(follower, 'POST', '/connectors?forward=false', { name: 'fwd', config })).toEqual({
      status: 409,
      headers: expect.anything(),
      body: {
        error_code: 409,
        message: 'Cannot complete request because of a conflicting operation (e.g. worker rebalance)',
      },
    });
    expect((await c.call(leader, 'GET', '/connectors')).body).toEqual([]);
    // Through the follower it reaches the leader; a config change, a restart and a delete too.
    expect((await c.call(follower, 'POST', '/connectors', { name: 'fwd', config })).status).toBe(201);
    expect((await c.call(follower, 'PUT', '/connectors/fwd/config', { ...config, batch: '2' })).status).toBe(
      200,
    );
    // Read-your-writes through the worker the write went to.
    expect(
      ((await c.call(follower, 'GET', '/connectors/fwd/config')).body as Record<string, string>)['batch'],
    ).toBe('2');
    await waitFor(
      'fwd running',
      async () => (allRunning(await c.status(follower, 'fwd'), 1) ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    for (const worker of c.workers) {
      expect((await c.call(worker, 'POST', '/connectors/fwd/tasks/0/restart')).status).toBe(204);
      expect((await c.call(worker, 'POST', '/connectors/fwd/restart')).status).toBe(204);
    }

    // Internal task configs: unsigned 400, a wrong algorithm 400, a forged signature 403, with Connect's messages.
    const body = JSON.stringify([{ ...config, 'connector.class': 'test.CountingSourceConnector' }]);
    const internal = (worker: ClusterWorker, headers: Record<string, string>) =>
      fetch(`${worker.url}/connectors/fwd/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      }).then(async (response) => ({ status: response.status, body: await response.json() }));
    for (const worker of c.workers) {
      expect(await internal(worker, {})).toEqual({
        status: 400,
        body: { error_code: 400, message: 'Internal request missing required signature' },
      });
      expect(
        await internal(worker, {
          'X-Connect-Authorization': createHmac('sha256', Buffer.alloc(32, 7)).update(body).digest('base64'),
          'X-Connect-Request-Signature-Algorithm': 'HmacSHA256',
        }),
      ).toEqual({
        status: 403,
        body: { error_code: 403, message: 'Internal request contained invalid signature.' },
      });
      expect(
        (
          await internal(worker, {
            'X-Connect-Authorization': 'AAAA',
            'X-Connect-Request-Signature-Algorithm': 'HmacMD5',
          })
        ).status,
      ).toBe(400);
    }
    // Nothing of the refused requests was written.
    const tasks = (await c.call(leader, 'GET', '/connectors/fwd/tasks')).body as Array<{
      config: Record<string, string>;
    }>;
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.config['batch']).toBe('2');

    expect((await c.call(follower, 'DELETE', '/connectors/fwd')).status).toBe(204);
    for (const worker of c.workers) expect((await c.call(worker, 'GET', '/connectors')).body).toEqual([]);
  });
});

describe('a cluster losing workers', () => {
  it('runs the tasks of a worker killed with -9 elsewhere within session + heartbeat + 2 s, and loses no record', async () => {
    const c = await cluster(3);
    const { topic, file } = await pipeline(c);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const leader = await c.leader();
    const views = await c.settled();
    const victimView = views.find(
      (view) => !view.leader && view.assignment.tasks.some((t) => t.startsWith('seq/')),
    )!;
    const victim = c.workers.find((worker) => worker.url === victimView.url)!;
    const moved = victimView.assignment.tasks
      .filter((t) => t.startsWith('seq/'))
      .map((t) => Number(t.split('/')[1]));
    expect(moved.length).toBeGreaterThan(0);

    const killedAt = Date.now();
    await victim.stop('SIGKILL');
    const back = await waitFor(
      "the killed worker's tasks running elsewhere",
      async () => {
        const status = await c.status(leader, 'seq');
        const ok = moved.every((id) => {
          const task = status?.tasks.find((t) => t.id === id);
          return task?.state === 'RUNNING' && task.worker_id !== victim.id;
        });
        return ok ? Date.now() - killedAt : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    process.stdout.write(`failover after kill -9: ${back} ms (bound ${c.failoverBoundMs} ms)\n`);
    expect(back).toBeLessThanOrEqual(c.failoverBoundMs);
    // And producing again: the moved tasks' numbers go on.
    const before = await written(c, topic);
    await waitFor(
      'the moved tasks to produce',
      async () => {
        const now = await written(c, topic);
        return moved.every((id) => (now.get(id)?.length ?? 0) > (before.get(id)?.length ?? 0))
          ? true
          : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    const { records, duplicates } = await noneMissing(c, topic, file);
    process.stdout.write(`kill -9 drill: ${records} records, ${duplicates} duplicates at the sink\n`);
  }, 180_000);

  it('elects a new leader when the leader is killed, and takes writes again within the same bound', async () => {
    const c = await cluster(3);
    const leader = await c.leader();
    const survivor = c.workers.find((worker) => worker !== leader)!;
    expect(
      (await c.call(survivor, 'POST', '/connectors', { name: 'before', config: counting(`${c.id}-b`, 1) }))
        .status,
    ).toBe(201);
    const killedAt = Date.now();
    await leader.stop('SIGKILL');
    const created = await c.call(survivor, 'POST', '/connectors', {
      name: 'after',
      config: counting(`${c.id}-a`, 1),
    });
    const tookMs = Date.now() - killedAt;
    process.stdout.write(
      `write accepted ${tookMs} ms after the leader was killed (bound ${c.failoverBoundMs} ms)\n`,
    );
    expect(created.status).toBe(201);
    expect(tookMs).toBeLessThanOrEqual(c.failoverBoundMs);
    // The create just started a rebalance; as with Connect, a write may meet it (409) and is sent again.
    const updated = await waitFor(
      'a config change accepted',
      async () => {
        const reply = await c.call(survivor, 'PUT', '/connectors/before/config', {
          ...counting(`${c.id}-b`, 1),
          batch: '3',
        });
        return reply.status === 409 ? undefined : reply;
      },
      { timeoutMs: c.failoverBoundMs, intervalMs: 250 },
    );
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    const newLeader = await c.leader();
    expect(newLeader).not.toBe(leader);
    for (const name of ['before', 'after']) {
      await waitFor(
        `${name} running`,
        async () => (allRunning(await c.status(survivor, name), 1) ? true : undefined),
        {
          timeoutMs: 30_000,
        },
      );
    }
  });

  it('never runs a task twice when a frozen worker comes back after its session expired', async () => {
    const c = await cluster(3);
    const { topic, file } = await pipeline(c);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const views = await c.settled();
    const victimView = views.find((view) => view.assignment.tasks.some((t) => t.startsWith('seq/')))!;
    const victim = c.workers.find((worker) => worker.url === victimView.url)!;
    const observer = c.workers.find((worker) => worker !== victim)!;
    const moved = victimView.assignment.tasks
      .filter((t) => t.startsWith('seq/'))
      .map((t) => Number(t.split('/')[1]));

    victim.freeze();
    await waitFor(
      "the frozen worker's tasks running elsewhere",
      async () => {
        const status = await c.status(observer, 'seq');
        return moved.every((id) => {
          const task = status?.tasks.find((t) => t.id === id);
          return task?.state === 'RUNNING' && task.worker_id !== victim.id;
        })
          ? true
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    // The new owners produce for a while before the old one wakes up.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    victim.thaw();
    await c.settled();
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    // Output: once a newer incarnation of a task wrote, no older one writes again.
    expect(await staleWrites(c, topic)).toBe(0);
    // Status history: no two owners of a task at once.
    await expectOneOwnerAtATime(c, 'seq');
    const { records, duplicates } = await noneMissing(c, topic, file);
    process.stdout.write(`freeze drill: ${records} records, ${duplicates} duplicates at the sink\n`);
  }, 180_000);
});

describe("a cluster's leader duties", () => {
  it('rotates the session key, and restarts and offset changes reach the workers that must make them', async () => {
    const c = await TestCluster.start({ workers: 2, extra: ['inter.worker.key.ttl.ms=2000'] });
    clusters.push(c);
    const leader = await c.leader();
    const follower = c.workers.find((worker) => worker !== leader)!;
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const keys = (await c.records(`${c.id}-configs`)).filter(
      (r) => r.key?.toString('utf8') === 'session-key',
    );
    expect(keys.length).toBeGreaterThanOrEqual(2);
    const key = JSON.parse(keys.at(-1)!.value!.toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(key).sort()).toEqual(['algorithm', 'creation-timestamp', 'key']);
    expect(key['algorithm']).toBe('HmacSHA256');
    expect(Buffer.from(key['key'] as string, 'base64')).toHaveLength(32);

    // Connectors the follower runs get their task configs to the leader with the rotated key.
    const names = ['r0', 'r1', 'r2', 'r3'];
    for (const name of names) {
      const created = await c.call(follower, 'POST', '/connectors', {
        name,
        config: counting(`${c.id}-${name}`, 1),
      });
      expect(created, JSON.stringify(created.body)).toMatchObject({ status: 201 });
    }
    await waitFor(
      'every connector running',
      async () => {
        const statuses = await Promise.all(names.map((name) => c.status(follower, name)));
        return statuses.every((status) => allRunning(status, 1)) ? statuses : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const views = await c.settled();
    const followerView = views.find((view) => view.url === follower.url)!;
    expect(followerView.assignment.tasks.length).toBeGreaterThan(0);

    // A restart of connector and tasks through either worker: the leader writes the request, owners restart.
    for (const worker of c.workers) {
      const restarting = await c.call(
        worker,
        'POST',
        '/connectors/r0/restart?includeTasks=true&onlyFailed=false',
      );
      expect(restarting.status).toBe(202);
      expect(restarting.body).toMatchObject({
        name: 'r0',
        connector: { state: 'RESTARTING' },
        tasks: [{ id: 0, state: 'RESTARTING' }],
      });
      await waitFor(
        'r0 running again',
        async () => (allRunning(await c.status(worker, 'r0'), 1) ? true : undefined),
        {
          timeoutMs: 30_000,
        },
      );
    }

    // Offsets of a connector stopped through the follower, altered through the follower, read on both.
    expect((await c.call(follower, 'PUT', '/connectors/r1/stop')).status).toBe(204);
    await waitFor(
      'r1 stopped',
      async () => ((await c.status(leader, 'r1'))?.connector.state === 'STOPPED' ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    const altered = await c.call(follower, 'PATCH', '/connectors/r1/offsets', {
      offsets: [{ partition: { source: 'counter' }, offset: { position: 7 } }],
    });
    expect(altered).toMatchObject({
      status: 200,
      body: { message: expect.stringContaining('altered successfully') as string },
    });
    for (const worker of c.workers) {
      expect((await c.call(worker, 'GET', '/connectors/r1/offsets')).body).toEqual({
        offsets: [{ partition: { source: 'counter' }, offset: { position: 7 } }],
      });
    }
    // Stopped through the leader and altered at once, while the follower still stops the task: the offsets
    // kept are the ones asked for, not those the stopping task commits last.
    const onFollower = ['r0', 'r2', 'r3'].find((name) =>
      followerView.assignment.tasks.some((task) => task.startsWith(`${name}`)),
    )!;
    expect(onFollower).toBeDefined();
    expect((await c.call(leader, 'PUT', `/connectors/${onFollower}/stop`)).status).toBe(204);
    const atOnce = await c.call(leader, 'PATCH', `/connectors/${onFollower}/offsets`, {
      offsets: [{ partition: { source: 'counter' }, offset: { position: 3 } }],
    });
    expect(atOnce.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    for (const worker of c.workers) {
      expect((await c.call(worker, 'GET', `/connectors/${onFollower}/offsets`)).body).toEqual({
        offsets: [{ partition: { source: 'counter' }, offset: { position: 3 } }],
      });
    }
    expect((await c.call(leader, 'PUT', '/connectors/r1/resume')).status).toBe(202);
    await waitFor(
      'r1 running again',
      async () => (allRunning(await c.status(follower, 'r1'), 1) ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
  }, 120_000);
});

describe('a group that is not Sluice’s', () => {
  it('refuses to join a group in which members of another protocol type (Kafka Connect) run, and changes nothing', async () => {
    const id = uniqueName('foreign');
    // A member of protocol type "connect", as a running Apache Kafka Connect worker is.
    const connect = new KafkaGroupMember({
      kafka: createKafka({ brokers: kafkaBootstrap(), clientId: `${id}-connect` }),
      groupId: id,
      protocolType: 'connect',
      protocols: [workerProtocol('sessioned')],
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 1_000,
      metadata: () => ({
        version: 1,
        url: 'http://connect:8083',
        configOffset: 0,
        connectors: [],
        tasks: [],
        plugins: [],
        sluiceVersion: '',
      }),
      assign: (members) =>
        new Map(
          members.map((m) => [
            m.memberId,
            {
              version: 1,
              error: 0,
              leaderId: '',
              leaderUrl: '',
              configOffset: 0,
              connectors: [],
              tasks: [],
              revokedConnectors: [],
              revokedTasks: [],
              delayMs: 0,
              rejoin: false,
            },
          ]),
        ),
      onAssigned: () => Promise.resolve(),
      onRevoked: () => Promise.resolve(),
    });
    connect.start();
    try {
      await waitFor('the Connect member to join', () => (connect.state === 'stable' ? true : undefined), {
        timeoutMs: 30_000,
      });
      const log = await KafkaLog.open({ brokers: kafkaBootstrap(), clientId: `${id}-reader` });
      try {
        // The internal topics exist, as a Connect cluster's do, with its records.
        for (const topic of ['configs', 'offsets', 'status']) {
          await log.createTopic({
            name: `${id}-${topic}`,
            partitions: 1,
            replicationFactor: 1,
            configs: { 'cleanup.policy': 'compact' },
          });
        }
        await log.produce(`${id}-configs`, [
          {
            key: 'connector-x',
            value: JSON.stringify({ properties: { 'connector.class': 'FileStreamSource', name: 'x' } }),
          },
        ]);
        const ends = async () =>
          Promise.all(
            ['configs', 'offsets', 'status'].map(async (t) => (await log.offsets(`${id}-${t}`))[0]!.end),
          );
        const before = await ends();
        await expect(
          WorkerProcess.create('kafka', [
            `group.id=${id}`,
            `config.storage.topic=${id}-configs`,
            `offset.storage.topic=${id}-offsets`,
            `status.storage.topic=${id}-status`,
            'offset.storage.partitions=1',
            'status.storage.partitions=1',
          ]),
        ).rejects.toThrow(
          /group .* is used by members of another protocol type \(a running Apache Kafka Connect cluster uses "connect"\)/,
        );
        expect(await ends()).toEqual(before);
        expect(connect.state).toBe('stable');
      } finally {
        await log.close();
      }
    } finally {
      await connect.stop();
    }
  });
});
