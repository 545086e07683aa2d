import { describe, expect, it } from 'vitest';
import { kafkaBootstrap, uniqueName } from '@sluice/test-kit';
import { describeLogContract } from '../contract.test-suite.js';
import { KafkaLog } from './kafka-log.js';

describeLogContract('kafka', () =>
  KafkaLog.open({ brokers: kafkaBootstrap(), clientId: 'sluice-log-contract' }),
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
