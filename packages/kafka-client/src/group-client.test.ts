import { kafkaBootstrap, uniqueName } from '@sluice/test-kit';
import { describe, expect, it } from 'vitest';
import { GroupErrorCode, GroupRequestError } from './errors.js';
import { KafkaGroupClient, type JoinGroupRequest } from './group-client.js';
import { createKafka } from './kafka.js';

/** Joins as a new member: the first JoinGroup hands out the member id (MEMBER_ID_REQUIRED), the second uses it. */
async function join(client: KafkaGroupClient, request: Omit<JoinGroupRequest, 'memberId'>) {
  const first = await client.joinGroup({ ...request, memberId: '' }).catch((error: unknown) => error);
  if (!(first instanceof GroupRequestError) || first.code !== GroupErrorCode.MEMBER_ID_REQUIRED)
    throw new Error(`expected MEMBER_ID_REQUIRED, got ${String(first)}`);
  return client.joinGroup({ ...request, memberId: first.memberId! });
}

describe('KafkaGroupClient', () => {
  it('disconnects within a second while a JoinGroup it gave up on waits for the rebalance', async () => {
    const groupId = uniqueName('group-client-disconnect');
    const request = {
      groupId,
      sessionTimeoutMs: 30_000,
      rebalanceTimeoutMs: 20_000,
      protocolType: 'test',
      protocols: [{ name: 'p', metadata: new Uint8Array() }],
    };
    const first = new KafkaGroupClient(createKafka({ brokers: kafkaBootstrap(), clientId: `${groupId}-a` }));
    const second = new KafkaGroupClient(createKafka({ brokers: kafkaBootstrap(), clientId: `${groupId}-b` }));
    try {
      const joined = await join(first, request);
      await first.syncGroup({
        groupId,
        generationId: joined.generationId,
        memberId: joined.memberId,
        assignments: [{ memberId: joined.memberId, assignment: new Uint8Array() }],
      });
      // The first member does not rejoin (it would hear of the rebalance at its next heartbeat, which it never
      // sends): the second's JoinGroup waits until the coordinator gives up on it, 20 s from now.
      const pending = join(second, request);
      pending.catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const started = performance.now();
      await second.disconnect();
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      await Promise.all([first.disconnect(), second.disconnect()]);
    }
  }, 60_000);
});
