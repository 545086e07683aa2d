import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { BrokerClient } from './broker-client.js';

/** A record as kafkajs's decoder hands it out, alone in its batch unless `batch` says otherwise. */
function message(
  offset: number,
  value: string,
  batch: { first: number; lastDelta: number } = { first: offset, lastDelta: 0 },
) {
  return {
    offset: String(offset),
    timestamp: '1',
    key: null,
    value: Buffer.from(value),
    headers: {},
    isControlRecord: false,
    batchContext: {
      firstOffset: String(batch.first),
      lastOffsetDelta: batch.lastDelta,
      producerId: '-1',
      inTransaction: false,
    },
  };
}

interface PartitionAnswer {
  highWatermark: number;
  messages: ReturnType<typeof message>[];
}

type Answer = (partitions: number[]) => Promise<Map<number, PartitionAnswer>>;

/**
 * A kafkajs instance whose private cluster is a fake: partition p is led by broker `leaders[p]`, and each
 * broker answers a Fetch with what `answer` gives. Every Fetch is recorded as [broker, partitions].
 */
function fakeKafka(leaders: number[], answers: Record<number, Answer>) {
  const fetches: Array<[number, number[]]> = [];
  const broker = (nodeId: number) => ({
    nodeId,
    fetch: async (request: {
      topics: Array<{ topic: string; partitions: Array<{ partition: number }> }>;
    }) => {
      const topic = request.topics[0]!;
      const partitions = topic.partitions.map((p) => p.partition).sort();
      fetches.push([nodeId, partitions]);
      const answered = await answers[nodeId]!(partitions);
      return {
        responses: [
          {
            topicName: topic.topic,
            partitions: partitions.map((partition) => {
              const { highWatermark, messages } = answered.get(partition) ?? {
                highWatermark: 0,
                messages: [],
              };
              return {
                partition,
                errorCode: 0,
                highWatermark: String(highWatermark),
                lastStableOffset: String(highWatermark),
                lastStartOffset: '0',
                abortedTransactions: [],
                messages,
              };
            }),
          },
        ],
      };
    },
    joinGroup: () => Promise.reject(new Error('unused')),
    syncGroup: () => Promise.reject(new Error('unused')),
    heartbeat: () => Promise.reject(new Error('unused')),
    leaveGroup: () => Promise.reject(new Error('unused')),
    offsetCommit: () => Promise.reject(new Error('unused')),
  });
  const brokers = new Map([...new Set(leaders)].map((id) => [id, broker(id)]));
  const cluster = {
    targetTopics: new Set<string>(),
    metadata: () => Promise.resolve({ topicMetadata: [] }),
    connect: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    refreshMetadata: () => Promise.resolve(),
    addTargetTopic: () => Promise.resolve(),
    findTopicPartitionMetadata: () => leaders.map((leader, partitionId) => ({ partitionId, leader })),
    findBroker: ({ nodeId }: { nodeId: number }) => Promise.resolve(brokers.get(nodeId)),
    findGroupCoordinator: () => Promise.resolve(brokers.get(leaders[0]!)),
  };
  const kafka = { [Symbol('private:Kafka:createCluster')]: () => cluster } as unknown as Kafka;
  return { kafka, fetches };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const positions = (...offsets: number[]) => offsets.map((offset, partition) => ({ partition, offset }));
const values = (results: Array<{ partition: number; records: Array<{ value: Buffer | null }> }>) =>
  results.map((r) => [r.partition, r.records.map((x) => x.value?.toString())]);

describe('BrokerClient.fetchPartitions', () => {
  it('sends one Fetch per leader and answers with the first leader that answers', async () => {
    const slow = deferred<Map<number, PartitionAnswer>>();
    let asked = 0;
    const { kafka, fetches } = fakeKafka([1, 2, 1], {
      // Broker 1 answers its first request at once and then has nothing new (a long poll that goes on).
      1: () =>
        asked++ === 0
          ? Promise.resolve(new Map([[0, { highWatermark: 1, messages: [message(0, 'a')] }]]))
          : new Promise(() => undefined),
      2: () => slow.promise,
    });
    const client = new BrokerClient(kafka);

    const first = await client.fetchPartitions({ topic: 't', partitions: positions(0, 0, 0) });
    expect(values(first)).toEqual([
      [0, ['a']],
      [2, []],
    ]);
    expect(first.find((r) => r.partition === 0)?.nextOffset).toBe(1);
    expect(fetches).toEqual([
      [1, [0, 2]],
      [2, [1]],
    ]);

    // Broker 2 still owes its answer: asking again for partition 1 at the same offset waits for it rather
    // than queueing a second request behind it; broker 1 gets a new request from the new offsets.
    const second = client.fetchPartitions({ topic: 't', partitions: positions(1, 0, 0) });
    await new Promise((resolve) => setTimeout(resolve, 20));
    slow.resolve(new Map([[1, { highWatermark: 1, messages: [message(0, 'b')] }]]));
    expect(values(await second)).toEqual([[1, ['b']]]);
    expect(fetches.filter(([broker]) => broker === 2)).toHaveLength(1);
    expect(fetches[2]).toEqual([1, [0, 2]]);
  });

  it('steps past the rest of a record batch whose tail compaction removed', async () => {
    const { kafka } = fakeKafka([1], {
      // Offsets 5 and 6 of batch 4-6 were compacted away; the batch still ends at 6.
      1: () =>
        Promise.resolve(
          new Map([[0, { highWatermark: 9, messages: [message(4, 'x', { first: 4, lastDelta: 2 })] }]]),
        ),
    });
    const [result] = await new BrokerClient(kafka).fetchPartitions({ topic: 't', partitions: positions(4) });
    expect(result).toMatchObject({ partition: 0, nextOffset: 7 });
  });

  it('asks a partition again alone when it came back empty although records lie ahead', async () => {
    let calls = 0;
    const { kafka, fetches } = fakeKafka([1, 1], {
      1: (partitions) => {
        calls++;
        // The first, shared answer ran out of room before partition 1; alone, it gets its records.
        if (calls === 1)
          return Promise.resolve(
            new Map([
              [0, { highWatermark: 1, messages: [message(0, 'a')] }],
              [1, { highWatermark: 3, messages: [] }],
            ]),
          );
        expect(partitions).toEqual([1]);
        return Promise.resolve(
          new Map([[1, { highWatermark: 3, messages: [message(0, 'b'), message(1, 'c')] }]]),
        );
      },
    });
    const results = await new BrokerClient(kafka).fetchPartitions({
      topic: 't',
      partitions: positions(0, 0),
    });
    expect(values(results)).toEqual([
      [0, ['a']],
      [1, ['b', 'c']],
    ]);
    expect(results[1]!.nextOffset).toBe(2);
    expect(fetches).toEqual([
      [1, [0, 1]],
      [1, [1]],
    ]);
  });

  it('rejects a malformed request before sending it', async () => {
    const { kafka, fetches } = fakeKafka([1], { 1: () => Promise.resolve(new Map()) });
    await expect(
      new BrokerClient(kafka).fetchPartitions({
        topic: 't',
        partitions: [
          { partition: 0, offset: 0 },
          { partition: 0, offset: -1 },
        ],
      }),
    ).rejects.toMatchObject({
      code: 'SLUICE_KAFKA_INVALID_FETCH',
      message: 'invalid fetch: partition 0 is listed twice; offset must be an integer >= 0',
    });
    expect(fetches).toEqual([]);
  });
});

type TopicAnswer = (keys: string[]) => Promise<Map<string, PartitionAnswer>>;

/**
 * As `fakeKafka`, over several topics: `leaders[topic][p]` leads partition p of the topic, and each Fetch
 * is recorded as [broker, ['topic/partition', …]]; `answers` gets and keys its answers the same way.
 */
function fakeTopicsKafka(leaders: Record<string, number[]>, answers: Record<number, TopicAnswer>) {
  const fetches: Array<[number, string[]]> = [];
  const broker = (nodeId: number) => ({
    nodeId,
    fetch: async (request: {
      topics: Array<{ topic: string; partitions: Array<{ partition: number }> }>;
    }) => {
      const keys = request.topics.flatMap((t) => t.partitions.map((p) => `${t.topic}/${p.partition}`));
      fetches.push([nodeId, keys]);
      const answered = await answers[nodeId]!(keys);
      return {
        responses: request.topics.map((t) => ({
          topicName: t.topic,
          partitions: t.partitions.map(({ partition }) => {
            const { highWatermark, messages } = answered.get(`${t.topic}/${partition}`) ?? {
              highWatermark: 0,
              messages: [],
            };
            return {
              partition,
              errorCode: 0,
              highWatermark: String(highWatermark),
              lastStableOffset: String(highWatermark),
              lastStartOffset: '0',
              abortedTransactions: [],
              messages,
            };
          }),
        })),
      };
    },
    joinGroup: () => Promise.reject(new Error('unused')),
    syncGroup: () => Promise.reject(new Error('unused')),
    heartbeat: () => Promise.reject(new Error('unused')),
    leaveGroup: () => Promise.reject(new Error('unused')),
    offsetCommit: () => Promise.reject(new Error('unused')),
  });
  const brokers = new Map([...new Set(Object.values(leaders).flat())].map((id) => [id, broker(id)] as const));
  const cluster = {
    targetTopics: new Set<string>(),
    metadata: () => Promise.resolve({ topicMetadata: [] }),
    connect: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    refreshMetadata: () => Promise.resolve(),
    addTargetTopic: () => Promise.resolve(),
    findTopicPartitionMetadata: (topic: string) =>
      (leaders[topic] ?? []).map((leader, partitionId) => ({ partitionId, leader })),
    findBroker: ({ nodeId }: { nodeId: number }) => Promise.resolve(brokers.get(nodeId)),
    findGroupCoordinator: () => Promise.reject(new Error('unused')),
  };
  const kafka = { [Symbol('private:Kafka:createCluster')]: () => cluster } as unknown as Kafka;
  return { kafka, fetches };
}

const where = (
  results: Array<{ topic: string; partition: number; records: Array<{ value: Buffer | null }> }>,
) => results.map((r) => [`${r.topic}/${r.partition}`, r.records.map((x) => x.value?.toString())]);

describe('BrokerClient.fetchTopicPartitions', () => {
  it('asks each leader once for its partitions of every topic, in one Fetch', async () => {
    const { kafka, fetches } = fakeTopicsKafka(
      { a: [1, 2], b: [2, 1] },
      {
        1: () => Promise.resolve(new Map([['b/1', { highWatermark: 1, messages: [message(0, 'b1')] }]])),
        2: () => new Promise(() => undefined),
      },
    );
    const results = await new BrokerClient(kafka).fetchTopicPartitions({
      partitions: [
        { topic: 'a', partition: 0, offset: 0 },
        { topic: 'a', partition: 1, offset: 0 },
        { topic: 'b', partition: 0, offset: 0 },
        { topic: 'b', partition: 1, offset: 0 },
      ],
      maxWaitMs: 500,
    });
    expect(where(results)).toEqual([
      ['a/0', []],
      ['b/1', ['b1']],
    ]);
    expect(fetches).toEqual([
      [1, ['a/0', 'b/1']],
      [2, ['a/1', 'b/0']],
    ]);
  });

  it('ends early when its signal aborts, and the next call takes the answer still owed', async () => {
    const owed = deferred<Map<string, PartitionAnswer>>();
    const { kafka, fetches } = fakeTopicsKafka({ a: [1], b: [1] }, { 1: () => owed.promise });
    const client = new BrokerClient(kafka);
    const request = {
      partitions: [
        { topic: 'a', partition: 0, offset: 3 },
        { topic: 'b', partition: 0, offset: 0 },
      ],
      maxWaitMs: 10_000,
    };
    const abort = new AbortController();
    const started = Date.now();
    const first = client.fetchTopicPartitions({ ...request, signal: abort.signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    abort.abort();
    expect(await first).toEqual([]);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await client.fetchTopicPartitions({ ...request, signal: abort.signal })).toEqual([]);

    const second = client.fetchTopicPartitions(request);
    owed.resolve(new Map([['a/0', { highWatermark: 4, messages: [message(3, 'a3')] }]]));
    expect(where(await second)).toEqual([
      ['a/0', ['a3']],
      ['b/0', []],
    ]);
    expect(fetches).toHaveLength(1);
  });

  it('names the topic and partition of a duplicate', async () => {
    const { kafka } = fakeTopicsKafka({ a: [1] }, { 1: () => Promise.resolve(new Map()) });
    await expect(
      new BrokerClient(kafka).fetchTopicPartitions({
        partitions: [
          { topic: 'a', partition: 0, offset: 0 },
          { topic: 'b', partition: 0, offset: 0 },
          { topic: 'a', partition: 0, offset: 1 },
        ],
      }),
    ).rejects.toMatchObject({ message: 'invalid fetch: a-0 is listed twice' });
  });
});
