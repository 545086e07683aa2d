import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { kafkaBootstrap, uniqueName } from '@sluice/test-kit';
import { describeAdminContract } from '../admin.test-suite.js';
import { describeLogContract } from '../contract.test-suite.js';
import { KafkaLog } from './kafka-log.js';

describeLogContract('kafka', () =>
  KafkaLog.open({ brokers: kafkaBootstrap(), clientId: 'sluice-log-contract' }),
);
describeAdminContract('kafka', () =>
  KafkaLog.open({ brokers: kafkaBootstrap(), clientId: 'sluice-admin-contract' }),
);

describe('KafkaLog.ensureTopic', () => {
  it('gives every client that races to create a topic its description', async () => {
    const logs = await Promise.all(
      [1, 2, 3].map(() => KafkaLog.open({ brokers: kafkaBootstrap(), clientId: uniqueName('ensure-race') })),
    );
    try {
      for (let round = 0; round < 8; round++) {
        const name = uniqueName('ensure-race');
        const described = await Promise.all(logs.map((log) => log.ensureTopic({ name, partitions: 3 })));
        expect(described.map((d) => d.partitions)).toEqual([3, 3, 3]);
        await logs[0]!.deleteTopic(name);
      }
    } finally {
      await Promise.all(logs.map((log) => log.close()));
    }
  });
});

describe('KafkaLog.open', () => {
  /** A relay to the broker that counts the connections made through it (each client's first, to its seed). */
  async function countingRelay(): Promise<{ address: string; connections: () => number; close(): void }> {
    const [host, port] = kafkaBootstrap()[0]!.split(':') as [string, string];
    let count = 0;
    const sockets = new Set<Socket>();
    const server = createServer((client) => {
      count++;
      const broker = connect(Number(port), host);
      for (const socket of [client, broker]) {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => sockets.delete(socket));
      }
      client.pipe(broker).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port: relayPort } = server.address() as AddressInfo;
    return {
      address: `127.0.0.1:${relayPort}`,
      connections: () => count,
      close: () => {
        for (const socket of sockets) socket.destroy();
        server.close();
      },
    };
  }

  it('connects one client at open; the producer connects at its first send', async () => {
    const relay = await countingRelay();
    const log = await KafkaLog.open({ brokers: [relay.address], clientId: uniqueName('lazy') });
    try {
      expect(relay.connections()).toBe(1);
      const topic = uniqueName('lazy');
      await log.createTopic({ name: topic, partitions: 1 });
      expect(relay.connections()).toBe(1);
      await log.produce(topic, [{ key: null, value: Buffer.from('a') }]);
      expect(relay.connections()).toBe(2);
      expect((await log.fetch(topic, 0, 0)).records.map((r) => r.value?.toString())).toEqual(['a']);
      await log.deleteTopic(topic);
    } finally {
      await log.close();
      relay.close();
    }
  });
});

describe('KafkaLog.produceDirect', () => {
  it('routes, positions and stores records as produce does, batches over 512 KB split, errors mapped alike', async () => {
    const log = await KafkaLog.open({ brokers: kafkaBootstrap(), clientId: uniqueName('produce-direct') });
    const name = uniqueName('produce-direct');
    try {
      await log.createTopic({ name, partitions: 3 });
      const records = Array.from({ length: 60 }, (_, i) => ({
        key: i % 3 === 0 ? null : i % 3 === 1 ? `key-${i % 7}` : Buffer.from(`bytes-${i % 5}`),
        // Large enough that the records of a partition take more than one batch.
        value: i % 10 === 9 ? null : Buffer.alloc(30_000, i),
        headers: i % 4 === 0 ? [{ key: 'h', value: Buffer.from(String(i)) }] : undefined,
        timestamp: 1_700_000_000_000 + i,
      }));
      const viaKafkajs = await log.produce(name, records);
      const direct = await log.produceDirect(name, records);
      // The same partitions for keyed records (murmur2) and explicit ones; keyless ones stick to one per call.
      records.forEach((record, i) => {
        if (record.key !== null) expect(direct[i]!.partition).toBe(viaKafkajs[i]!.partition);
      });
      const keyless = new Set(direct.filter((_, i) => records[i]!.key === null).map((p) => p.partition));
      expect(keyless.size).toBe(1);
      for (const [index, position] of direct.entries()) {
        const { records: read } = await log.fetch(name, position.partition, position.offset, { maxBytes: 1 });
        const stored = read.find((r) => r.offset === position.offset)!;
        const record = records[index]!;
        expect(stored.value).toEqual(record.value);
        expect(stored.key).toEqual(record.key === null ? null : Buffer.from(record.key));
        expect(stored.timestamp).toBe(record.timestamp);
        expect(stored.headers).toEqual(record.headers ?? []);
      }
      await expect(log.produceDirect(name, [{ value: 'x', partition: 7 }])).rejects.toMatchObject({
        code: 'SLUICE_UNKNOWN_TOPIC_OR_PARTITION',
      });
      await expect(log.produce(name, [{ value: 'x', partition: 7 }])).rejects.toMatchObject({
        code: 'SLUICE_UNKNOWN_TOPIC_OR_PARTITION',
      });
    } finally {
      await log.deleteTopic(name).catch(() => undefined);
      await log.close();
    }
  });
});

describe('KafkaLogReader.close', () => {
  it('returns at once while a poll it gave up on still waits at the broker', async () => {
    const log = await KafkaLog.open({ brokers: kafkaBootstrap(), clientId: uniqueName('reader-close') });
    const topic = uniqueName('reader-close');
    try {
      await log.createTopic({ name: topic, partitions: 1 });
      const reader = await log.openReader();
      const abort = new AbortController();
      // Nothing to read: the broker holds the Fetch for its whole wait, after the poll itself has ended.
      const poll = reader.fetchTopicPartitions([{ topic, partition: 0, offset: 0 }], {
        maxWaitMs: 5_000,
        signal: abort.signal,
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      abort.abort();
      expect(await poll).toEqual([]);
      const started = performance.now();
      await reader.close();
      expect(performance.now() - started).toBeLessThan(1_000);
    } finally {
      await log.deleteTopic(topic).catch(() => undefined);
      await log.close();
    }
  });
});
