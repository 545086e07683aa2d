import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafka } from '@sluice/kafka-client';
import { KafkaLog } from '@sluice/log';
import { decodeAssignment } from '@sluice/protocol';
import { kafkaBootstrap, runTypeScript, uniqueName, waitFor } from '@sluice/test-kit';
import { WorkerProcess } from './helpers-rest.js';

// Each drill runs in a child process: task threads load TypeScript through tsx, which the child has.
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

type Step = Record<string, unknown> & { step: string };

async function drill(scenario: string): Promise<Map<string, Step>> {
  const dir = mkdtempSync(join(tmpdir(), `sluice-sink-groups-${scenario}-`));
  dirs.push(dir);
  const child = runTypeScript('test/fixtures/sink-group-drill.ts', [scenario, dir]);
  const { code } = await child.exited;
  expect(code, child.stderr()).toBe(0);
  const steps = new Map<string, Step>();
  for (const line of child.lines) {
    const step = JSON.parse(line) as Step;
    steps.set(step.step, step);
  }
  expect(steps.has('done'), child.stderr()).toBe(true);
  expect(steps.has('failed'), JSON.stringify(steps.get('failed'))).toBe(false);
  return steps;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const at = (topic: string, partitions: number[], from: number, to: number) =>
  partitions.flatMap((p) => range(from, to).map((o) => `${topic}/${p}@${o}`)).sort();

/** The records a run of `put N` events delivered; NaN if any other event (open, close) is among them. */
function putTotal(events: readonly string[]): number {
  return events.reduce((sum, event) => sum + (/^put \d+$/.test(event) ? Number(event.slice(4)) : NaN), 0);
}

describe('sink tasks in their consumer group, on an in-memory coordinator', () => {
  it('split the partitions by range, a moved task takes its partitions over without a new generation, a removed one leaves at once', async () => {
    const steps = await drill('in-memory');
    const split = steps.get('split')!;
    expect(split['group']).toEqual({
      state: 'Stable',
      generation: 1,
      protocolType: 'consumer',
      protocol: 'range',
      members: { 'c-0': ['orders/0', 'orders/1'], 'c-1': ['orders/2', 'orders/3'] },
    });
    expect(split['delivered']).toEqual([at('orders', [0, 1], 0, 10), at('orders', [2, 3], 0, 10)]);
    expect(split['events']).toEqual([
      ['open orders/0,orders/1', 'put 20'],
      ['open orders/2,orders/3', 'put 20'],
    ]);

    const move = steps.get('move')!;
    // Same generation, same members by instance id: the coordinator handed the new copy the partitions.
    expect(move['group']).toEqual(split['group']);
    expect(move['openMs']).toBeLessThan(1000);
    // The new copy starts after the old copy's commit: nothing twice, nothing lost.
    expect(move['delivered']).toEqual(at('orders', [2, 3], 10, 20));
    expect(move['events']).toEqual(['open orders/2,orders/3', 'put 20']);
    expect(move['task0Events']).toEqual(['open orders/0,orders/1', 'put 20', 'put 20']);
    expect(move['all']).toEqual(at('orders', [0, 1, 2, 3], 0, 20));
    expect(move['committed']).toEqual(['orders/0:20', 'orders/1:20', 'orders/2:20', 'orders/3:20']);

    const leave = steps.get('leave')!;
    expect(leave['group']).toEqual({
      state: 'Stable',
      generation: 2,
      protocolType: 'consumer',
      protocol: 'range',
      members: { 'c-0': ['orders/0', 'orders/1', 'orders/2', 'orders/3'] },
    });
    expect(leave['task0Events']).toEqual([
      'open orders/0,orders/1',
      'put 20',
      'put 20',
      'close orders/0,orders/1',
      'open orders/0,orders/1,orders/2,orders/3',
    ]);
    // Heartbeats every 100 ms here: the rebalance is one heartbeat away, not a session timeout (3 s).
    expect(leave['rebalanceMs']).toBeLessThan(1500);
    expect(steps.get('empty')).toMatchObject({
      group: { state: 'Empty', members: {} },
      failures: [null, null, null],
    });
  });

  it('fences the old copy of a task that another copy replaced: its commits are refused, it goes idle without failing', async () => {
    const steps = await drill('in-memory-zombie');
    const zombie = steps.get('zombie')!;
    expect(zombie['after']).toEqual(zombie['before']);
    expect(zombie['before']).toMatchObject({
      generation: 1,
      members: { 'z-0': ['payments/0', 'payments/1'] },
    });
    expect(zombie['openMs']).toBeLessThan(1000);
    // Its first commit counted; after the replacement the coordinator refused it as an unknown member.
    const oldCommits = zombie['oldCommits'] as string[];
    expect(oldCommits[0]).toBe('ok');
    expect(oldCommits.slice(1).length).toBeGreaterThan(0);
    expect(new Set(oldCommits.slice(1))).toEqual(new Set(['SLUICE_KAFKA_UNKNOWN_MEMBER_ID']));
    expect(zombie['newCommits']).toEqual(['ok']);
    expect(zombie['oldFailure']).toBeNull();
    expect(zombie['fencedLog']).toMatchObject({
      type: 'log',
      level: 'warn',
      logger: 'sluice.sink.group',
      message: expect.stringMatching(/^z-0: another copy of this task took its place in connect-z;/),
    });
    // It closed its partitions (membership lost) and was not stopped yet.
    expect((zombie['oldEvents'] as string[]).at(-1)).toBe('close payments/0,payments/1');
    expect(zombie['newDelivered']).toEqual(at('payments', [0, 1], 10, 20));
    expect(zombie['committed']).toEqual(['payments/0:20', 'payments/1:20']);
    expect(steps.get('zombie-stopped')).toMatchObject({
      group: { state: 'Empty', members: {} },
      failures: [null, null],
      committed: ['payments/0:20', 'payments/1:20'],
    });
  });
  it('rejoin when the subscription changes: a topic matching topics.regex appears, a task restarts with other topics (once, no storm)', async () => {
    const steps = await drill('in-memory-subscription');
    expect(steps.get('regex')).toMatchObject({
      generations: [1, 2],
      group: { members: { 'r-0': ['events-a/0', 'events-a/1', 'events-b/0', 'events-b/1'] } },
      events: [
        'open events-a/0,events-a/1',
        'put 10',
        'close events-a/0,events-a/1',
        'open events-a/0,events-a/1,events-b/0,events-b/1',
        'put 10',
      ],
    });
    // The restarted copy first got its old assignment (t1 only) in generation 1, then rejoined once.
    expect(steps.get('resubscribe')).toMatchObject({
      generations: [1, 2, 2],
      group: { members: { 'm-0': ['t1/0', 't1/1', 't2/0', 't2/1'] } },
      events: ['open t1/0,t1/1', 'close t1/0,t1/1', 'open t1/0,t1/1,t2/0,t2/1', 'put 10'],
      delivered: at('t2', [0, 1], 0, 5),
      failures: [null, null, null],
    });
  });
});

describe('sink tasks in their consumer group, on Kafka', () => {
  it('split a 4-partition topic through the group (real task threads), a replacement with the same task id resumes at once, and tasks that leave empty the group', async () => {
    const steps = await drill('kafka');
    const split = steps.get('split')!;
    const group = split['group'] as {
      state: string;
      protocolType: string;
      protocol: string;
      members: Array<{
        memberId: string;
        clientId: string;
        subscription: { topics: string[]; version: number };
        assignment: string[];
      }>;
    };
    expect(group).toMatchObject({ state: 'Stable', protocolType: 'consumer', protocol: 'range' });
    const [m0, m1] = group.members;
    const topic = m0!.subscription.topics[0]!;
    const connector = m0!.clientId.replace(/^connector-consumer-(.*)-0$/, '$1');
    // Static members: Kafka makes a static member's id from its group.instance.id.
    expect(m0!.memberId.startsWith(`${connector}-0-`)).toBe(true);
    expect(m1!.memberId.startsWith(`${connector}-1-`)).toBe(true);
    expect(m1!.clientId).toBe(`connector-consumer-${connector}-1`);
    expect(m0!.subscription).toMatchObject({ version: 3, topics: [topic] });
    expect(m0!.assignment).toEqual([`${topic}/0`, `${topic}/1`]);
    expect(m1!.assignment).toEqual([`${topic}/2`, `${topic}/3`]);
    // Every record once, whichever task got it while the group formed.
    expect(split['all']).toEqual(at(topic, [0, 1, 2, 3], 0, 25));
    const splitNew = steps.get('split-new')!;
    expect(splitNew['delivered']).toEqual([at(topic, [0, 1], 25, 50), at(topic, [2, 3], 25, 50)]);

    const move = steps.get('move')!;
    // Session timeout 10 s, heartbeat 3 s: the replacement waits for neither.
    expect(move['openMs']).toBeLessThan(3000);
    expect(move['deliveredMs']).toBeLessThan(5000);
    // The records may come in one put or several (as fetches return them); what counts is that all 50 do.
    const [opened, ...puts] = move['events'] as string[];
    expect(opened).toBe(`open ${topic}/2,${topic}/3`);
    expect(putTotal(puts)).toBe(50);
    // No rebalance: task 0 was neither revoked nor reassigned, only given records.
    expect(putTotal(move['task0EventsAfter'] as string[])).toBe(50);
    const moved = (move['group'] as typeof group).members;
    expect(moved.map((m) => m.assignment)).toEqual([m0!.assignment, m1!.assignment]);
    expect(moved[1]!.memberId).not.toBe(m1!.memberId);
    expect(move['all']).toEqual(at(topic, [0, 1, 2, 3], 0, 75));

    const deleted = steps.get('deleted')!;
    expect(deleted['group']).toMatchObject({ state: 'Empty', members: [] });
    expect(deleted['committed']).toEqual(['0:75', '1:75', '2:75', '3:75']);
    expect(deleted['stoppedMs']).toBeLessThan(5000);
  });

  it('on a worker: a sink connector’s tasks are the members of connect-<name>; STOPPED and deleted connectors leave it empty', async () => {
    const brokers = kafkaBootstrap();
    const topic = uniqueName('sink-groups-rest');
    const log = await KafkaLog.open({ brokers, clientId: uniqueName('sink-groups-rest') });
    const admin = createKafka({ brokers, clientId: uniqueName('sink-groups-admin') }).admin();
    await admin.connect();
    const worker = await WorkerProcess.create('kafka');
    const name = uniqueName('files');
    const groupId = `connect-${name}`;
    const file = join(worker.dir, 'out.txt');
    const lineCount = () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').length - 1 : 0);
    const describeGroup = async () => {
      const [group] = (await admin.describeGroups([groupId])).groups;
      return {
        state: group!.state,
        protocolType: group!.protocolType,
        members: group!.members
          .map((m) => ({
            memberId: m.memberId,
            partitions: decodeAssignment(m.memberAssignment).partitions.map((p) => p.partition),
          }))
          .sort((a, b) => (a.memberId < b.memberId ? -1 : 1)),
      };
    };
    try {
      await log.createTopic({ name: topic, partitions: 4, replicationFactor: 1 });
      for (let p = 0; p < 4; p++)
        await log.produce(
          topic,
          range(0, 10).map((i) => ({ value: `p${p}-${i}`, partition: p })),
        );
      const created = await worker.call('POST', '/connectors', {
        name,
        config: {
          'connector.class': 'FileStreamSink',
          'tasks.max': '2',
          topics: topic,
          file,
          'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
          'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
        },
      });
      expect(created.status).toBe(201);
      await waitFor('40 lines', () => (lineCount() >= 40 ? true : undefined), { timeoutMs: 30_000 });
      const running = await waitFor(
        'two members',
        async () => {
          const group = await describeGroup();
          return group.state === 'Stable' && group.members.length === 2 ? group : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      expect(running).toMatchObject({ protocolType: 'consumer' });
      expect(running.members.map((m) => m.memberId.slice(0, name.length + 2))).toEqual([
        `${name}-0`,
        `${name}-1`,
      ]);
      expect(running.members.map((m) => m.partitions)).toEqual([
        [0, 1],
        [2, 3],
      ]);

      // STOPPED: the tasks leave, so the group's offsets can be read, altered and reset.
      expect((await worker.call('PUT', `/connectors/${name}/stop`)).status).toBe(204);
      await waitFor(
        'an empty group',
        async () => ((await describeGroup()).state === 'Empty' ? true : undefined),
        {
          timeoutMs: 10_000,
          intervalMs: 100,
        },
      );
      expect((await worker.call('GET', `/connectors/${name}/offsets`)).body).toEqual({
        offsets: [0, 1, 2, 3].map((p) => ({
          partition: { kafka_topic: topic, kafka_partition: p },
          offset: { kafka_offset: 10 },
        })),
      });
      const altered = await worker.call('PATCH', `/connectors/${name}/offsets`, {
        offsets: [{ partition: { kafka_topic: topic, kafka_partition: 3 }, offset: { kafka_offset: 5 } }],
      });
      expect(altered.status).toBe(200);
      expect((await worker.call('PUT', `/connectors/${name}/resume`)).status).toBe(202);
      // Partition 3 is read again from offset 5.
      await waitFor('45 lines', () => (lineCount() >= 45 ? true : undefined), { timeoutMs: 30_000 });
      await waitFor(
        'two members again',
        async () => ((await describeGroup()).members.length === 2 ? true : undefined),
        { timeoutMs: 30_000, intervalMs: 200 },
      );

      const deletedAt = Date.now();
      expect((await worker.call('DELETE', `/connectors/${name}`)).status).toBe(204);
      await waitFor(
        'an empty group',
        async () => ((await describeGroup()).state === 'Empty' ? true : undefined),
        {
          timeoutMs: 10_000,
          intervalMs: 50,
        },
      );
      // Left at once: well within the 10 s session timeout the members would otherwise need to expire.
      expect(Date.now() - deletedAt).toBeLessThan(5000);
      expect(lineCount()).toBe(45);
    } finally {
      await worker.close();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await log.deleteTopic(topic).catch(() => undefined);
      await admin.disconnect();
      await log.close();
    }
  });
});
