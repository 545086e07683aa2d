import type { GroupCoordinatorClient } from '@sluice/kafka-client';
import { contractMemberOptions, describeGroupMemberContract, recordClosed } from './contract.test-suite.js';
import type { ContractEvent, GroupTiming } from './contract.test-suite.js';
import type { GroupMember } from './group-member.js';
import { InMemoryGroupCoordinator } from './in-memory-group-coordinator.js';
import { KafkaGroupMember } from './kafka-group-member.js';

/**
 * A client whose requests wait while `blocked()` returns a promise: the coordinator hears nothing from the
 * member, as if the network between them were cut, until the promise resolves.
 */
function gated(
  client: GroupCoordinatorClient,
  blocked: () => Promise<void> | undefined,
): GroupCoordinatorClient {
  const pass = async <T>(send: () => Promise<T>): Promise<T> => {
    await blocked();
    return send();
  };
  return {
    connect: () => client.connect(),
    disconnect: () => client.disconnect(),
    joinGroup: (request) => pass(() => client.joinGroup(request)),
    syncGroup: (request) => pass(() => client.syncGroup(request)),
    heartbeat: (request) => pass(() => client.heartbeat(request)),
    leaveGroup: (request) => pass(() => client.leaveGroup(request)),
    commitOffsets: (request) => pass(() => client.commitOffsets(request)),
  };
}

describeGroupMemberContract('in memory', () => {
  const coordinator = new InMemoryGroupCoordinator();
  // Shorter than Kafka's defaults so the suite runs in seconds; still a safe margin for timers on a busy machine.
  const timing: GroupTiming = {
    sessionTimeoutMs: 3_000,
    heartbeatIntervalMs: 500,
    rebalanceTimeoutMs: 15_000,
  };
  const freezables: Array<{ member: GroupMember; thaw: () => void }> = [];
  return {
    timing,
    member: (options) => coordinator.member(options),
    freezable(groupId, url) {
      const events: ContractEvent[] = [];
      let gate: { promise: Promise<void>; open: () => void } | undefined;
      const emit = (event: ContractEvent) => events.push(event);
      const member = new KafkaGroupMember({
        ...contractMemberOptions(groupId, url, timing, emit),
        client: gated(coordinator.client(), () => gate?.promise),
      });
      recordClosed(member, emit);
      const thaw = () => {
        gate?.open();
        gate = undefined;
      };
      freezables.push({ member, thaw });
      member.start();
      return {
        freezesProcess: false,
        events: () => events,
        freeze() {
          let open!: () => void;
          const promise = new Promise<void>((resolve) => (open = resolve));
          gate = { promise, open };
        },
        thaw,
      };
    },
    async cleanup() {
      for (const { thaw } of freezables) thaw();
      await Promise.all(freezables.splice(0).map(({ member }) => member.stop()));
      coordinator.close();
    },
  };
});
