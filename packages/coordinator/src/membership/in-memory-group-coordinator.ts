import { randomUUID } from 'node:crypto';
import { ConfigError, SluiceError } from '@sluice/errors';
import { GroupErrorCode, GroupRequestError, groupRequestError } from '@sluice/kafka-client';
import type {
  CommitOffsetsRequest,
  GroupCoordinatorClient,
  GroupRequestName,
  HeartbeatRequest,
  JoinGroupRequest,
  JoinGroupResult,
  LeaveGroupRequest,
  SyncGroupRequest,
} from '@sluice/kafka-client';
import { KafkaGroupMember } from './kafka-group-member.js';
import type { KafkaGroupMemberOptions } from './options.js';

/** The coordinator's timers (sessions, join and sync phases); tests may drive them by hand. */
export interface GroupClock {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: GroupClock = {
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    // A coordinator left open must not keep a process alive.
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface InMemoryGroupCoordinatorOptions {
  /**
   * How long the first rebalance of an empty group waits for more members (`group.initial.rebalance.delay.ms`),
   * extended while members keep arriving, up to the rebalance timeout.
   * @default 0 (Kafka's broker default is 3000)
   */
  initialRebalanceDelayMs?: number;
  /** Shortest session timeout a member may ask for (`group.min.session.timeout.ms`). @default 1 (Kafka: 6000) */
  minSessionTimeoutMs?: number;
  /** Longest session timeout a member may ask for (`group.max.session.timeout.ms`). @default 1800000 */
  maxSessionTimeoutMs?: number;
  /** Most members a group may have (`group.max.size`). @default unlimited */
  groupMaxSize?: number;
  /** How long a new member's first JoinGroup may wait for a join phase to end (Kafka's 5 minutes). @default 300000 */
  newMemberJoinTimeoutMs?: number;
  /** @default Node's timers */
  clock?: GroupClock;
}

/** What `describeGroup` shows, as Kafka's DescribeGroups does. */
export interface GroupDescription {
  state: GroupStateName;
  generationId: number;
  protocolType: string | undefined;
  /** The protocol of the current generation. */
  protocol: string | undefined;
  leaderId: string | undefined;
  members: Array<{ memberId: string; groupInstanceId: string | undefined; assignment: Uint8Array }>;
}

export type GroupStateName = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

/** The coordinator's answer to one request. */
interface Reply<T> {
  readonly promise: Promise<T>;
  readonly settled: boolean;
  resolve(value: T): void;
  reject(error: Error): void;
}

function reply<T>(): Reply<T> {
  let settled = false;
  let resolvePromise!: (value: T) => void;
  let rejectPromise!: (error: Error) => void;
  const promise = new Promise<T>((resolve, reject) => {
    resolvePromise = resolve;
    rejectPromise = reject;
  });
  return {
    promise,
    get settled() {
      return settled;
    },
    resolve(value) {
      if (settled) return;
      settled = true;
      resolvePromise(value);
    },
    reject(error) {
      if (settled) return;
      settled = true;
      rejectPromise(error);
    },
  };
}

type Protocols = ReadonlyArray<{ name: string; metadata: Uint8Array }>;

class Member {
  memberId: string;
  readonly groupInstanceId: string | undefined;
  readonly protocolType: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocols: Protocols;
  assignment: Uint8Array = new Uint8Array();
  awaitingJoin: Reply<JoinGroupResult> | undefined;
  awaitingSync: Reply<Uint8Array> | undefined;
  /** Joined but not yet in a generation: may be expired even while it awaits the join. */
  isNew = false;
  expiration: unknown;

  constructor(
    memberId: string,
    groupInstanceId: string | undefined,
    request: {
      protocolType: string;
      rebalanceTimeoutMs: number;
      sessionTimeoutMs: number;
      protocols: Protocols;
    },
  ) {
    this.memberId = memberId;
    this.groupInstanceId = groupInstanceId;
    this.protocolType = request.protocolType;
    this.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    this.sessionTimeoutMs = request.sessionTimeoutMs;
    this.protocols = request.protocols;
  }

  /** Kafka's `hasSatisfiedHeartbeat` (formerly `shouldKeepAlive`): members awaiting a join or sync are kept. */
  get keptAlive(): boolean {
    return !this.isNew && (this.awaitingJoin !== undefined || this.awaitingSync !== undefined);
  }

  metadata(protocol: string): Uint8Array {
    const found = this.protocols.find((item) => item.name === protocol);
    if (found === undefined) throw new Error(`member ${this.memberId} does not support protocol ${protocol}`);
    return found.metadata;
  }

  matches(protocols: Protocols): boolean {
    return (
      protocols.length === this.protocols.length &&
      protocols.every(
        (item, i) =>
          item.name === this.protocols[i]!.name &&
          Buffer.compare(Buffer.from(item.metadata), Buffer.from(this.protocols[i]!.metadata)) === 0,
      )
    );
  }

  /** This member's preferred protocol among `candidates`. */
  vote(candidates: ReadonlySet<string>): string {
    const found = this.protocols.find((item) => candidates.has(item.name));
    if (found === undefined)
      throw new Error(`member ${this.memberId} supports none of the candidate protocols`);
    return found.name;
  }
}

class Group {
  readonly groupId: string;
  state: GroupStateName = 'Empty';
  generationId = 0;
  protocolType: string | undefined;
  protocolName: string | undefined;
  leaderId: string | undefined;
  /** In join order: Kafka hands leadership to the first member. */
  readonly members = new Map<string, Member>();
  /** group.instance.id → member id. */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out by MEMBER_ID_REQUIRED, not joined yet, with their expiration timers. */
  readonly pendingMembers = new Map<string, unknown>();
  /** Members of the current generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  joinTimer: unknown;
  /** `initial`: the first rebalance of an empty group, which waits its delay even when everyone joined. */
  joinKind: 'initial' | 'delayed' = 'delayed';
  syncTimer: unknown;
  /** A member joined during the initial delay: it is extended once more. */
  newMemberAdded = false;
  readonly offsets = new Map<string, { topic: string; partition: number; offset: number }>();

  constructor(groupId: string) {
    this.groupId = groupId;
  }

  is(state: GroupStateName): boolean {
    return this.state === state;
  }

  get rebalanceTimeoutMs(): number {
    let timeout = 0;
    for (const member of this.members.values()) timeout = Math.max(timeout, member.rebalanceTimeoutMs);
    return timeout;
  }

  get numAwaitingJoin(): number {
    let count = 0;
    for (const member of this.members.values()) if (member.awaitingJoin !== undefined) count++;
    return count;
  }

  get hasAllMembersJoined(): boolean {
    return this.numAwaitingJoin === this.members.size && this.pendingMembers.size === 0;
  }

  /** How many members offer each protocol name. */
  #supportCount(name: string): number {
    let count = 0;
    for (const member of this.members.values())
      if (member.protocols.some((item) => item.name === name)) count++;
    return count;
  }

  supportsProtocols(protocolType: string, names: readonly string[]): boolean {
    if (this.is('Empty')) return protocolType !== '' && names.length > 0;
    return (
      this.protocolType === protocolType &&
      names.some((name) => this.#supportCount(name) === this.members.size)
    );
  }

  /** Among the protocols every member offers, the one most members prefer (ties: the first voted for). */
  selectProtocol(): string {
    const all = [...this.members.values()];
    const candidates = new Set(
      all[0]!.protocols.map((item) => item.name).filter((name) => this.#supportCount(name) === all.length),
    );
    const votes = new Map<string, number>();
    for (const member of all) {
      const vote = member.vote(candidates);
      votes.set(vote, (votes.get(vote) ?? 0) + 1);
    }
    let chosen: string | undefined;
    for (const [name, count] of votes) if (chosen === undefined || count > votes.get(chosen)!) chosen = name;
    return chosen!;
  }

  add(member: Member): void {
    if (member.groupInstanceId !== undefined) this.staticMembers.set(member.groupInstanceId, member.memberId);
    if (this.members.size === 0) this.protocolType = member.protocolType;
    this.leaderId ??= member.memberId;
    this.members.set(member.memberId, member);
    this.pendingMembers.delete(member.memberId);
  }

  remove(memberId: string): void {
    const member = this.members.get(memberId);
    this.members.delete(memberId);
    if (member?.groupInstanceId !== undefined) this.staticMembers.delete(member.groupInstanceId);
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value;
    this.pendingMembers.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
  }

  /** Keeps the leader if it rejoined; otherwise any member that did. False when nobody rejoined. */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === undefined) return false;
    if (this.members.get(this.leaderId)?.awaitingJoin !== undefined) return true;
    for (const member of this.members.values()) {
      if (member.awaitingJoin !== undefined) {
        this.leaderId = member.memberId;
        return true;
      }
    }
    return false;
  }

  currentMemberMetadata(): JoinGroupResult['members'] {
    return [...this.members.values()].map((member) => ({
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
      metadata: member.metadata(this.protocolName!),
    }));
  }
}

/** Kafka's error for `request`, as `KafkaGroupClient` reports it. */
function kafkaError(request: GroupRequestName, name: string, memberId?: string): GroupRequestError {
  return groupRequestError(request, name, { message: `the coordinator answered ${name}`, memberId });
}

function nonNegative(value: number | undefined, fallback: number, key: string): number {
  const resolved = value ?? fallback;
  if (!(resolved >= 0)) throw new ConfigError(key, `${key} must be a number >= 0, got ${String(value)}`);
  return resolved;
}

/**
 * Kafka's classic group coordinator (GroupCoordinator.scala, the one brokers run for JoinGroup/SyncGroup
 * groups) in this process, behind `GroupCoordinatorClient`: unit tests of anything built on group membership
 * (the worker's control plane, sink tasks) run several members in one process, with the same answers a broker
 * gives. Implemented: the protocol type check (INCONSISTENT_GROUP_PROTOCOL), protocol selection by the members'
 * votes among the protocols all of them offer, MEMBER_ID_REQUIRED on a first dynamic join, join phases that end
 * when every known member rejoined or the rebalance timeout removed the laggards (static members stay),
 * the initial rebalance delay, generations, leader election (the leader stays if it rejoined), the leader's
 * SyncGroup handing out assignments, the pending-sync timeout, REBALANCE_IN_PROGRESS / ILLEGAL_GENERATION /
 * UNKNOWN_MEMBER_ID, session expiry (members awaiting a join or sync are kept), LeaveGroup (also by instance id),
 * static members (a new process with the instance id fences the old member id with FENCED_INSTANCE_ID and, in a
 * stable group whose protocol choice does not change, gets the current assignment without a rebalance), and
 * offset commits checked against the generation. One departure: a member removed while its SyncGroup waits gets
 * UNKNOWN_MEMBER_ID instead of no answer.
 *
 * Like a broker, it answers the requests of one client (one connection) in order, one at a time.
 */
export class InMemoryGroupCoordinator {
  readonly #groups = new Map<string, Group>();
  readonly #clock: GroupClock;
  readonly #initialRebalanceDelayMs: number;
  readonly #minSessionTimeoutMs: number;
  readonly #maxSessionTimeoutMs: number;
  readonly #groupMaxSize: number;
  readonly #newMemberJoinTimeoutMs: number;
  #closed = false;

  constructor(options: InMemoryGroupCoordinatorOptions = {}) {
    this.#clock = options.clock ?? realClock;
    this.#initialRebalanceDelayMs = nonNegative(
      options.initialRebalanceDelayMs,
      0,
      'group.initial.rebalance.delay.ms',
    );
    this.#minSessionTimeoutMs = nonNegative(options.minSessionTimeoutMs, 1, 'group.min.session.timeout.ms');
    this.#maxSessionTimeoutMs = nonNegative(
      options.maxSessionTimeoutMs,
      1_800_000,
      'group.max.session.timeout.ms',
    );
    this.#groupMaxSize = nonNegative(options.groupMaxSize, Number.POSITIVE_INFINITY, 'group.max.size');
    this.#newMemberJoinTimeoutMs = nonNegative(
      options.newMemberJoinTimeoutMs,
      300_000,
      'newMemberJoinTimeoutMs',
    );
  }

  /**
   * A client of its own (one "connection"), for a member or anything else that sends group requests.
   * `clientId` starts the ids of the dynamic members that join through it, as a broker uses the client id.
   */
  client(options: { clientId?: string } = {}): GroupCoordinatorClient {
    return new InMemoryGroupClient(this, options.clientId ?? 'sluice');
  }

  /** A group member on this coordinator, with a client of its own. */
  member<M, A>(
    options: Omit<KafkaGroupMemberOptions<M, A>, 'kafka' | 'client'>,
    clientOptions: { clientId?: string } = {},
  ): KafkaGroupMember<M, A> {
    return new KafkaGroupMember({ ...options, client: this.client(clientOptions) });
  }

  /** The group as the coordinator sees it; undefined if it was never created. */
  describeGroup(groupId: string): GroupDescription | undefined {
    const group = this.#groups.get(groupId);
    if (group === undefined) return undefined;
    return {
      state: group.state,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocol: group.protocolName,
      leaderId: group.leaderId,
      members: [...group.members.values()].map((member) => ({
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
        assignment: member.assignment,
      })),
    };
  }

  /** The group's committed offsets. */
  committedOffsets(groupId: string): Array<{ topic: string; partition: number; offset: number }> {
    return [...(this.#groups.get(groupId)?.offsets.values() ?? [])];
  }

  /** Stops every timer; pending and later requests fail with COORDINATOR_NOT_AVAILABLE. */
  close(): void {
    this.#closed = true;
    for (const group of this.#groups.values()) {
      group.state = 'Dead';
      this.#clock.clearTimeout(group.joinTimer);
      this.#clock.clearTimeout(group.syncTimer);
      for (const timer of group.pendingMembers.values()) this.#clock.clearTimeout(timer);
      for (const member of group.members.values()) {
        this.#clock.clearTimeout(member.expiration);
        member.awaitingJoin?.reject(kafkaError('JoinGroup', 'COORDINATOR_NOT_AVAILABLE'));
        member.awaitingSync?.reject(kafkaError('SyncGroup', 'COORDINATOR_NOT_AVAILABLE'));
      }
    }
  }

  // ---- JoinGroup ----

  /** @internal Called by the clients. */
  handleJoinGroup(request: JoinGroupRequest, answer: Reply<JoinGroupResult>, clientId: string): void {
    const fail = (name: string, memberId?: string) => answer.reject(kafkaError('JoinGroup', name, memberId));
    if (this.#closed) return fail('COORDINATOR_NOT_AVAILABLE');
    if (
      request.sessionTimeoutMs < this.#minSessionTimeoutMs ||
      request.sessionTimeoutMs > this.#maxSessionTimeoutMs
    ) {
      return fail('INVALID_SESSION_TIMEOUT');
    }
    const isUnknown = request.memberId === '';
    let group = this.#groups.get(request.groupId);
    if (group === undefined) {
      if (!isUnknown) return fail('UNKNOWN_MEMBER_ID');
      group = new Group(request.groupId);
      this.#groups.set(request.groupId, group);
    }
    if (!this.#acceptJoiningMember(group, request.memberId)) {
      group.remove(request.memberId);
      fail('GROUP_MAX_SIZE_REACHED');
    } else if (isUnknown) {
      this.#doNewMemberJoinGroup(group, request, answer, clientId);
    } else {
      this.#doCurrentMemberJoinGroup(group, request, answer);
    }
    if (group.is('PreparingRebalance')) this.#checkJoin(group);
  }

  #acceptJoiningMember(group: Group, memberId: string): boolean {
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance':
        return (
          group.members.get(memberId)?.awaitingJoin !== undefined ||
          group.numAwaitingJoin < this.#groupMaxSize
        );
      case 'CompletingRebalance':
      case 'Stable':
        return group.members.has(memberId) || group.members.size < this.#groupMaxSize;
    }
  }

  #doNewMemberJoinGroup(
    group: Group,
    request: JoinGroupRequest,
    answer: Reply<JoinGroupResult>,
    clientId: string,
  ): void {
    if (group.is('Dead')) return answer.reject(kafkaError('JoinGroup', 'COORDINATOR_NOT_AVAILABLE'));
    if (
      !group.supportsProtocols(
        request.protocolType,
        request.protocols.map((item) => item.name),
      )
    ) {
      return answer.reject(kafkaError('JoinGroup', 'INCONSISTENT_GROUP_PROTOCOL'));
    }
    const instanceId = request.groupInstanceId;
    const newMemberId = `${instanceId ?? clientId}-${randomUUID()}`;
    if (instanceId !== undefined) {
      const oldMemberId = group.staticMembers.get(instanceId);
      if (oldMemberId !== undefined) {
        this.#updateStaticMemberAndRebalance(group, oldMemberId, newMemberId, instanceId, request, answer);
      } else {
        this.#addMemberAndRebalance(group, newMemberId, instanceId, request, answer);
      }
      return;
    }
    // JoinGroup v4+: a dynamic member must come back with the id it is handed (so a client that retries a
    // timed-out first join does not leave a defunct member behind).
    const timer = this.#clock.setTimeout(
      () => this.#removePendingMemberAndUpdateGroup(group, newMemberId),
      request.sessionTimeoutMs,
    );
    group.pendingMembers.set(newMemberId, timer);
    answer.reject(kafkaError('JoinGroup', 'MEMBER_ID_REQUIRED', newMemberId));
  }

  #validateCurrentMember(
    group: Group,
    memberId: string,
    groupInstanceId: string | undefined,
  ): string | undefined {
    if (groupInstanceId !== undefined) {
      const current = group.staticMembers.get(groupInstanceId);
      if (current === undefined) return 'UNKNOWN_MEMBER_ID';
      if (current !== memberId) return 'FENCED_INSTANCE_ID';
    }
    return group.members.has(memberId) ? undefined : 'UNKNOWN_MEMBER_ID';
  }

  #doCurrentMemberJoinGroup(group: Group, request: JoinGroupRequest, answer: Reply<JoinGroupResult>): void {
    const { memberId } = request;
    if (group.is('Dead')) return answer.reject(kafkaError('JoinGroup', 'COORDINATOR_NOT_AVAILABLE'));
    if (
      !group.supportsProtocols(
        request.protocolType,
        request.protocols.map((item) => item.name),
      )
    ) {
      return answer.reject(kafkaError('JoinGroup', 'INCONSISTENT_GROUP_PROTOCOL'));
    }
    if (group.pendingMembers.has(memberId)) {
      this.#clock.clearTimeout(group.pendingMembers.get(memberId));
      this.#addMemberAndRebalance(group, memberId, undefined, request, answer);
      return;
    }
    const error = this.#validateCurrentMember(group, memberId, request.groupInstanceId);
    if (error !== undefined) return answer.reject(kafkaError('JoinGroup', error));
    const member = group.members.get(memberId)!;
    switch (group.state) {
      case 'PreparingRebalance':
        this.#updateMemberAndRebalance(group, member, request, answer);
        return;
      case 'CompletingRebalance':
        if (member.matches(request.protocols)) {
          // The member lost the answer to its JoinGroup: the same answer again.
          answer.resolve(this.#joinResult(group, member, group.leaderId!));
        } else {
          this.#updateMemberAndRebalance(group, member, request, answer);
        }
        return;
      case 'Stable':
        if (group.leaderId === memberId || !member.matches(request.protocols)) {
          // A rejoining leader always rebalances: it may know of changes its metadata does not show.
          this.#updateMemberAndRebalance(group, member, request, answer);
        } else {
          // A follower with unchanged metadata: the current generation, no rebalance.
          answer.resolve(this.#joinResult(group, member, group.leaderId!));
        }
        return;
      case 'Empty':
      case 'Dead':
        answer.reject(kafkaError('JoinGroup', 'UNKNOWN_MEMBER_ID'));
    }
  }

  #joinResult(group: Group, member: Member, leaderId: string): JoinGroupResult {
    return {
      generationId: group.generationId,
      protocolName: group.protocolName!,
      leaderId,
      memberId: member.memberId,
      members: member.memberId === group.leaderId ? group.currentMemberMetadata() : [],
    };
  }

  #setAwaitingJoin(member: Member, answer: Reply<JoinGroupResult> | undefined): void {
    // Kafka drops the older callback of a member that sends a second JoinGroup; answer it rather than never.
    if (member.awaitingJoin !== undefined && member.awaitingJoin !== answer) {
      member.awaitingJoin.reject(kafkaError('JoinGroup', 'REBALANCE_IN_PROGRESS'));
    }
    member.awaitingJoin = answer;
  }

  #updateMember(member: Member, request: JoinGroupRequest, answer: Reply<JoinGroupResult>): void {
    member.protocols = request.protocols;
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    member.sessionTimeoutMs = request.sessionTimeoutMs;
    this.#setAwaitingJoin(member, answer);
  }

  #updateMemberAndRebalance(
    group: Group,
    member: Member,
    request: JoinGroupRequest,
    answer: Reply<JoinGroupResult>,
  ): void {
    this.#updateMember(member, request, answer);
    this.#maybePrepareRebalance(group);
  }

  #addMemberAndRebalance(
    group: Group,
    memberId: string,
    groupInstanceId: string | undefined,
    request: JoinGroupRequest,
    answer: Reply<JoinGroupResult>,
  ): void {
    const member = new Member(memberId, groupInstanceId, request);
    member.isNew = true;
    if (group.is('PreparingRebalance') && group.generationId === 0) group.newMemberAdded = true;
    group.add(member);
    member.awaitingJoin = answer;
    // A new member cannot heartbeat before its first generation; its JoinGroup waits at most this long.
    this.#scheduleExpiration(group, member, this.#newMemberJoinTimeoutMs);
    this.#maybePrepareRebalance(group);
  }

  #updateStaticMemberAndRebalance(
    group: Group,
    oldMemberId: string,
    newMemberId: string,
    groupInstanceId: string,
    request: JoinGroupRequest,
    answer: Reply<JoinGroupResult>,
  ): void {
    const currentLeader = group.leaderId!;
    const member = group.members.get(oldMemberId)!;
    // The old member id is fenced at once, also in a JoinGroup or SyncGroup it is waiting in.
    group.members.delete(oldMemberId);
    member.awaitingJoin?.reject(kafkaError('JoinGroup', 'FENCED_INSTANCE_ID'));
    member.awaitingJoin = undefined;
    member.awaitingSync?.reject(kafkaError('SyncGroup', 'FENCED_INSTANCE_ID'));
    member.awaitingSync = undefined;
    member.memberId = newMemberId;
    group.members.set(newMemberId, member);
    if (group.pendingSyncMembers.delete(oldMemberId)) group.pendingSyncMembers.add(newMemberId);
    if (group.leaderId === oldMemberId) group.leaderId = newMemberId;
    group.staticMembers.set(groupInstanceId, newMemberId);
    this.#scheduleExpiration(group, member, member.sessionTimeoutMs);
    this.#updateMember(member, request, answer);

    switch (group.state) {
      case 'Stable':
        if (group.selectProtocol() === group.protocolName) {
          // Before JoinGroup v9 the answer names the old leader id, so that this member (the leader's
          // successor, perhaps) does not compute an assignment a stable group would ignore.
          member.awaitingJoin = undefined;
          answer.resolve({
            generationId: group.generationId,
            protocolName: group.protocolName,
            leaderId: currentLeader,
            memberId: newMemberId,
            members: [],
          });
        } else {
          this.#maybePrepareRebalance(group);
        }
        return;
      case 'CompletingRebalance':
        // The leader may be assigning to the old member id: start over.
        this.#prepareRebalance(group);
        return;
      case 'PreparingRebalance':
      case 'Empty':
      case 'Dead':
        return;
    }
  }

  // ---- rebalance mechanics ----

  #maybePrepareRebalance(group: Group): void {
    if (group.is('Stable') || group.is('CompletingRebalance') || group.is('Empty'))
      this.#prepareRebalance(group);
  }

  #prepareRebalance(group: Group): void {
    if (group.is('CompletingRebalance'))
      this.#resetAndPropagateAssignmentError(group, 'REBALANCE_IN_PROGRESS');
    this.#clearPendingSync(group);
    const wasEmpty = group.is('Empty');
    group.state = 'PreparingRebalance';
    if (wasEmpty) {
      const delayMs = this.#initialRebalanceDelayMs;
      this.#scheduleInitialJoin(group, delayMs, Math.max(group.rebalanceTimeoutMs - delayMs, 0));
    } else {
      this.#scheduleJoin(group, group.rebalanceTimeoutMs);
      this.#checkJoin(group);
    }
  }

  #scheduleJoin(group: Group, delayMs: number): void {
    this.#clock.clearTimeout(group.joinTimer);
    group.joinKind = 'delayed';
    group.joinTimer = this.#clock.setTimeout(() => this.#onCompleteJoin(group), delayMs);
  }

  #scheduleInitialJoin(group: Group, delayMs: number, remainingMs: number): void {
    this.#clock.clearTimeout(group.joinTimer);
    group.joinKind = 'initial';
    group.joinTimer = this.#clock.setTimeout(() => {
      if (group.newMemberAdded && remainingMs > 0) {
        group.newMemberAdded = false;
        const next = Math.min(this.#initialRebalanceDelayMs, remainingMs);
        this.#scheduleInitialJoin(group, next, Math.max(remainingMs - this.#initialRebalanceDelayMs, 0));
      } else {
        this.#onCompleteJoin(group);
      }
    }, delayMs);
  }

  /** Ends the join phase early once every member rejoined (Kafka's DelayedJoin.tryComplete). */
  #checkJoin(group: Group): void {
    if (group.is('PreparingRebalance') && group.joinKind === 'delayed' && group.hasAllMembersJoined) {
      this.#clock.clearTimeout(group.joinTimer);
      this.#onCompleteJoin(group);
    }
  }

  #onCompleteJoin(group: Group): void {
    if (!group.is('PreparingRebalance')) return;
    for (const member of [...group.members.values()]) {
      if (member.awaitingJoin === undefined && member.groupInstanceId === undefined) {
        group.remove(member.memberId);
        this.#clock.clearTimeout(member.expiration);
      }
    }
    if (!group.maybeElectNewJoinedLeader() && group.members.size > 0) {
      // Nobody rejoined (only static members that did not come back): wait for sessions to remove them.
      this.#scheduleJoin(group, group.rebalanceTimeoutMs);
      return;
    }
    group.generationId++;
    group.pendingSyncMembers.clear();
    if (group.members.size === 0) {
      group.protocolName = undefined;
      group.state = 'Empty';
      return;
    }
    group.protocolName = group.selectProtocol();
    group.state = 'CompletingRebalance';
    for (const member of group.members.values()) {
      const answer = member.awaitingJoin;
      member.awaitingJoin = undefined;
      answer?.resolve(this.#joinResult(group, member, group.leaderId!));
      this.#scheduleExpiration(group, member, member.sessionTimeoutMs);
      member.isNew = false;
      group.pendingSyncMembers.add(member.memberId);
    }
    const generationId = group.generationId;
    this.#clock.clearTimeout(group.syncTimer);
    group.syncTimer = this.#clock.setTimeout(
      () => this.#onExpirePendingSync(group, generationId),
      group.rebalanceTimeoutMs,
    );
  }

  #clearPendingSync(group: Group): void {
    group.pendingSyncMembers.clear();
    this.#clock.clearTimeout(group.syncTimer);
  }

  #removePendingSyncMember(group: Group, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    if (group.pendingSyncMembers.size === 0) this.#clock.clearTimeout(group.syncTimer);
  }

  /** Members that never sent SyncGroup within the rebalance timeout are removed and the group starts over. */
  #onExpirePendingSync(group: Group, generationId: number): void {
    if (generationId !== group.generationId) return;
    if (!(group.is('CompletingRebalance') || group.is('Stable')) || group.pendingSyncMembers.size === 0)
      return;
    for (const memberId of [...group.pendingSyncMembers]) {
      const member = group.members.get(memberId);
      group.remove(memberId);
      if (member !== undefined) this.#clock.clearTimeout(member.expiration);
    }
    this.#prepareRebalance(group);
  }

  #propagateAssignment(group: Group, error: string | undefined): void {
    for (const member of group.members.values()) {
      const answer = member.awaitingSync;
      if (answer === undefined) continue;
      member.awaitingSync = undefined;
      if (error === undefined) answer.resolve(member.assignment);
      else answer.reject(kafkaError('SyncGroup', error));
      // Its session restarts now: an expiry while it waited was ignored and scheduled nothing.
      this.#scheduleExpiration(group, member, member.sessionTimeoutMs);
    }
  }

  #resetAndPropagateAssignmentError(group: Group, error: string): void {
    for (const member of group.members.values()) member.assignment = new Uint8Array();
    this.#propagateAssignment(group, error);
  }

  // ---- sessions ----

  #scheduleExpiration(group: Group, member: Member, timeoutMs: number): void {
    this.#clock.clearTimeout(member.expiration);
    member.expiration = this.#clock.setTimeout(() => this.#onExpireHeartbeat(group, member), timeoutMs);
  }

  #onExpireHeartbeat(group: Group, member: Member): void {
    if (group.is('Dead') || group.members.get(member.memberId) !== member) return;
    if (member.keptAlive) return;
    this.#removeMemberAndUpdateGroup(group, member);
  }

  #removeMemberAndUpdateGroup(group: Group, member: Member): void {
    // A member may time out while its first JoinGroup waits: it learns it must join again.
    member.awaitingJoin?.reject(kafkaError('JoinGroup', 'UNKNOWN_MEMBER_ID'));
    member.awaitingJoin = undefined;
    member.awaitingSync?.reject(kafkaError('SyncGroup', 'UNKNOWN_MEMBER_ID'));
    member.awaitingSync = undefined;
    this.#clock.clearTimeout(member.expiration);
    group.remove(member.memberId);
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.#maybePrepareRebalance(group);
        return;
      case 'PreparingRebalance':
        this.#checkJoin(group);
        return;
      case 'Empty':
      case 'Dead':
        return;
    }
  }

  #removePendingMemberAndUpdateGroup(group: Group, memberId: string): void {
    if (!group.pendingMembers.has(memberId)) return;
    this.#clock.clearTimeout(group.pendingMembers.get(memberId));
    group.remove(memberId);
    if (group.is('PreparingRebalance')) this.#checkJoin(group);
  }

  // ---- SyncGroup, Heartbeat, LeaveGroup, OffsetCommit ----

  /** @internal Called by the clients. */
  handleSyncGroup(request: SyncGroupRequest, answer: Reply<Uint8Array>): void {
    const fail = (name: string) => answer.reject(kafkaError('SyncGroup', name));
    const group = this.#groups.get(request.groupId);
    if (this.#closed || group?.is('Dead') === true) return fail('COORDINATOR_NOT_AVAILABLE');
    if (group === undefined) return fail('UNKNOWN_MEMBER_ID');
    const error =
      this.#validateCurrentMember(group, request.memberId, request.groupInstanceId) ??
      (request.generationId !== group.generationId ? 'ILLEGAL_GENERATION' : undefined);
    if (error !== undefined) return fail(error);
    const member = group.members.get(request.memberId)!;
    switch (group.state) {
      case 'Empty':
        return fail('UNKNOWN_MEMBER_ID');
      case 'PreparingRebalance':
        return fail('REBALANCE_IN_PROGRESS');
      case 'CompletingRebalance': {
        if (member.awaitingSync !== undefined && member.awaitingSync !== answer) {
          member.awaitingSync.reject(kafkaError('SyncGroup', 'REBALANCE_IN_PROGRESS'));
        }
        member.awaitingSync = answer;
        this.#removePendingSyncMember(group, member.memberId);
        if (group.leaderId === member.memberId) {
          const assignments = new Map(request.assignments.map((item) => [item.memberId, item.assignment]));
          // Members the leader left out get an empty assignment, as Kafka fills them in.
          for (const each of group.members.values()) {
            each.assignment = assignments.get(each.memberId) ?? new Uint8Array();
          }
          this.#propagateAssignment(group, undefined);
          group.state = 'Stable';
        }
        return;
      }
      case 'Stable':
        this.#removePendingSyncMember(group, member.memberId);
        answer.resolve(member.assignment);
        this.#scheduleExpiration(group, member, member.sessionTimeoutMs);
        return;
      case 'Dead':
        return fail('COORDINATOR_NOT_AVAILABLE');
    }
  }

  /** @internal Called by the clients. */
  handleHeartbeat(request: HeartbeatRequest, answer: Reply<void>): void {
    const fail = (name: string) => answer.reject(kafkaError('Heartbeat', name));
    const group = this.#groups.get(request.groupId);
    if (this.#closed || group?.is('Dead') === true) return fail('COORDINATOR_NOT_AVAILABLE');
    if (group === undefined) return fail('UNKNOWN_MEMBER_ID');
    const error =
      this.#validateCurrentMember(group, request.memberId, request.groupInstanceId) ??
      (request.generationId !== group.generationId ? 'ILLEGAL_GENERATION' : undefined);
    if (error !== undefined) return fail(error);
    const member = group.members.get(request.memberId)!;
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return fail('UNKNOWN_MEMBER_ID');
      case 'CompletingRebalance':
      case 'Stable':
        this.#scheduleExpiration(group, member, member.sessionTimeoutMs);
        return answer.resolve();
      case 'PreparingRebalance':
        // Counted (the session restarts), and the member learns it must rejoin.
        this.#scheduleExpiration(group, member, member.sessionTimeoutMs);
        return fail('REBALANCE_IN_PROGRESS');
    }
  }

  /** @internal Called by the clients. */
  handleLeaveGroup(request: LeaveGroupRequest, answer: Reply<void>): void {
    const fail = (name: string) => answer.reject(kafkaError('LeaveGroup', name));
    const group = this.#groups.get(request.groupId);
    if (this.#closed || group?.is('Dead') === true) return fail('COORDINATOR_NOT_AVAILABLE');
    if (group === undefined) return fail('UNKNOWN_MEMBER_ID');
    if (request.memberId === '') {
      // An administrative removal by instance id.
      const current =
        request.groupInstanceId === undefined ? undefined : group.staticMembers.get(request.groupInstanceId);
      if (current === undefined) return fail('UNKNOWN_MEMBER_ID');
      this.#removeMemberAndUpdateGroup(group, group.members.get(current)!);
      return answer.resolve();
    }
    if (group.pendingMembers.has(request.memberId)) {
      this.#removePendingMemberAndUpdateGroup(group, request.memberId);
      return answer.resolve();
    }
    const error = this.#validateCurrentMember(group, request.memberId, request.groupInstanceId);
    if (error !== undefined) return fail(error);
    this.#removeMemberAndUpdateGroup(group, group.members.get(request.memberId)!);
    answer.resolve();
  }

  /** @internal Called by the clients. */
  handleCommitOffsets(request: CommitOffsetsRequest, answer: Reply<void>): void {
    const fail = (name: string) => answer.reject(kafkaError('OffsetCommit', name));
    if (this.#closed) return fail('COORDINATOR_NOT_AVAILABLE');
    let group = this.#groups.get(request.groupId);
    if (group === undefined) {
      // A group that does not use the coordinator for membership may commit; a member of an unknown group not.
      if (request.generationId >= 0) return fail('ILLEGAL_GENERATION');
      group = new Group(request.groupId);
      this.#groups.set(request.groupId, group);
    }
    if (group.is('Dead')) return fail('COORDINATOR_NOT_AVAILABLE');
    if (!(request.generationId < 0 && group.is('Empty'))) {
      if (request.generationId >= 0 || request.memberId !== '') {
        const error =
          this.#validateCurrentMember(group, request.memberId, undefined) ??
          (request.generationId !== group.generationId ? 'ILLEGAL_GENERATION' : undefined);
        if (error !== undefined) return fail(error);
      } else if (!group.is('Empty')) {
        // Only members commit for a group that has members.
        return fail('UNKNOWN_MEMBER_ID');
      }
    }
    if (group.is('CompletingRebalance')) return fail('REBALANCE_IN_PROGRESS');
    const member = group.members.get(request.memberId);
    if (member !== undefined) this.#scheduleExpiration(group, member, member.sessionTimeoutMs);
    for (const { topic, partition, offset } of request.offsets) {
      group.offsets.set(`${topic}\u0000${partition}`, { topic, partition, offset });
    }
    answer.resolve();
  }
}

/**
 * One "connection" to an `InMemoryGroupCoordinator`: its requests are answered in order, one at a time, as a
 * broker answers those of one connection; `disconnect()` fails what is still waiting.
 */
class InMemoryGroupClient implements GroupCoordinatorClient {
  readonly #coordinator: InMemoryGroupCoordinator;
  readonly #clientId: string;
  /** Requests not answered yet, with their names. */
  readonly #pending = new Map<Reply<unknown>, GroupRequestName>();
  /** Settles when the latest request has been answered. */
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(coordinator: InMemoryGroupCoordinator, clientId: string) {
    this.#coordinator = coordinator;
    this.#clientId = clientId;
  }

  connect(): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    return Promise.resolve();
  }

  disconnect(): Promise<void> {
    this.#closed = true;
    // As kafkajs fails the requests of a connection it closes; the coordinator keeps whatever they started.
    for (const [pending, name] of this.#pending) {
      pending.reject(
        new GroupRequestError(GroupErrorCode.COORDINATOR_UNAVAILABLE, name, 'the connection was closed', {
          retriable: true,
        }),
      );
    }
    this.#pending.clear();
    return Promise.resolve();
  }

  joinGroup(request: JoinGroupRequest): Promise<JoinGroupResult> {
    return this.#send('JoinGroup', (answer) =>
      this.#coordinator.handleJoinGroup(request, answer, this.#clientId),
    );
  }

  syncGroup(request: SyncGroupRequest): Promise<Uint8Array> {
    return this.#send('SyncGroup', (answer) => this.#coordinator.handleSyncGroup(request, answer));
  }

  heartbeat(request: HeartbeatRequest): Promise<void> {
    return this.#send('Heartbeat', (answer) => this.#coordinator.handleHeartbeat(request, answer));
  }

  leaveGroup(request: LeaveGroupRequest): Promise<void> {
    return this.#send('LeaveGroup', (answer) => this.#coordinator.handleLeaveGroup(request, answer));
  }

  commitOffsets(request: CommitOffsetsRequest): Promise<void> {
    return this.#send('OffsetCommit', (answer) => this.#coordinator.handleCommitOffsets(request, answer));
  }

  #send<T>(name: GroupRequestName, handle: (answer: Reply<T>) => void): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());
    const answer = reply<T>();
    this.#pending.set(answer, name);
    const done = () => {
      this.#pending.delete(answer);
    };
    answer.promise.then(done, done);
    this.#queue = this.#queue.then(async () => {
      if (answer.settled) return;
      try {
        handle(answer);
      } catch (error) {
        answer.reject(
          groupRequestError(name, 'UNKNOWN_SERVER_ERROR', { message: String(error), cause: error }),
        );
      }
      // The next request on this connection waits for this one's answer.
      await answer.promise.then(
        () => undefined,
        () => undefined,
      );
    });
    return answer.promise;
  }
}

function closedError(): SluiceError {
  return new SluiceError('SLUICE_KAFKA_CLIENT_CLOSED', 'the in-memory group client was disconnected');
}
