// The contract on the shared Kafka broker: members in this process, and the member that freezes in a process
// of its own (test/fixtures/group-member-worker.ts), stopped with SIGSTOP as a stalled worker would be.
import { createKafka } from '@sluice/kafka-client';
import { kafkaBootstrap, runTypeScript } from '@sluice/test-kit';
import type { TypeScriptChild } from '@sluice/test-kit';
import { describeGroupMemberContract } from './contract.test-suite.js';
import type { ContractEvent, GroupTiming } from './contract.test-suite.js';
import { KafkaGroupMember } from './kafka-group-member.js';

const KINDS = new Set(['assigned', 'revoked', 'lease', 'failed', 'stopped']);

describeGroupMemberContract('kafka', () => {
  const brokers = kafkaBootstrap();
  const timing: GroupTiming = {
    sessionTimeoutMs: 6_000,
    heartbeatIntervalMs: 1_000,
    rebalanceTimeoutMs: 30_000,
  };
  const children: TypeScriptChild[] = [];
  return {
    timing,
    member: (options) =>
      new KafkaGroupMember({ ...options, kafka: createKafka({ brokers, clientId: 'sluice-contract' }) }),
    freezable(groupId, url) {
      const child = runTypeScript('test/fixtures/group-member-worker.ts', [
        groupId,
        url,
        String(timing.sessionTimeoutMs),
        String(timing.heartbeatIntervalMs),
        String(timing.rebalanceTimeoutMs),
      ]);
      children.push(child);
      return {
        freezesProcess: true,
        events: () =>
          child.lines
            .map((line) => JSON.parse(line) as ContractEvent)
            .filter((line) => KINDS.has(line.event)),
        freeze: () => child.process.kill('SIGSTOP'),
        thaw: () => child.process.kill('SIGCONT'),
      };
    },
    async cleanup() {
      for (const child of children.splice(0)) {
        if (child.process.exitCode === null && child.process.signalCode === null) {
          child.process.kill('SIGKILL'); // also ends a process stopped with SIGSTOP
          await child.exited;
        }
      }
    },
  };
});
