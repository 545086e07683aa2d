import { kafkaBootstrap, uniqueName } from '@sluice/test-kit';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchProducer } from './batch-producer.js';
import { BrokerClient } from './broker-client.js';
import { createKafka } from './kafka.js';
import { encodeRecordBatch } from './record-batch.js';

let kafka: Kafka;
let admin: Admin;
let producer: BatchProducer;
let reader: BrokerClient;
const created: string[] = [];

beforeAll(async () => {
  kafka = createKafka({ brokers: kafkaBootstrap() });
  admin = kafka.admin();
  producer = new BatchProducer(kafka, { retryTimeoutMs: 500 });
  reader = new BrokerClient(kafka, { retryTimeoutMs: 1_000 });
  await Promise.all([admin.connect(), producer.connect(), reader.connect()]);
});

afterAll(async () => {
  if (created.length > 0) await admin?.deleteTopics({ topics: created }).catch(() => undefined);
  await Promise.all([producer?.disconnect(), reader?.disconnect(), admin?.disconnect()]);
});

async function createTopic(partitions: number, configs: Record<string, string> = {}): Promise<string> {
  const topic = uniqueName('batch-producer');
  await admin.createTopics({
    topics: [
      {
        topic,
        numPartitions: partitions,
        replicationFactor: 1,
        configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })),
      },
    ],
    waitForLeaders: true,
  });
  created.push(topic);
  return topic;
}

const values = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => Buffer.from(`value-${from + i}`));

describe('BatchProducer.produce', () => {
  it('writes each batch to its partition and answers their base offsets; the records read back as sent', async () => {
    const topic = await createTopic(2);
    const timestamp = 1_700_000_000_000;
    const batch = (from: number, count: number) =>
      encodeRecordBatch(
        values(from, count).map((value, i) => ({
          key: i % 2 === 0 ? Buffer.from(`k${i}`) : null,
          value,
          timestamp: timestamp + i,
          headers: i === 0 ? [{ key: 'h', value: Buffer.from('x') }] : undefined,
        })),
      );
    expect(
      await producer.produce(topic, [
        { partition: 1, batch: batch(0, 3) },
        { partition: 0, batch: batch(10, 5) },
      ]),
    ).toEqual([0, 0]);
    // Offsets go on from where the partitions' last batches ended.
    expect(await producer.produce(topic, [{ partition: 1, batch: batch(3, 2) }])).toEqual([3]);

    const one = await reader.fetch({ topic, partition: 1, offset: 0 });
    expect(one.records.map((r) => [r.offset, r.value?.toString()])).toEqual([
      [0, 'value-0'],
      [1, 'value-1'],
      [2, 'value-2'],
      [3, 'value-3'],
      [4, 'value-4'],
    ]);
    expect(one.records[0]!.key?.toString()).toBe('k0');
    expect(one.records[1]!.key).toBeNull();
    expect(one.records[2]!.timestamp).toBe(timestamp + 2);
    expect(one.records[0]!.headers).toEqual([{ key: 'h', value: Buffer.from('x') }]);
    const zero = await reader.fetch({ topic, partition: 0, offset: 0 });
    expect(zero.records.map((r) => r.value?.toString())).toEqual(values(10, 5).map(String));
  });

  it("throws a broker's refusal as kafkajs's producer does: MESSAGE_TOO_LARGE at once, not retried", async () => {
    const topic = await createTopic(1, { 'max.message.bytes': '1000' });
    const started = Date.now();
    const error = await producer
      .produce(topic, [
        { partition: 0, batch: encodeRecordBatch([{ value: Buffer.alloc(2000), timestamp: 1 }]) },
      ])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'KafkaJSProtocolError',
      type: 'MESSAGE_TOO_LARGE',
      retriable: false,
    });
    expect(Date.now() - started).toBeLessThan(400);
    expect((await reader.fetch({ topic, partition: 0, offset: 0, maxWaitMs: 0 })).highWatermark).toBe(0);
  });

  it('retries a partition nobody leads until its time runs out, then throws why', async () => {
    const topic = await createTopic(1);
    const error = await producer
      .produce(topic, [{ partition: 3, batch: encodeRecordBatch([{ value: null, timestamp: 1 }]) }])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true });
  });

  it('goes on producing to other topics once a topic it produced to is deleted', async () => {
    const gone = await createTopic(1);
    const batch = encodeRecordBatch([{ value: Buffer.from('x'), timestamp: 1 }]);
    expect(await producer.produce(gone, [{ partition: 0, batch }])).toEqual([0]);
    await admin.deleteTopics({ topics: [gone] });
    created.splice(created.indexOf(gone), 1);
    const error = await producer.produce(gone, [{ partition: 0, batch }]).catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION' });
    const other = await createTopic(1);
    expect(await producer.produce(other, [{ partition: 0, batch }])).toEqual([0]);
  });

  it('refuses a partition listed twice, and any produce once disconnected', async () => {
    const topic = await createTopic(1);
    const batch = encodeRecordBatch([{ value: null, timestamp: 1 }]);
    await expect(
      producer.produce(topic, [
        { partition: 0, batch },
        { partition: 0, batch },
      ]),
    ).rejects.toThrow(RangeError);
    const closed = new BatchProducer(kafka);
    await closed.disconnect();
    await expect(closed.produce(topic, [{ partition: 0, batch }])).rejects.toMatchObject({
      code: 'SLUICE_KAFKA_CLIENT_CLOSED',
    });
  });
});
