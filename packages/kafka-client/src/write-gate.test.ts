import { kafkaBootstrap, uniqueName } from '@sluice/test-kit';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from './kafka.js';
import type { WriteGateState } from './write-gate.js';

let kafka: Kafka;
let admin: Admin;
const created: string[] = [];

beforeAll(async () => {
  kafka = createKafka({ brokers: kafkaBootstrap() });
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  if (created.length > 0) await admin?.deleteTopics({ topics: created }).catch(() => undefined);
  await admin?.disconnect();
});

async function createTopic(): Promise<string> {
  const topic = uniqueName('write-gate');
  await admin.createTopics({
    topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  created.push(topic);
  return topic;
}

async function endOffset(topic: string): Promise<number> {
  return Number((await admin.fetchTopicOffsets(topic))[0]!.high);
}

/** A producer of a client whose writes pass a gate the test sets; reads and metadata are not gated. */
async function gatedProducer(): Promise<{
  producer: Producer;
  gated: Kafka;
  set: (state: WriteGateState) => void;
}> {
  let state: WriteGateState = 'open';
  const gated = createKafka({ brokers: kafkaBootstrap(), writeGate: { state: () => state } });
  const producer = gated.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
  await producer.connect();
  return { producer, gated, set: (next) => (state = next) };
}

describe('a client with a write gate', () => {
  it('holds a produce at the socket while the gate holds, lets reads through, and writes it once the gate opens', async () => {
    const topic = await createTopic();
    const { producer, gated, set } = await gatedProducer();
    try {
      await producer.send({ topic, messages: [{ value: 'before' }] });
      expect(await endOffset(topic)).toBe(1);

      set('hold');
      const held = producer.send({ topic, messages: [{ value: 'held' }] });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await endOffset(topic)).toBe(1);
      // Reads of the same client answer meanwhile.
      const reader = gated.admin();
      await reader.connect();
      try {
        expect((await reader.fetchTopicMetadata({ topics: [topic] })).topics[0]!.name).toBe(topic);
      } finally {
        await reader.disconnect();
      }

      set('open');
      expect((await held)[0]!.baseOffset).toBe('1');
      expect(await endOffset(topic)).toBe(2);
    } finally {
      await producer.disconnect();
    }
  });

  it('refuses a produce that reaches the socket once the gate is closed, and writes none of it', async () => {
    const topic = await createTopic();
    const { producer, set } = await gatedProducer();
    try {
      await producer.send({ topic, messages: [{ value: 'before' }] });
      set('hold');
      const held = producer.send({ topic, messages: [{ value: 'held' }] });
      await new Promise((resolve) => setTimeout(resolve, 200));
      set('closed');
      await expect(held).rejects.toThrow(/refused/);
      await expect(producer.send({ topic, messages: [{ value: 'later' }] })).rejects.toThrow(/refused/);
      expect(await endOffset(topic)).toBe(1);
    } finally {
      await producer.disconnect();
    }
  });
});
