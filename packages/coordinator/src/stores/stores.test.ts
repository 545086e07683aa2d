import { beforeAll, expect, it } from 'vitest';
import type { Log } from '@sluice/log';
import { describeOnBothBackends, text } from './backends.test-suite.js';
import { ConfigStore } from './config-store.js';
import { OffsetStore } from './offset-store.js';
import { StatusStore } from './status-store.js';

describeOnBothBackends('Connect state stores', ({ log: firstLog, topicName }) => {
  let log: Log;
  beforeAll(() => {
    log = firstLog();
  });

  it('creates a compacted internal topic and refuses an existing one that is not compacted', async () => {
    const configs = topicName('configs');
    await ConfigStore.open(log, { name: configs, replicationFactor: 1 });
    expect((await log.describeTopic(configs))?.configs['cleanup.policy']).toBe('compact');
    const plain = topicName('plain');
    await log.createTopic({ name: plain });
    await expect(StatusStore.open(log, { name: plain, replicationFactor: 1 })).rejects.toMatchObject({
      code: 'SLUICE_INTERNAL_TOPIC_NOT_COMPACTED',
      message: expect.stringContaining(`'${plain}' must have cleanup.policy=compact`),
    });
  });

  it("keeps connector configs, target states and committed task configs in Connect's format", async () => {
    const topic = topicName('configs');
    const store = await ConfigStore.open(log, { name: topic, replicationFactor: 1 });
    await store.putConnectorConfig(
      'orders-source',
      { 'connector.class': 'FileStreamSource', file: '/a' },
      'STOPPED',
    );
    await store.putTaskConfigs('orders-source', [
      { file: '/a', task: '0' },
      { file: '/a', task: '1' },
    ]);
    let snapshot = await store.putTargetState('orders-source', 'PAUSED');
    expect(snapshot.connectors.get('orders-source')).toEqual({
      'connector.class': 'FileStreamSource',
      file: '/a',
    });
    expect(snapshot.targetStates.get('orders-source')).toBe('PAUSED');
    expect(snapshot.tasks.get('orders-source')).toEqual([
      { file: '/a', task: '0' },
      { file: '/a', task: '1' },
    ]);

    const raw = new Map(
      (await log.latestByKey(topic)).map((r) => [text(r.key), JSON.parse(text(r.value)!) as unknown]),
    );
    expect(raw.get('connector-orders-source')).toEqual({
      properties: { 'connector.class': 'FileStreamSource', file: '/a' },
    });
    expect(raw.get('task-orders-source-1')).toEqual({ properties: { file: '/a', task: '1' } });
    expect(raw.get('commit-orders-source')).toEqual({ tasks: 2 });
    expect(raw.get('target-state-orders-source')).toEqual({ state: 'PAUSED', 'state.v2': 'PAUSED' });
    snapshot = await store.putTargetState('orders-source', 'STOPPED');
    const stopped = (await log.latestByKey(topic)).find((r) => text(r.key) === 'target-state-orders-source')!;
    // Pre-3.5 workers read only `state`: a stopped connector looks paused to them.
    expect(JSON.parse(text(stopped.value)!)).toEqual({ state: 'PAUSED', 'state.v2': 'STOPPED' });

    // Another worker reading the same topic sees the same state.
    const other = await ConfigStore.open(log, { name: topic, replicationFactor: 1 });
    expect(other.snapshot()).toEqual(snapshot);
    expect(snapshot.offset).toBeGreaterThan(0);
  });

  it('applies task configs only once their commit record arrives', async () => {
    const topic = topicName('configs');
    const store = await ConfigStore.open(log, { name: topic, replicationFactor: 1 });
    await store.putConnectorConfig('c', { k: 'v' });
    await log.produce(topic, [{ key: 'task-c-0', value: JSON.stringify({ properties: { n: '0' } }) }]);
    expect((await store.refresh()).tasks.get('c')).toBeUndefined();
    await log.produce(topic, [{ key: 'commit-c', value: JSON.stringify({ tasks: 1 }) }]);
    expect((await store.refresh()).tasks.get('c')).toEqual([{ n: '0' }]);
    expect(store.snapshot().inconsistent).toEqual(new Set());

    // A commit needs every task config 0…n-1 written since the previous commit (Connect's rule): a commit
    // for more tasks than were written leaves the connector inconsistent, with no tasks, rather than mixing
    // the configs of two commits.
    await log.produce(topic, [
      { key: 'task-c-1', value: JSON.stringify({ properties: { n: '1' } }) },
      { key: 'commit-c', value: JSON.stringify({ tasks: 2 }) },
    ]);
    let snapshot = await store.refresh();
    expect(snapshot.tasks.has('c')).toBe(false);
    expect(snapshot.inconsistent).toEqual(new Set(['c']));
    // A later complete set (more configs than the count is fine: compaction keeps dropped tasks') heals it.
    await log.produce(topic, [
      { key: 'task-c-0', value: JSON.stringify({ properties: { n: '0b' } }) },
      { key: 'task-c-1', value: JSON.stringify({ properties: { n: '1b' } }) },
      { key: 'task-c-2', value: JSON.stringify({ properties: { n: '2b' } }) },
      { key: 'commit-c', value: JSON.stringify({ tasks: 2 }) },
    ]);
    snapshot = await store.refresh();
    expect(snapshot.tasks.get('c')).toEqual([{ n: '0b' }, { n: '1b' }]);
    expect(snapshot.inconsistent).toEqual(new Set());
  });

  it('reads a config topic written by Apache Kafka Connect, and deletes connectors', async () => {
    const topic = topicName('configs');
    await log.createTopic({ name: topic, configs: { 'cleanup.policy': 'compact' } });
    await log.produce(topic, [
      {
        key: 'connector-legacy',
        value:
          '{"properties":{"connector.class":"org.apache.kafka.connect.file.FileStreamSinkConnector","topics":"t"}}',
      },
      { key: 'target-state-legacy', value: '{"state":"PAUSED"}' },
      { key: 'task-legacy-0', value: '{"properties":{"topics":"t","task.class":"x"}}' },
      { key: 'commit-legacy', value: '{"tasks":1}' },
      { key: 'session-key', value: '{"key":"abc","algorithm":"HmacSHA256","creation-timestamp":1}' },
    ]);
    const store = await ConfigStore.open(log, { name: topic, replicationFactor: 1 });
    let snapshot = store.snapshot();
    expect(snapshot.connectors.get('legacy')?.['topics']).toBe('t');
    expect(snapshot.targetStates.get('legacy')).toBe('PAUSED');
    expect(snapshot.tasks.get('legacy')).toEqual([{ topics: 't', 'task.class': 'x' }]);
    snapshot = await store.removeConnector('legacy');
    expect(snapshot.connectors.has('legacy')).toBe(false);
    expect(snapshot.targetStates.has('legacy')).toBe(false);
    expect(snapshot.tasks.has('legacy')).toBe(false);
  });

  it("keeps source offsets in Connect's offsets-topic format and matches partitions by content", async () => {
    const topic = topicName('offsets');
    const store = await OffsetStore.open(log, { name: topic, partitions: 3, replicationFactor: 1 });
    await store.write('file-source', [
      { partition: { filename: '/tmp/a.txt' }, offset: { position: 42 } },
      { partition: { filename: '/tmp/b.txt', host: 'h' }, offset: { position: 7 } },
    ]);
    await store.write('other', [{ partition: { filename: '/tmp/a.txt' }, offset: { position: 1 } }]);
    // 64-bit offsets from the SDK (bigint) are written as JSON numbers with every digit.
    await store.write('big', [{ partition: { id: 7n }, offset: { position: 9007199254740993n } }]);
    const big = (await log.latestByKey(topic)).find((r) => text(r.key)?.startsWith('["big"'));
    expect([text(big!.key), text(big!.value)]).toEqual(['["big",{"id":7}]', '{"position":9007199254740993}']);
    expect(store.offset('file-source', { filename: '/tmp/a.txt' })).toEqual({ position: 42 });
    expect(store.offset('file-source', { host: 'h', filename: '/tmp/b.txt' })).toEqual({ position: 7 });
    expect(store.offset('other', { filename: '/tmp/a.txt' })).toEqual({ position: 1 });

    const keys = (await log.latestByKey(topic)).map((r) => text(r.key)).sort();
    expect(keys).toContain('["file-source",{"filename":"/tmp/a.txt"}]');
    // A key in Java's field order (as Connect may have written it) is the same partition.
    await log.produce(topic, [
      { key: '["file-source",{"host":"h","filename":"/tmp/b.txt"}]', value: '{"position":9}' },
    ]);
    await store.refresh();
    expect(store.offset('file-source', { filename: '/tmp/b.txt', host: 'h' })).toEqual({ position: 9 });

    await store.write('file-source', [{ partition: { filename: '/tmp/a.txt' }, offset: null }]);
    const reopened = await OffsetStore.open(log, { name: topic, partitions: 3, replicationFactor: 1 });
    expect(reopened.offset('file-source', { filename: '/tmp/a.txt' })).toBeUndefined();
    expect(reopened.offsets('file-source')).toEqual([
      { partition: { filename: '/tmp/b.txt', host: 'h' }, offset: { position: 9 } },
    ]);
  });

  it("keeps connector and task statuses and active topics in Connect's status-topic format", async () => {
    const topic = topicName('status');
    const store = await StatusStore.open(log, { name: topic, partitions: 2, replicationFactor: 1 });
    await store.putConnector('my-sink', { state: 'RUNNING', workerId: '127.0.0.1:8083', generation: 3 });
    await store.putTask('my-sink', 1, {
      state: 'FAILED',
      trace: 'Error: boom\n  at x',
      workerId: '127.0.0.1:8083',
      generation: 3,
    });
    await store.putTask('my-sink', 0, { state: 'RUNNING', workerId: '127.0.0.1:8084', generation: 3 });
    await store.putActiveTopic({ topic: 'orders', connector: 'my-sink', task: 0, discoverTimestamp: 1234 });

    const reopened = await StatusStore.open(log, { name: topic, partitions: 2, replicationFactor: 1 });
    expect(reopened.connector('my-sink')).toEqual({
      state: 'RUNNING',
      workerId: '127.0.0.1:8083',
      generation: 3,
    });
    expect(reopened.tasks('my-sink').map((t) => [t.task, t.status.state, t.status.trace])).toEqual([
      [0, 'RUNNING', undefined],
      [1, 'FAILED', 'Error: boom\n  at x'],
    ]);
    expect(reopened.activeTopics('my-sink')).toEqual([
      { topic: 'orders', connector: 'my-sink', task: 0, discoverTimestamp: 1234 },
    ]);
    const raw = new Map(
      (await log.latestByKey(topic)).map((r) => [text(r.key), JSON.parse(text(r.value)!) as unknown]),
    );
    expect(raw.get('status-task-my-sink-1')).toEqual({
      state: 'FAILED',
      trace: 'Error: boom\n  at x',
      worker_id: '127.0.0.1:8083',
      generation: 3,
    });
    expect(raw.get('status-topic-orders:connector-my-sink')).toEqual({
      topic: { name: 'orders', connector: 'my-sink', task: 0, discoverTimestamp: 1234 },
    });

    await reopened.resetActiveTopics('my-sink');
    await reopened.removeConnector('my-sink', 2);
    expect(reopened.connector('my-sink')).toBeUndefined();
    expect(reopened.tasks('my-sink')).toEqual([]);
    expect(reopened.activeTopics('my-sink')).toEqual([]);
  });
});
