import { expect, it } from 'vitest';
import type { ProduceRecord, RecordPosition } from '@sluice/log';
import {
  describeOnBothBackends,
  nextMatching,
  stalledReaders,
  summarize,
  text,
  wrapLog,
} from './backends.test-suite.js';
import { StatusStore, type Status, type StatusChange } from './status-store.js';

const running = (workerId: string, generation: number): Status => ({
  state: 'RUNNING',
  workerId,
  generation,
});

/** A change without its offset, to compare sequences. */
function summary(change: StatusChange): string {
  switch (change.type) {
    case 'connector-status':
      return `connector ${change.connector} ${change.status.state} ${change.status.workerId} g${change.status.generation}`;
    case 'connector-status-removed':
      return `connector ${change.connector} removed`;
    case 'task-status':
      return `task ${change.connector}-${change.task} ${change.status.state} ${change.status.workerId} g${change.status.generation}`;
    case 'task-status-removed':
      return `task ${change.connector}-${change.task} removed`;
    case 'active-topics':
      return `topics ${change.connector} ${change.topics.map((t) => t.topic).join(',')}`;
    case 'worker-notice':
      return `worker ${change.worker} ${change.event}`;
  }
}

describeOnBothBackends('StatusStore', ({ backend, log, openLog, topicName, closeAfter }) => {
  // Connect's default status topic has 5 partitions: keys spread over them.
  const spec = (name: string) => ({ name, partitions: 5, replicationFactor: 1 });

  it("sees another worker's statuses through its follower, within a second, on every partition", async () => {
    const topic = topicName('status');
    const mine = closeAfter(await StatusStore.open(log(), spec(topic)));
    const theirs = closeAfter(await StatusStore.open(await openLog(), spec(topic)));
    await Promise.all([mine.start(), theirs.start()]);

    const samples: number[] = [];
    const partitions = new Set<number>();
    for (let round = 0; round < 30; round++) {
      const [writer, reader, name] = round % 2 === 0 ? [mine, theirs, 'w1:8083'] : [theirs, mine, 'w2:8083'];
      const seen = nextMatching<StatusChange>(
        (listener) => reader.onChange(listener),
        (change) => change.type === 'task-status' && change.task === round,
      );
      const started = performance.now();
      await writer.putTask('sink', round, running(name, 1));
      await seen;
      samples.push(Math.round(performance.now() - started));
    }
    for (const record of await log().latestByKey(topic)) partitions.add(record.partition);
    console.log(
      `status follower latency on ${backend} (write call to the other worker's event): ${summarize(samples)}`,
    );
    expect(partitions.size).toBe(5);
    expect(Math.max(...samples)).toBeLessThan(1_000);
    expect(theirs.tasks('sink')).toEqual(mine.tasks('sink'));
  });

  it('applies its own write as soon as it is acknowledged, without waiting for its follower', async () => {
    const topic = topicName('status');
    // A follower that never gets an answer: a config write would wait for it; a status write does not.
    const store = closeAfter(await StatusStore.open(stalledReaders(log()), spec(topic)));
    await store.start();
    const heard: string[] = [];
    store.onChange((change) => heard.push(summary(change)));
    const started = performance.now();
    await store.putConnector('c', running('w1:8083', 3));
    await store.putTask('c', 0, { state: 'FAILED', trace: 'boom', workerId: 'w1:8083', generation: 3 });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(store.connector('c')).toEqual(running('w1:8083', 3));
    expect(store.task('c', 0)).toMatchObject({ state: 'FAILED', trace: 'boom' });
    expect(heard).toEqual(['connector c RUNNING w1:8083 g3', 'task c-0 FAILED w1:8083 g3']);
  });

  it('never lets an older record of a key replace a newer one, and applies each record once', async () => {
    const topic = topicName('status');
    const other = closeAfter(await StatusStore.open(await openLog(), spec(topic)));

    // Read back without a follower: another worker's older record, then this store's own newer one.
    const store = closeAfter(await StatusStore.open(log(), spec(topic)));
    const heard: string[] = [];
    store.onChange((change) => heard.push(summary(change)));
    await other.putTask('c', 0, { state: 'FAILED', workerId: 'w2:8083', generation: 1 });
    await store.putTask('c', 0, running('w1:8083', 2));
    await store.refresh();
    expect(store.task('c', 0)).toEqual(running('w1:8083', 2));
    expect(heard).toEqual(['task c-0 RUNNING w1:8083 g2']);

    // Its follower read a newer record of the key before the acknowledgement of its own write came back.
    let acknowledged!: () => void;
    const slowAcks = wrapLog(log(), {
      produce: async (name: string, records: readonly ProduceRecord[]): Promise<RecordPosition[]> => {
        const positions = await log().produce(name, records);
        await new Promise<void>((resolve) => (acknowledged = resolve));
        return positions;
      },
    });
    const slow = closeAfter(await StatusStore.open(slowAcks, spec(topic)));
    await slow.start();
    const slowHeard: string[] = [];
    slow.onChange((change) => slowHeard.push(summary(change)));
    const writing = slow.putTask('c', 0, running('w1:8083', 3));
    await nextMatching<StatusChange>(
      (listener) => slow.onChange(listener),
      (change) => change.type === 'task-status' && change.status.generation === 3,
    );
    const newer = nextMatching<StatusChange>(
      (listener) => slow.onChange(listener),
      (change) => change.type === 'task-status' && change.status.generation === 4,
    );
    await other.putTask('c', 0, { state: 'FAILED', workerId: 'w2:8083', generation: 4 });
    await newer;
    acknowledged();
    await writing;
    expect(slow.task('c', 0)).toMatchObject({ state: 'FAILED', generation: 4 });
    expect(slowHeard).toEqual(['task c-0 RUNNING w1:8083 g3', 'task c-0 FAILED w2:8083 g4']);
  });

  it("writes safely as Connect's putSafe does: over nothing, its own status, or an older generation", async () => {
    const topic = topicName('status');
    const store = closeAfter(await StatusStore.open(log(), spec(topic)));
    const writes = async () => (await log().offsets(topic)).reduce((sum, p) => sum + p.end, 0);

    expect(await store.putTaskSafe('c', 0, running('w1:8083', 5))).toBe(true); // nothing before
    expect(await store.putTaskSafe('c', 0, { state: 'PAUSED', workerId: 'w1:8083', generation: 2 })).toBe(
      true,
    ); // its own
    const before = await writes();
    // Another worker at an older generation must not overwrite it.
    expect(await store.putTaskSafe('c', 0, running('w2:8083', 1))).toBe(false);
    expect(await writes()).toBe(before);
    expect(store.task('c', 0)).toMatchObject({ state: 'PAUSED', workerId: 'w1:8083', generation: 2 });
    expect(await store.putTaskSafe('c', 0, running('w2:8083', 2))).toBe(true); // the same generation
    expect(await store.putTaskSafe('c', 0, running('w1:8083', 3))).toBe(true); // a newer one
    expect(store.task('c', 0)).toEqual(running('w1:8083', 3));

    expect(await store.putConnectorSafe('c', running('w1:8083', 7))).toBe(true);
    expect(await store.putConnectorSafe('c', running('w2:8083', 6))).toBe(false);
    expect(await store.putConnectorSafe('c', { state: 'FAILED', workerId: 'w1:8083', generation: 1 })).toBe(
      true,
    );
    expect(store.connector('c')).toMatchObject({ state: 'FAILED', generation: 1 });

    const raw = (await log().latestByKey(topic)).find((r) => text(r.key) === 'status-task-c-0');
    expect(JSON.parse(text(raw!.value)!)).toEqual({
      state: 'RUNNING',
      trace: null,
      worker_id: 'w1:8083',
      generation: 3,
    });
  });

  it('sends the writes made while a produce is out in the next produce, in order; a refused one fails alone', async () => {
    const topic = topicName('status');
    const produced: number[] = [];
    let hold: Promise<void> | undefined;
    const counting = wrapLog(log(), {
      produce: async (name: string, records: readonly ProduceRecord[]): Promise<RecordPosition[]> => {
        produced.push(records.length);
        await hold;
        if (records.some((r) => String(r.key).endsWith('-refused-0')))
          throw new Error('the log refuses this record');
        return log().produce(name, records);
      },
    });
    const store = closeAfter(await StatusStore.open(counting, spec(topic)));
    let release!: () => void;
    hold = new Promise<void>((resolve) => (release = resolve));
    // A hundred tasks report RUNNING at once: the first write goes out, the others wait for it together.
    const writes = Array.from({ length: 100 }, (_, task) => store.putTask('c', task, running('w1:8083', 1)));
    writes.push(store.putTask('c', 0, running('w1:8083', 2)));
    release();
    await Promise.all(writes);
    hold = undefined;
    expect(produced).toEqual([1, 100]);
    expect(store.task('c', 0)).toEqual(running('w1:8083', 2));
    const reader = closeAfter(await StatusStore.open(await openLog(), spec(topic)));
    expect(reader.tasks('c')).toHaveLength(100);
    expect(reader.task('c', 0)).toEqual(running('w1:8083', 2));

    // A write the log refuses, queued with others: it fails, they are written.
    produced.length = 0;
    hold = new Promise<void>((resolve) => (release = resolve));
    const first = store.putTask('d', 0, running('w1:8083', 1));
    const refused = store.putTask('refused', 0, running('w1:8083', 1));
    const other = store.putTask('d', 1, running('w1:8083', 1));
    release();
    await first;
    await expect(refused).rejects.toThrow('the log refuses this record');
    await other;
    expect(produced).toEqual([1, 2, 1, 1]);
    expect(store.task('d', 1)).toEqual(running('w1:8083', 1));
    expect(store.task('refused', 0)).toBeUndefined();
  });

  it('writes many statuses with one produce, each only where putSafe would', async () => {
    const topic = topicName('status');
    const produced: number[] = [];
    const counting = wrapLog(log(), {
      produce: (name: string, records: readonly ProduceRecord[]): Promise<RecordPosition[]> => {
        produced.push(records.length);
        return log().produce(name, records);
      },
    });
    const store = closeAfter(await StatusStore.open(counting, spec(topic)));
    await store.putConnector('taken', running('w2:8083', 6));
    await store.putTask('taken', 1, running('w2:8083', 6));
    await store.putTask('mine', 0, running('w1:8083', 5));
    produced.length = 0;

    const unassigned: Status = { state: 'UNASSIGNED', workerId: 'w1:8083', generation: 5 };
    const written = await store.putAllSafe([
      { connector: 'mine', status: unassigned },
      { connector: 'mine', task: 0, status: unassigned },
      { connector: 'mine', task: 1, status: unassigned },
      // Another worker took these over at a later generation: left as they are.
      { connector: 'taken', status: unassigned },
      { connector: 'taken', task: 1, status: unassigned },
      { connector: 'taken', task: 2, status: unassigned },
    ]);
    expect(written).toBe(4);
    expect(produced).toEqual([4]);
    expect(store.connector('mine')).toEqual(unassigned);
    expect(store.tasks('mine').map(({ task, status }) => [task, status.state])).toEqual([
      [0, 'UNASSIGNED'],
      [1, 'UNASSIGNED'],
    ]);
    expect(store.connector('taken')).toEqual(running('w2:8083', 6));
    expect(store.task('taken', 1)).toEqual(running('w2:8083', 6));
    expect(store.task('taken', 2)).toEqual(unassigned);
    // Written as putTaskSafe writes: another store reads them from the topic.
    const reader = closeAfter(await StatusStore.open(await openLog(), spec(topic)));
    expect(reader.task('mine', 1)).toEqual(unassigned);
    expect(reader.connector('taken')).toEqual(running('w2:8083', 6));

    expect(await store.putAllSafe([])).toBe(0);
    expect(produced).toEqual([4]);
  });

  it("ignores another worker's UNASSIGNED that is not newer than a RUNNING, for tasks (as Connect's reader) and connectors", async () => {
    const topic = topicName('status');
    const store = closeAfter(await StatusStore.open(log(), spec(topic)));
    const follower = closeAfter(await StatusStore.open(await openLog(), spec(topic)));
    await follower.start();
    const unassigned = (workerId: string, generation: number): Status => ({
      state: 'UNASSIGNED',
      workerId,
      generation,
    });

    await store.putTask('c', 0, running('w1:8083', 5));
    await store.putTask('c', 0, unassigned('w2:8083', 5)); // stale: same generation
    await store.putTask('c', 0, unassigned('w2:8083', 4)); // stale: older
    expect(store.task('c', 0)).toEqual(running('w1:8083', 5));
    await store.putTask('c', 0, unassigned('w2:8083', 6)); // newer: taken
    expect(store.task('c', 0)).toEqual(unassigned('w2:8083', 6));

    // Only over RUNNING.
    await store.putTask('c', 1, { state: 'PAUSED', workerId: 'w1:8083', generation: 5 });
    await store.putTask('c', 1, unassigned('w2:8083', 4));
    expect(store.task('c', 1)).toEqual(unassigned('w2:8083', 4));
    // The worker that runs it may say it stopped it, at any generation (a connector stopped, no rebalance).
    await store.putTask('c', 2, running('w1:8083', 5));
    await store.putTask('c', 2, unassigned('w1:8083', 5));
    expect(store.task('c', 2)).toEqual(unassigned('w1:8083', 5));
    // Connectors too (a worker waking from a freeze must not hide the new owner's RUNNING).
    await store.putConnector('c', running('w1:8083', 5));
    await store.putConnector('c', unassigned('w2:8083', 4));
    expect(store.connector('c')).toEqual(running('w1:8083', 5));
    await store.putConnector('c', unassigned('w1:8083', 5));
    expect(store.connector('c')).toEqual(unassigned('w1:8083', 5));

    await follower.readToEnd();
    const reopened = closeAfter(await StatusStore.open(await openLog(), spec(topic)));
    for (const view of [follower, reopened]) {
      expect(view.tasks('c')).toEqual(store.tasks('c'));
      expect(view.connector('c')).toEqual(store.connector('c'));
    }
  });

  it('tells of statuses and active topics as they change, and of their removal', async () => {
    const topic = topicName('status');
    const writer = closeAfter(await StatusStore.open(log(), spec(topic)));
    const follower = closeAfter(await StatusStore.open(await openLog(), spec(topic)));
    await follower.start();
    const heard: Record<'writer' | 'follower', string[]> = { writer: [], follower: [] };
    writer.onChange((change) => heard.writer.push(summary(change)));
    follower.onChange((change) => heard.follower.push(summary(change)));
    const steps: Array<() => Promise<unknown>> = [
      () => writer.putConnector('c', running('w1:8083', 1)),
      () => writer.putConnector('c', running('w1:8083', 1)), // the same: no change
      () => writer.putTask('c', 0, running('w1:8083', 1)),
      () => writer.putActiveTopic({ topic: 'orders', connector: 'c', task: 0, discoverTimestamp: 5 }),
      () => writer.putActiveTopic({ topic: 'orders', connector: 'c', task: 0, discoverTimestamp: 5 }),
      () => writer.putActiveTopic({ topic: 'audit', connector: 'c', task: 0, discoverTimestamp: 6 }),
      () => writer.putTask('c', 0, { state: 'FAILED', trace: 'boom', workerId: 'w1:8083', generation: 1 }),
      () => writer.resetActiveTopics('c'),
      () => writer.removeConnector('c', 1),
    ];
    for (const step of steps) {
      await step();
      await follower.readToEnd();
    }
    const expected = [
      'connector c RUNNING w1:8083 g1',
      'task c-0 RUNNING w1:8083 g1',
      'topics c orders',
      'topics c audit,orders',
      'task c-0 FAILED w1:8083 g1',
      'topics c orders',
      'topics c ',
      'connector c removed',
      'task c-0 removed',
    ];
    expect(heard.writer).toEqual(expected);
    // A write of several keys lands on several partitions: a follower keeps each key's order, not the write's.
    expect(heard.follower.slice(0, 5)).toEqual(expected.slice(0, 5));
    const rest = heard.follower.slice(5);
    const topics = rest.filter((change) => change.startsWith('topics c '));
    expect(rest.filter((change) => !topics.includes(change)).sort()).toEqual([
      'connector c removed',
      'task c-0 removed',
    ]);
    expect(topics).toHaveLength(2);
    expect(topics[1]).toBe('topics c ');
    expect(follower.activeTopics('c')).toEqual([]);
    expect(follower.connector('c')).toBeUndefined();
    expect(follower.tasks('c')).toEqual([]);
  });

  it("tells followers of a worker's notice that it joins or leaves, once each, and keeps no status of it", async () => {
    const topic = topicName('status');
    const writer = closeAfter(await StatusStore.open(log(), spec(topic)));
    const follower = closeAfter(await StatusStore.open(await openLog(), spec(topic)));
    await follower.start();
    const heard: StatusChange[] = [];
    follower.onChange((change) => heard.push(change));
    const before = Date.now();
    await writer.putWorkerNotice('http://w1:8083', 'joining');
    await follower.readToEnd();
    await writer.putWorkerNotice('http://w1:8083', 'leaving');
    await follower.readToEnd();
    await follower.readToEnd();
    expect(heard.map(summary)).toEqual(['worker http://w1:8083 joining', 'worker http://w1:8083 leaving']);
    for (const change of heard)
      if (change.type === 'worker-notice') expect(change.timestamp).toBeGreaterThanOrEqual(before - 1_000);
    expect(follower.connectorNames()).toEqual([]);
    // Read again from the start by a new store: still no status.
    const late = closeAfter(await StatusStore.open(await openLog(), spec(topic)));
    expect(late.connectorNames()).toEqual([]);
  });
});
