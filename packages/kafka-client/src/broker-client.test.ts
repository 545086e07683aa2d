import { kafkaBootstrap, uniqueName } from '@sluice/test-kit';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerClient } from './broker-client.js';
import { createKafka } from './kafka.js';

let kafka: Kafka;
let admin: Admin;
let producer: Producer;
let client: BrokerClient;

beforeAll(async () => {
  kafka = createKafka({ brokers: kafkaBootstrap() });
  admin = kafka.admin();
  producer = kafka.producer({ allowAutoTopicCreation: false });
  client = new BrokerClient(kafka, { retryTimeoutMs: 1_000 });
  await Promise.all([admin.connect(), producer.connect(), client.connect()]);
});

afterAll(async () => {
  await Promise.all([client?.disconnect(), producer?.disconnect(), admin?.disconnect()]);
});

async function createTopic(): Promise<string> {
  const topic = uniqueName('broker-client');
  await admin.createTopics({
    topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  return topic;
}

const text = (buffer: Buffer | null) => (buffer === null ? null : buffer.toString());

describe('BrokerClient.fetch', () => {
  it('returns records from the requested offset on, with keys, values and headers as written', async () => {
    const topic = await createTopic();
    // One send is one record batch: fetching from offset 2 gets a batch that starts at 0.
    await producer.send({
      topic,
      messages: [
        { key: 'k0', value: 'v0' },
        { key: null, value: null },
        // The workspace's kafkajs patch accepts headers as a list: wire order, duplicate keys, null values.
        {
          key: 'k2',
          value: '',
          headers: [
            { key: 'b', value: Buffer.from('1') },
            { key: 'a', value: null },
            { key: 'b', value: Buffer.from('2') },
          ] as never,
        },
        { key: 'k3', value: 'v3', timestamp: '1700000000000' },
      ],
    });

    const all = await client.fetch({ topic, partition: 0, offset: 0 });
    expect(all.highWatermark).toBe(4);
    expect(all.logStartOffset).toBe(0);
    expect(all.records.map((r) => [r.offset, text(r.key), text(r.value)])).toEqual([
      [0, 'k0', 'v0'],
      [1, null, null],
      [2, 'k2', ''],
      [3, 'k3', 'v3'],
    ]);
    expect(all.records[2]!.headers.map((h) => [h.key, text(h.value)])).toEqual([
      ['b', '1'],
      ['a', null],
      ['b', '2'],
    ]);
    expect(all.records[0]!.headers).toEqual([]);
    expect(all.records[3]!.timestamp).toBe(1_700_000_000_000);

    const fromMiddle = await client.fetch({ topic, partition: 0, offset: 2 });
    expect(fromMiddle.records.map((r) => r.offset)).toEqual([2, 3]);
  });

  it('returns nothing at the end of the partition after waiting at most maxWaitMs', async () => {
    const topic = await createTopic();
    await producer.send({ topic, messages: [{ value: 'only' }] });
    const started = Date.now();
    const result = await client.fetch({ topic, partition: 0, offset: 1, maxWaitMs: 200 });
    expect(result).toEqual({ records: [], highWatermark: 1, logStartOffset: 0 });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('reports offsets outside the log with a typed error, and the log start after DeleteRecords', async () => {
    const topic = await createTopic();
    await producer.send({ topic, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    await expect(client.fetch({ topic, partition: 0, offset: 4 })).rejects.toMatchObject({
      code: 'SLUICE_KAFKA_OFFSET_OUT_OF_RANGE',
      topic,
      partition: 0,
      offset: 4,
    });
    // kafkajs's admin finds the partition leader from its cached metadata only: load the new topic first.
    await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '2' }] });
    await expect(client.fetch({ topic, partition: 0, offset: 0 })).rejects.toMatchObject({
      code: 'SLUICE_KAFKA_OFFSET_OUT_OF_RANGE',
    });
    const rest = await client.fetch({ topic, partition: 0, offset: 2 });
    expect(rest.logStartOffset).toBe(2);
    expect(rest.records.map((r) => text(r.value))).toEqual(['c']);
  });

  it('fails with UNKNOWN_TOPIC_OR_PARTITION after its retry time for a topic or partition that does not exist', async () => {
    await expect(
      client.fetch({ topic: uniqueName('missing'), partition: 0, offset: 0 }),
    ).rejects.toMatchObject({
      code: 'SLUICE_KAFKA_UNKNOWN_TOPIC_OR_PARTITION',
    });
    const topic = await createTopic();
    await expect(client.fetch({ topic, partition: 3, offset: 0 })).rejects.toMatchObject({
      code: 'SLUICE_KAFKA_UNKNOWN_TOPIC_OR_PARTITION',
      partition: 3,
    });
  });

  it('keeps working after a topic it read from is deleted by someone else', async () => {
    const deleted = await createTopic();
    await producer.send({ topic: deleted, messages: [{ value: 'gone soon' }] });
    expect((await client.fetch({ topic: deleted, partition: 0, offset: 0 })).records).toHaveLength(1);
    await admin.deleteTopics({ topics: [deleted] });

    const other = await createTopic();
    // kafkajs's own producer has the same flaw (it never forgets a topic it sent to): use a fresh one.
    const fresh = kafka.producer({ allowAutoTopicCreation: false });
    await fresh.connect();
    try {
      await fresh.send({ topic: other, messages: [{ value: 'still readable' }] });
    } finally {
      await fresh.disconnect();
    }
    const result = await client.fetch({ topic: other, partition: 0, offset: 0 });
    expect(result.records.map((r) => text(r.value))).toEqual(['still readable']);
  });

  it('skips records of aborted transactions and transaction markers', async () => {
    const topic = await createTopic();
    const transactional = kafka.producer({
      transactionalId: uniqueName('txn'),
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await transactional.connect();
    try {
      const aborted = await transactional.transaction();
      await aborted.send({ topic, messages: [{ value: 'aborted-1' }, { value: 'aborted-2' }] });
      await aborted.abort();
      const committed = await transactional.transaction();
      await committed.send({ topic, messages: [{ value: 'committed' }] });
      await committed.commit();
    } finally {
      await transactional.disconnect();
    }
    // Offsets: 0-1 aborted records, 2 abort marker, 3 committed record, 4 commit marker.
    const result = await client.fetch({ topic, partition: 0, offset: 0 });
    expect(result.records.map((r) => [r.offset, text(r.value)])).toEqual([[3, 'committed']]);
    expect(result.highWatermark).toBe(5);
    // maxBytes 1 gets one record batch per response: the aborted one alone, then the abort marker alone.
    // fetch reads on past them instead of handing back empty results while committed records follow.
    const batchByBatch = await client.fetch({ topic, partition: 0, offset: 0, maxBytes: 1 });
    expect(batchByBatch.records.map((r) => r.offset)).toEqual([3]);
    const fromMarker = await client.fetch({ topic, partition: 0, offset: 2 });
    expect(fromMarker.records.map((r) => r.offset)).toEqual([3]);
    const atLastMarker = await client.fetch({ topic, partition: 0, offset: 4, maxWaitMs: 100 });
    expect(atLastMarker.records).toEqual([]);
  });

  it('rejects a malformed request before sending it', async () => {
    await expect(client.fetch({ topic: '', partition: -1, offset: 1.5 })).rejects.toMatchObject({
      code: 'SLUICE_KAFKA_INVALID_FETCH',
      message:
        'invalid fetch: topic must be a non-empty string; partition must be an integer >= 0; offset must be an integer >= 0',
    });
  });
});

describe('BrokerClient.disconnect', () => {
  it('waits a little for the answer of a long poll in flight, or not at all when told to abandon it', async () => {
    const topic = await createTopic();
    // Which comes first: the disconnect, or a timer set just before it (timers fire in order of their due time).
    const race = async (abandonInFlight: boolean): Promise<'disconnect' | 'timer'> => {
      const reader = new BrokerClient(kafka);
      await reader.connect();
      const poll = reader.fetch({ topic, partition: 0, offset: 0, maxWaitMs: 2_000 }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 300)); // the Fetch is at the broker, waiting
      const timer = new Promise<'timer'>((resolve) => setTimeout(() => resolve('timer'), 50));
      const first = await Promise.race([
        reader.disconnect({ abandonInFlight }).then(() => 'disconnect' as const),
        timer,
      ]);
      await poll;
      return first;
    };
    expect(await race(false)).toBe('timer');
    expect(await race(true)).toBe('disconnect');
  });
});

describe('BrokerClient.fetchPartitions', () => {
  it('reads several partitions in one call and steps past transaction markers and aborted records', async () => {
    const topic = uniqueName('broker-client-multi');
    await admin.createTopics({
      topics: [{ topic, numPartitions: 2, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    const transactional = kafka.producer({
      transactionalId: uniqueName('txn'),
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await transactional.connect();
    try {
      const aborted = await transactional.transaction();
      await aborted.send({ topic, messages: [{ value: 'aborted', partition: 0 }] });
      await aborted.abort();
      const committed = await transactional.transaction();
      await committed.send({ topic, messages: [{ value: 'committed', partition: 0 }] });
      await committed.commit();
    } finally {
      await transactional.disconnect();
    }
    // The shared producer still knows a topic an earlier test deleted (see there): use a fresh one.
    const plain = kafka.producer({ allowAutoTopicCreation: false });
    await plain.connect();
    try {
      await plain.send({ topic, messages: [{ value: 'plain', partition: 1 }] });
    } finally {
      await plain.disconnect();
    }
    // Partition 0: 0 aborted record, 1 abort marker, 2 committed record, 3 commit marker.
    const results = await client.fetchPartitions({
      topic,
      partitions: [
        { partition: 0, offset: 0 },
        { partition: 1, offset: 0 },
      ],
    });
    expect(
      results.map((r) => [r.partition, r.records.map((x) => [x.offset, text(x.value)]), r.nextOffset]).sort(),
    ).toEqual([
      [0, [[2, 'committed']], 4],
      [1, [[0, 'plain']], 1],
    ]);
    // From the last marker on there is nothing to read, and the reader is told to move past it.
    const [atMarker] = await client.fetchPartitions({ topic, partitions: [{ partition: 0, offset: 3 }] });
    expect(atMarker).toMatchObject({ records: [], nextOffset: 4, highWatermark: 4 });
  });
});
