import { SluiceError } from '@sluice/errors';
import {
  InMemoryGroupCoordinator,
  KafkaGroupMember,
  type GroupStateName,
  type KafkaGroupMemberOptions,
} from '@sluice/coordinator';
import { createKafka, KafkaGroupClient } from '@sluice/kafka-client';
import type { AdminLog, GroupInfo, GroupListing, GroupOffset } from '@sluice/log';
import type { ConsumerAssignment, ConsumerSubscription } from '@sluice/protocol';

export type ConsumerMember = KafkaGroupMember<ConsumerSubscription, ConsumerAssignment>;
export type ConsumerMemberOptions = Omit<
  KafkaGroupMemberOptions<ConsumerSubscription, ConsumerAssignment>,
  'kafka' | 'client'
>;

/** A generation of a group as one member sees it: what it commits with. */
export interface MemberGeneration {
  generationId: number;
  memberId: string;
}

/**
 * Where the consumer groups of the proxy's consumer instances live. On Kafka they are the broker's groups;
 * the embedded store has no group coordinator, so each proxy runs Kafka's classic group protocol in its own
 * process (`InMemoryGroupCoordinator`), and the store keeps the committed offsets.
 */
export interface GroupCoordination {
  /** A member of a consumer group for one consumer instance, with a connection of its own. */
  member(options: ConsumerMemberOptions, clientId: string): ConsumerMember;
  /**
   * Commits offsets: as a member of `generation` (the coordinator refuses a member that is no longer in it),
   * or, for an instance with manual assignments, as a client outside the group (generation -1).
   */
  commit(
    groupId: string,
    generation: MemberGeneration | undefined,
    offsets: readonly GroupOffset[],
  ): Promise<void>;
  listGroups(): Promise<GroupListing[]>;
  describeGroups(groupIds: readonly string[]): Promise<GroupInfo[]>;
  close(): Promise<void>;
}

/** A commit the group coordinator refused: the member is not (or no longer) in the generation it gave. */
export class CommitFailedError extends SluiceError {
  constructor(message: string, cause?: unknown) {
    super('SLUICE_COMMIT_FAILED', message, { cause });
  }
}

const COMMIT_FAILED =
  'Commit cannot be completed since the group has already rebalanced and assigned the partitions to another ' +
  'member; the consumer instance rejoins, read its records again to get a new assignment';

/** Consumer groups on the Kafka cluster's own coordinators. */
export class KafkaGroupCoordination implements GroupCoordination {
  readonly #brokers: string[];
  readonly #log: AdminLog;
  /** Commits are quick: one connection of their own, so none waits behind a member's JoinGroup. */
  readonly #commits: KafkaGroupClient;

  constructor(brokers: string[], clientId: string, log: AdminLog) {
    this.#brokers = brokers;
    this.#log = log;
    this.#commits = new KafkaGroupClient(createKafka({ brokers, clientId: `${clientId}-commits` }));
  }

  member(options: ConsumerMemberOptions, clientId: string): ConsumerMember {
    return new KafkaGroupMember({ ...options, kafka: createKafka({ brokers: this.#brokers, clientId }) });
  }

  async commit(
    groupId: string,
    generation: MemberGeneration | undefined,
    offsets: readonly GroupOffset[],
  ): Promise<void> {
    if (offsets.length === 0) return;
    if (generation === undefined) return this.#log.commitGroupOffsets(groupId, offsets);
    try {
      await this.#commits.commitOffsets({
        groupId,
        generationId: generation.generationId,
        memberId: generation.memberId,
        offsets,
      });
    } catch (error) {
      const name = (error as { code?: unknown }).code;
      if (
        typeof name === 'string' &&
        /ILLEGAL_GENERATION|UNKNOWN_MEMBER_ID|REBALANCE_IN_PROGRESS|FENCED/.test(name)
      ) {
        throw new CommitFailedError(COMMIT_FAILED, error);
      }
      throw error;
    }
  }

  listGroups(): Promise<GroupListing[]> {
    return this.#log.listGroups();
  }

  describeGroups(groupIds: readonly string[]): Promise<GroupInfo[]> {
    return this.#log.describeGroups(groupIds);
  }

  async close(): Promise<void> {
    await this.#commits.disconnect();
  }
}

const STATE_NAMES: Readonly<Record<GroupStateName, GroupInfo['state']>> = {
  Empty: 'Empty',
  PreparingRebalance: 'PreparingRebalance',
  CompletingRebalance: 'CompletingRebalance',
  Stable: 'Stable',
  Dead: 'Dead',
};

/**
 * Consumer groups of a proxy on the embedded store: Kafka's classic group protocol in this process (the
 * store is one process's, so no other proxy can take part), offsets committed to the store once the
 * coordinator confirms the member's generation.
 */
export class InProcessGroupCoordination implements GroupCoordination {
  readonly #coordinator = new InMemoryGroupCoordinator({ initialRebalanceDelayMs: 0 });
  readonly #log: AdminLog;
  /** Groups joined through this coordinator, to list them. */
  readonly #groups = new Set<string>();

  constructor(log: AdminLog) {
    this.#log = log;
  }

  member(options: ConsumerMemberOptions, clientId: string): ConsumerMember {
    this.#groups.add(options.groupId);
    return this.#coordinator.member(options, { clientId });
  }

  async commit(
    groupId: string,
    generation: MemberGeneration | undefined,
    offsets: readonly GroupOffset[],
  ): Promise<void> {
    if (offsets.length === 0) return;
    if (generation !== undefined) {
      const group = this.#coordinator.describeGroup(groupId);
      const member = group?.members.some((m) => m.memberId === generation.memberId) === true;
      if (group === undefined || !member || group.generationId !== generation.generationId) {
        throw new CommitFailedError(COMMIT_FAILED);
      }
      // As Kafka's coordinator: a member of the generation may commit while the next one is being prepared.
      if (group.state === 'CompletingRebalance') throw new CommitFailedError(COMMIT_FAILED);
    } else {
      const group = this.#coordinator.describeGroup(groupId);
      if (group !== undefined && group.members.length > 0) {
        throw new CommitFailedError(
          `group ${groupId} has active members: a consumer instance with manual assignments cannot commit for it`,
        );
      }
    }
    await this.#log.commitGroupOffsets(groupId, offsets);
  }

  /** Groups with members here, and those the store has offsets of. */
  async listGroups(): Promise<GroupListing[]> {
    const stored = await this.#log.listGroups();
    const listed = new Map(stored.map((group) => [group.groupId, group]));
    for (const groupId of this.#groups) {
      const group = this.#coordinator.describeGroup(groupId);
      if (group === undefined || group.state === 'Dead') continue;
      if (group.state === 'Empty' && !listed.has(groupId)) continue;
      listed.set(groupId, { groupId, protocolType: group.protocolType ?? 'consumer' });
    }
    return [...listed.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  async describeGroups(groupIds: readonly string[]): Promise<GroupInfo[]> {
    const stored = await this.#log.describeGroups(groupIds);
    return stored.map((info) => {
      const group = this.#coordinator.describeGroup(info.groupId);
      if (group === undefined || group.state === 'Dead' || group.state === 'Empty') return info;
      return {
        groupId: info.groupId,
        state: STATE_NAMES[group.state],
        protocolType: group.protocolType ?? '',
        protocol: group.protocol ?? '',
        coordinatorId: 0,
        members: group.members.map((member) => ({
          memberId: member.memberId,
          groupInstanceId: member.groupInstanceId ?? null,
          // The coordinator makes member ids as a broker does: `<client id>-<uuid>`.
          clientId: member.memberId.replace(
            /-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
            '',
          ),
          clientHost: '/127.0.0.1',
          metadata: new Uint8Array(),
          assignment: member.assignment,
        })),
      };
    });
  }

  close(): Promise<void> {
    this.#coordinator.close();
    return Promise.resolve();
  }
}
