import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError, SluiceError } from '@sluice/errors';
import { GroupErrorCode, GroupRequestError } from '@sluice/kafka-client';
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
import type { GroupProtocol } from '@sluice/protocol';
import { waitFor } from '@sluice/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import type { AssignedEvent, GroupMemberInfo, RevokedEvent } from './group-member.js';
import { KafkaGroupMember } from './kafka-group-member.js';
import type { KafkaGroupMemberOptions } from './options.js';

function groupError(
  code: GroupErrorCode,
  request: GroupRequestName,
  extra: { memberId?: string; retriable?: boolean } = {},
) {
  return new GroupRequestError(code, request, code, {
    retriable: extra.retriable ?? true,
    memberId: extra.memberId,
  });
}

interface Metadata {
  url: string;
  configOffset: number;
}
interface Assignment {
  leaderId: string;
  connectors: string[];
  configOffset: number;
}

/** A JSON codec: readable bytes make these tests easy to follow. */
function jsonProtocol(name: string): GroupProtocol<Metadata, Assignment> {
  const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const decode = <T>(bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as T;
  return {
    name,
    encodeMetadata: encode,
    decodeMetadata: decode<Metadata>,
    encodeAssignment: encode,
    decodeAssignment: decode<Assignment>,
  };
}

/**
 * A scripted group coordinator for one member. By default it behaves like a group of one: JoinGroup makes
 * the caller the leader of a new generation with the first protocol it offers, SyncGroup hands back what the
 * leader assigned it, heartbeats succeed. Tests replace `onJoin`, `onSync`, `onHeartbeat` to inject what a
 * real coordinator would answer.
 */
class FakeCoordinator implements GroupCoordinatorClient {
  readonly log: string[] = [];
  readonly joins: JoinGroupRequest[] = [];
  readonly syncs: SyncGroupRequest[] = [];
  readonly heartbeatRequests: HeartbeatRequest[] = [];
  readonly leaves: LeaveGroupRequest[] = [];
  heartbeats = 0;
  generation = 0;
  disconnected = false;
  onJoin: (request: JoinGroupRequest, attempt: number) => Promise<JoinGroupResult> = (request) =>
    this.joinAlone(request);
  onSync: (request: SyncGroupRequest) => Promise<Uint8Array> = (request) =>
    Promise.resolve(this.ownAssignment(request));
  onHeartbeat: (request: HeartbeatRequest) => Promise<void> = () => Promise.resolve();

  joinAlone(request: JoinGroupRequest, protocolName = request.protocols[0]!.name): Promise<JoinGroupResult> {
    const memberId = request.memberId === '' ? `member-${this.joins.length}` : request.memberId;
    this.generation++;
    return Promise.resolve({
      generationId: this.generation,
      protocolName,
      leaderId: memberId,
      memberId,
      members: [
        {
          memberId,
          groupInstanceId: request.groupInstanceId,
          metadata: request.protocols.find((p) => p.name === protocolName)!.metadata,
        },
      ],
    });
  }

  ownAssignment(request: SyncGroupRequest): Uint8Array {
    return (
      request.assignments.find((item) => item.memberId === request.memberId)?.assignment ?? new Uint8Array()
    );
  }

  connect(): Promise<void> {
    return Promise.resolve();
  }
  disconnect(): Promise<void> {
    this.disconnected = true;
    return Promise.resolve();
  }
  async joinGroup(request: JoinGroupRequest): Promise<JoinGroupResult> {
    this.joins.push(request);
    this.log.push(`join(${request.memberId})`);
    return this.onJoin(request, this.joins.length);
  }
  async syncGroup(request: SyncGroupRequest): Promise<Uint8Array> {
    this.syncs.push(request);
    this.log.push(`sync(${request.generationId})`);
    return this.onSync(request);
  }
  async heartbeat(request: HeartbeatRequest): Promise<void> {
    this.heartbeats++;
    this.heartbeatRequests.push(request);
    return this.onHeartbeat(request);
  }
  leaveGroup(request: LeaveGroupRequest): Promise<void> {
    this.leaves.push(request);
    this.log.push(`leave(${request.memberId})`);
    return Promise.resolve();
  }
  commitOffsets(_request: CommitOffsetsRequest): Promise<void> {
    return Promise.resolve();
  }
}

const metadata: Metadata = { url: 'http://w1:8083', configOffset: 7 };

function assignmentFor(member: GroupMemberInfo<Metadata>, leaderId: string): Assignment {
  return { leaderId, connectors: [`for-${member.memberId}`], configOffset: member.metadata.configOffset };
}

const SESSION_MS = 600;
const HEARTBEAT_MS = 100;
/** max(session − heartbeat, 2 × heartbeat). */
const LOST_AFTER_MS = 500;

const members: Array<KafkaGroupMember<Metadata, Assignment>> = [];
afterEach(async () => {
  await Promise.all(members.splice(0).map((member) => member.stop()));
});

/** A member on the fake coordinator, with fast timings, recording its callbacks into `coordinator.log`. */
function memberOn(
  coordinator: FakeCoordinator,
  overrides: Partial<KafkaGroupMemberOptions<Metadata, Assignment>> = {},
) {
  const assigned: Array<AssignedEvent<Assignment>> = [];
  const revoked: Array<RevokedEvent<Assignment>> = [];
  const leases: number[] = [];
  const member = new KafkaGroupMember<Metadata, Assignment>({
    groupId: 'g',
    client: coordinator,
    protocols: [jsonProtocol('test-v1')],
    sessionTimeoutMs: SESSION_MS,
    heartbeatIntervalMs: HEARTBEAT_MS,
    retryBackoffMs: 10,
    maxRetryBackoffMs: 40,
    metadata: () => metadata,
    assign: (all, { leaderId }) => new Map(all.map((m) => [m.memberId, assignmentFor(m, leaderId)])),
    onAssigned: (event) => {
      assigned.push(event);
      coordinator.log.push(`assigned(${event.generationId})`);
      return Promise.resolve();
    },
    onRevoked: (event) => {
      revoked.push(event);
      coordinator.log.push(`revoked(${event.generationId},${event.reason})`);
      return Promise.resolve();
    },
    onLease: (expiresAt) => leases.push(expiresAt),
    ...overrides,
  });
  members.push(member);
  return { member, assigned, revoked, leases };
}

async function failure(member: KafkaGroupMember<Metadata, Assignment>): Promise<unknown> {
  return member.closed.then(
    () => undefined,
    (reason: unknown) => reason,
  );
}

describe('KafkaGroupMember', () => {
  it('joins, gets the assignment the leader computed, heartbeats, and leaves on stop', async () => {
    const coordinator = new FakeCoordinator();
    const { member, assigned, revoked } = memberOn(coordinator);
    member.start();
    await waitFor('assignment', () => assigned[0]);
    expect(assigned[0]).toMatchObject({
      generationId: 1,
      memberId: 'member-1',
      leaderId: 'member-1',
      isLeader: true,
      protocol: 'test-v1',
    });
    expect(assigned[0]!.assignment).toEqual({
      leaderId: 'member-1',
      connectors: ['for-member-1'],
      configOffset: 7,
    });
    expect(member.state).toBe('stable');
    expect(member.generation).toEqual({
      generationId: 1,
      memberId: 'member-1',
      leaderId: 'member-1',
      protocol: 'test-v1',
    });
    expect(coordinator.joins[0]).toMatchObject({
      protocolType: 'sluice',
      sessionTimeoutMs: SESSION_MS,
      rebalanceTimeoutMs: 60_000,
      groupInstanceId: undefined,
    });

    await waitFor('heartbeats', () => (coordinator.heartbeats >= 3 ? true : undefined));
    await member.stop();
    expect(revoked).toEqual([
      expect.objectContaining({ reason: 'stop', generationId: 1, memberId: 'member-1', protocol: 'test-v1' }),
    ]);
    expect(coordinator.log).toEqual([
      'join()',
      'sync(1)',
      'assigned(1)',
      'revoked(1,stop)',
      'leave(member-1)',
    ]);
    expect(member.state).toBe('stopped');
    await expect(member.closed).resolves.toBeUndefined();
  });

  it('offers every protocol in order of preference, and uses the one the coordinator chose', async () => {
    const coordinator = new FakeCoordinator();
    coordinator.onJoin = (request) => coordinator.joinAlone(request, 'test-v1');
    const v2: GroupProtocol<Metadata, Assignment> = {
      ...jsonProtocol('test-v2'),
      // v2 writes its metadata differently: proof that each protocol encodes it itself.
      encodeMetadata: (value) => new TextEncoder().encode(`v2:${JSON.stringify(value)}`),
    };
    let assignedWith: string | undefined;
    const { member, assigned } = memberOn(coordinator, {
      protocols: [v2, jsonProtocol('test-v1')],
      assign: (all, context) => {
        assignedWith = context.protocol;
        return new Map(all.map((m) => [m.memberId, assignmentFor(m, context.leaderId)]));
      },
    });
    member.start();
    await waitFor('assignment', () => assigned[0]);
    const offered = coordinator.joins[0]!.protocols.map((p) => [
      p.name,
      new TextDecoder().decode(p.metadata),
    ]);
    expect(offered).toEqual([
      ['test-v2', `v2:${JSON.stringify(metadata)}`],
      ['test-v1', JSON.stringify(metadata)],
    ]);
    expect(assignedWith).toBe('test-v1');
    expect(assigned[0]!.protocol).toBe('test-v1');
    expect(member.generation?.protocol).toBe('test-v1');
  });

  it('joins again with the member id a MEMBER_ID_REQUIRED answer carries', async () => {
    const coordinator = new FakeCoordinator();
    coordinator.onJoin = (request, attempt) =>
      attempt === 1
        ? Promise.reject(groupError(GroupErrorCode.MEMBER_ID_REQUIRED, 'JoinGroup', { memberId: 'given-id' }))
        : coordinator.joinAlone(request);
    const { member, assigned } = memberOn(coordinator);
    member.start();
    await waitFor('assignment', () => assigned[0]);
    expect(coordinator.joins.map((join) => join.memberId)).toEqual(['', 'given-id']);
    expect(assigned[0]!.memberId).toBe('given-id');
  });

  it('awaits onRevoked before rejoining when a heartbeat says the group is rebalancing, heartbeating meanwhile', async () => {
    const coordinator = new FakeCoordinator();
    let rebalancing = false;
    coordinator.onHeartbeat = () =>
      rebalancing
        ? Promise.reject(groupError(GroupErrorCode.REBALANCE_IN_PROGRESS, 'Heartbeat'))
        : Promise.resolve();
    let heartbeatsDuringRevoke = 0;
    const { member, assigned } = memberOn(coordinator, {
      onRevoked: async (event) => {
        coordinator.log.push(`revoked(${event.generationId},${event.reason})`);
        rebalancing = false;
        const before = coordinator.heartbeats;
        await delay(3.5 * HEARTBEAT_MS); // a slow revocation: the coordinator must keep hearing from us
        heartbeatsDuringRevoke = coordinator.heartbeats - before;
      },
    });
    member.start();
    await waitFor('first assignment', () => assigned[0]);
    rebalancing = true;
    await waitFor('second assignment', () => assigned[1]);
    expect(coordinator.log).toEqual([
      'join()',
      'sync(1)',
      'assigned(1)',
      'revoked(1,rebalance)',
      'join(member-1)',
      'sync(2)',
      'assigned(2)',
    ]);
    expect(heartbeatsDuringRevoke).toBeGreaterThanOrEqual(2);
  });

  it('treats UNKNOWN_MEMBER_ID as lost membership and joins as a new member', async () => {
    const coordinator = new FakeCoordinator();
    let expelled = false;
    coordinator.onHeartbeat = () =>
      expelled
        ? Promise.reject(groupError(GroupErrorCode.UNKNOWN_MEMBER_ID, 'Heartbeat'))
        : Promise.resolve();
    const { member, assigned, revoked } = memberOn(coordinator);
    member.start();
    await waitFor('first assignment', () => assigned[0]);
    expelled = true;
    coordinator.onJoin = (request) => {
      expelled = false;
      return coordinator.joinAlone(request);
    };
    await waitFor('second assignment', () => assigned[1]);
    expect(revoked[0]).toMatchObject({ reason: 'lost', generationId: 1 });
    expect(coordinator.joins.map((join) => join.memberId)).toEqual(['', '']);
  });

  it('declares the membership lost when no heartbeat succeeds, before the session could expire', async () => {
    const coordinator = new FakeCoordinator();
    let failingSince: number | undefined;
    coordinator.onHeartbeat = () => {
      if (failingSince === undefined) return Promise.resolve();
      return Promise.reject(groupError(GroupErrorCode.COORDINATOR_UNAVAILABLE, 'Heartbeat'));
    };
    let lostAfter: number | undefined;
    let errorAtLoss: Error | undefined;
    const { member, assigned } = memberOn(coordinator, {
      onRevoked: (event) => {
        if (event.reason === 'lost') {
          lostAfter ??= performance.now() - failingSince!;
          errorAtLoss = member.lastError;
        }
        return Promise.resolve();
      },
    });
    member.start();
    await waitFor('assignment', () => assigned[0]);
    await delay(1.5 * HEARTBEAT_MS);
    failingSince = performance.now();
    coordinator.onJoin = (request) => {
      failingSince = undefined;
      return coordinator.joinAlone(request);
    };
    await waitFor('loss', () => lostAfter);
    // Lost LOST_AFTER_MS after the last successful heartbeat was sent, which was at most one interval (plus
    // the time it took) before the failures began; and always before the session timeout.
    expect(lostAfter).toBeGreaterThanOrEqual(LOST_AFTER_MS - 1.5 * HEARTBEAT_MS);
    expect(lostAfter).toBeLessThan(SESSION_MS);
    expect(errorAtLoss).toMatchObject({ code: GroupErrorCode.COORDINATOR_UNAVAILABLE });
    // The id may still be valid after a timeout: the member tries it first.
    await waitFor('rejoin', () => assigned[1]);
    expect(coordinator.joins[1]!.memberId).toBe('member-1');
    expect(member.lastError).toBeUndefined();
  });

  it('keeps retrying an unavailable coordinator by default, reporting the failure through lastError', async () => {
    const coordinator = new FakeCoordinator();
    let available = false;
    coordinator.onJoin = (request) =>
      available
        ? coordinator.joinAlone(request)
        : Promise.reject(groupError(GroupErrorCode.COORDINATOR_UNAVAILABLE, 'JoinGroup'));
    const { member, assigned } = memberOn(coordinator);
    member.start();
    await waitFor('a few failed attempts', () => (coordinator.joins.length >= 5 ? true : undefined));
    expect(member.state).toBe('joining');
    expect(member.lastError).toMatchObject({ code: GroupErrorCode.COORDINATOR_UNAVAILABLE });
    expect(member.leaseExpiresAt()).toBe(0);
    available = true;
    await waitFor('assignment', () => assigned[0]);
    expect(member.lastError).toBeUndefined();
  });

  it('gives up after retryTimeoutMs when asked to, with backoff in between', async () => {
    const coordinator = new FakeCoordinator();
    coordinator.onJoin = () =>
      Promise.reject(groupError(GroupErrorCode.COORDINATOR_UNAVAILABLE, 'JoinGroup'));
    const { member } = memberOn(coordinator, { retryTimeoutMs: 400 });
    const started = Date.now();
    member.start();
    const error = await failure(member);
    expect(error).toMatchObject({ code: 'SLUICE_GROUP_JOIN_FAILED', retriable: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    // 10 ms doubling to 40 ms: a handful of attempts, not a busy loop.
    expect(coordinator.joins.length).toBeGreaterThan(4);
    expect(coordinator.joins.length).toBeLessThan(30);
    expect(member.state).toBe('failed');
    expect(member.lastError).toBe(error);
    expect(coordinator.leaves).toEqual([]);
  });

  it('fails at once on an error that retrying cannot fix', async () => {
    const coordinator = new FakeCoordinator();
    coordinator.onJoin = () =>
      Promise.reject(groupError(GroupErrorCode.GROUP_REQUEST_FAILED, 'JoinGroup', { retriable: false }));
    const { member } = memberOn(coordinator);
    member.start();
    await expect(member.closed).rejects.toMatchObject({ code: 'SLUICE_KAFKA_GROUP_REQUEST_FAILED' });
    expect(coordinator.joins).toHaveLength(1);
    expect(member.state).toBe('failed');
  });

  it('fails fast, naming the cause, when the group is used by another protocol type', async () => {
    const coordinator = new FakeCoordinator();
    coordinator.onJoin = () =>
      Promise.reject(
        groupError(GroupErrorCode.INCONSISTENT_GROUP_PROTOCOL, 'JoinGroup', { retriable: false }),
      );
    const { member } = memberOn(coordinator, { groupId: 'connect-cluster' });
    member.start();
    const error = await failure(member);
    expect(error).toMatchObject({
      code: 'SLUICE_GROUP_PROTOCOL_INCONSISTENT',
      message:
        'group connect-cluster is used by members of another protocol type (a running Apache Kafka Connect ' +
        'cluster uses "connect") or of no protocol in common with this member (protocol type sluice, ' +
        'protocols test-v1); stop them, or use another group.id',
    });
    expect(coordinator.joins).toHaveLength(1);
    expect(coordinator.leaves).toEqual([]);
  });

  it('stops promptly while a JoinGroup is blocked, and stop() is idempotent', async () => {
    const coordinator = new FakeCoordinator();
    coordinator.onJoin = () => new Promise<never>(() => undefined);
    const { member, revoked } = memberOn(coordinator);
    member.start();
    await waitFor('join sent', () => coordinator.joins[0]);
    const started = Date.now();
    await Promise.all([member.stop(), member.stop()]);
    await member.stop();
    expect(Date.now() - started).toBeLessThan(2 * HEARTBEAT_MS);
    expect(member.state).toBe('stopped');
    expect(revoked).toEqual([]);
    expect(() => member.start()).toThrow(SluiceError);
  });

  it('rejoins right away when SyncGroup says a new rebalance started', async () => {
    const coordinator = new FakeCoordinator();
    let syncs = 0;
    coordinator.onSync = (request) =>
      ++syncs === 1
        ? Promise.reject(groupError(GroupErrorCode.REBALANCE_IN_PROGRESS, 'SyncGroup'))
        : Promise.resolve(coordinator.ownAssignment(request));
    const { member, assigned } = memberOn(coordinator);
    member.start();
    await waitFor('assignment', () => assigned[0]);
    expect(coordinator.log.slice(0, 5)).toEqual([
      'join()',
      'sync(1)',
      'join(member-1)',
      'sync(2)',
      'assigned(2)',
    ]);
  });

  it('rejoins when the leader sent no assignment for this member, or one it cannot decode', async () => {
    const coordinator = new FakeCoordinator();
    let syncs = 0;
    coordinator.onSync = (request) => {
      syncs++;
      if (syncs === 1) return Promise.resolve(new Uint8Array());
      if (syncs === 2) return Promise.resolve(new TextEncoder().encode('{not json'));
      return Promise.resolve(coordinator.ownAssignment(request));
    };
    const { member, assigned } = memberOn(coordinator);
    member.start();
    await waitFor('assignment', () => assigned[0]);
    expect(assigned[0]!.generationId).toBe(3);
  });

  it('heartbeats at once after every SyncGroup, not a heartbeat interval later', async () => {
    // Kafka 4 does not restart the session timer on a SyncGroup it answers from a stable generation.
    const coordinator = new FakeCoordinator();
    const syncedAt = new Map<number, number>();
    const heartbeatAt = new Map<number, number>();
    coordinator.onSync = (request) => {
      syncedAt.set(request.generationId, performance.now());
      return Promise.resolve(coordinator.ownAssignment(request));
    };
    coordinator.onHeartbeat = (request) => {
      if (!heartbeatAt.has(request.generationId)) heartbeatAt.set(request.generationId, performance.now());
      return Promise.resolve();
    };
    const { member } = memberOn(coordinator, { sessionTimeoutMs: 3_000, heartbeatIntervalMs: 1_000 });
    member.start();
    await waitFor('a heartbeat in generation 1', () => heartbeatAt.get(1));
    member.requestRejoin();
    await waitFor('a heartbeat in generation 2', () => heartbeatAt.get(2));
    for (const generation of [1, 2]) {
      expect(heartbeatAt.get(generation)! - syncedAt.get(generation)!).toBeLessThan(250);
    }
  });

  it('sends heartbeats an interval apart from when each was sent, however slowly they are answered', async () => {
    // Kafka 4's coordinator answers a heartbeat once its pending writes are committed.
    const coordinator = new FakeCoordinator();
    const sentAt: number[] = [];
    coordinator.onHeartbeat = async () => {
      sentAt.push(performance.now());
      await delay(150);
    };
    const { member } = memberOn(coordinator, { sessionTimeoutMs: 2_000, heartbeatIntervalMs: 300 });
    member.start();
    await waitFor('five heartbeats', () => (sentAt.length >= 5 ? true : undefined));
    const gaps = sentAt.slice(1).map((at, i) => at - sentAt[i]!);
    // 300 ms apart, not 450 (answer + interval).
    for (const gap of gaps) expect(gap).toBeLessThan(400);
  });

  it('rejoins on requestRejoin()', async () => {
    const coordinator = new FakeCoordinator();
    const { member, assigned, revoked } = memberOn(coordinator);
    member.start();
    await waitFor('first assignment', () => assigned[0]);
    member.requestRejoin();
    await waitFor('second assignment', () => assigned[1]);
    expect(revoked[0]).toMatchObject({ reason: 'rebalance', generationId: 1 });
  });

  it('revokes with reason failed, leaves and fails when onAssigned throws', async () => {
    const coordinator = new FakeCoordinator();
    const { member, revoked } = memberOn(coordinator, {
      onAssigned: () => Promise.reject(new Error('cannot start tasks')),
    });
    member.start();
    await expect(member.closed).rejects.toThrow('cannot start tasks');
    expect(revoked).toEqual([expect.objectContaining({ reason: 'failed' })]);
    expect(coordinator.leaves).toHaveLength(1);
    expect(member.state).toBe('failed');
  });

  it('fails without leaving the group when onRevoked throws (its work may still run)', async () => {
    const coordinator = new FakeCoordinator();
    const { member, assigned } = memberOn(coordinator, {
      onRevoked: () => Promise.reject(new Error('task would not stop')),
    });
    member.start();
    await waitFor('assignment', () => assigned[0]);
    member.requestRejoin();
    await expect(member.closed).rejects.toThrow('task would not stop');
    expect(coordinator.leaves).toEqual([]);
    expect(coordinator.joins).toHaveLength(1);
    expect(member.leaseExpiresAt()).toBe(0);
  });

  it('fails when the leader assigns a member set that does not match the group', async () => {
    const coordinator = new FakeCoordinator();
    const { member } = memberOn(coordinator, { assign: () => new Map() });
    member.start();
    await expect(member.closed).rejects.toMatchObject({
      code: 'SLUICE_GROUP_PROTOCOL_VIOLATION',
      message: expect.stringContaining('missing: [member-1]') as unknown,
    });
  });

  it('waits for an assign that returns a promise, heartbeating so the coordinator keeps the leader', async () => {
    const coordinator = new FakeCoordinator();
    const { member, assigned } = memberOn(coordinator, {
      assign: async (all, { leaderId }) => {
        await delay(SESSION_MS * 1.5); // longer than the session: only heartbeats keep the leader a member
        return new Map(all.map((m) => [m.memberId, assignmentFor(m, leaderId)]));
      },
    });
    member.start();
    await waitFor('assignment', () => assigned[0], { timeoutMs: 10 * SESSION_MS });
    const duringAssign = coordinator.heartbeatRequests.filter((request) => request.generationId === 1);
    expect(duringAssign.length).toBeGreaterThanOrEqual(Math.floor((SESSION_MS * 1.5) / HEARTBEAT_MS) - 3);
    // The heartbeats stopped before SyncGroup went out: none is counted after it.
    expect(coordinator.log.slice(0, 3)).toEqual(['join()', 'sync(1)', 'assigned(1)']);
  });

  it('fails when an async assign rejects, and stops while one is pending', async () => {
    const rejecting = new FakeCoordinator();
    const { member } = memberOn(rejecting, {
      assign: () => Promise.reject(new Error('config topic unreadable')),
    });
    member.start();
    await expect(member.closed).rejects.toThrow('config topic unreadable');

    const hanging = new FakeCoordinator();
    const { member: waiting } = memberOn(hanging, { assign: () => new Promise<never>(() => undefined) });
    waiting.start();
    await waitFor('assigning', () => (waiting.state === 'syncing' ? true : undefined));
    await waiting.stop();
    expect(waiting.state).toBe('stopped');
    expect(hanging.syncs).toEqual([]);
  });

  it('validates its options, naming the Kafka property', () => {
    const client = new FakeCoordinator();
    const base: KafkaGroupMemberOptions<Metadata, Assignment> = {
      groupId: 'g',
      client,
      protocols: [jsonProtocol('test-v1')],
      metadata: () => metadata,
      assign: () => new Map<string, Assignment>(),
      onAssigned: () => Promise.resolve(),
      onRevoked: () => Promise.resolve(),
    };
    const attempt = (overrides: Partial<KafkaGroupMemberOptions<Metadata, Assignment>>) => () =>
      new KafkaGroupMember({ ...base, ...overrides });
    expect(attempt({ groupId: '' })).toThrow(
      new ConfigError('group.id', 'group.id must be a non-empty string, got ""'),
    );
    expect(attempt({ sessionTimeoutMs: 0 })).toThrow(
      'session.timeout.ms must be a positive integer of milliseconds, got 0',
    );
    expect(attempt({ sessionTimeoutMs: 3000, heartbeatIntervalMs: 3000 })).toThrow(
      'heartbeat.interval.ms must be lower than session.timeout.ms (3000), got 3000',
    );
    expect(attempt({ rebalanceTimeoutMs: 1.5 })).toThrow('rebalance.timeout.ms must be a positive integer');
    expect(attempt({ client: undefined })).toThrow('exactly one of kafka and client must be given');
    expect(attempt({ protocols: [] })).toThrow('protocols must list at least one group protocol');
    expect(attempt({ protocols: [jsonProtocol('a'), jsonProtocol('a')] })).toThrow(
      'protocols must have distinct names, a appears twice',
    );
    expect(attempt({ groupInstanceId: ' ' })).toThrow(
      'group.instance.id must be a non-empty string, got " "',
    );
    expect(attempt({ retryTimeoutMs: 0 })).toThrow('retryTimeoutMs must be a positive integer');
    const error = (() => {
      try {
        attempt({ heartbeatIntervalMs: -1 })();
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toMatchObject({ code: 'SLUICE_CONFIG_INVALID', key: 'heartbeat.interval.ms' });
  });
});

describe('KafkaGroupMember lease', () => {
  it('starts at the first assignment, from when SyncGroup was sent, and every heartbeat extends it', async () => {
    const coordinator = new FakeCoordinator();
    let syncSentAt = 0;
    coordinator.onSync = (request) => {
      syncSentAt = performance.now();
      return Promise.resolve(coordinator.ownAssignment(request));
    };
    let leaseAtAssignment: number | undefined;
    const { member, assigned, leases } = memberOn(coordinator, {
      onAssigned: (event) => {
        leaseAtAssignment = member.leaseExpiresAt();
        assigned.push(event);
        return Promise.resolve();
      },
    });
    expect(member.leaseExpiresAt()).toBe(0);
    member.start();
    await waitFor('assignment', () => assigned[0]);
    // Measured on our side after the member read its clock, so at most the time in between later.
    expect(leaseAtAssignment).toBeLessThanOrEqual(syncSentAt + LOST_AFTER_MS);
    expect(leaseAtAssignment).toBeGreaterThan(syncSentAt + LOST_AFTER_MS - 50);
    await waitFor('three heartbeats', () => (coordinator.heartbeats >= 3 ? true : undefined));
    expect(leases.length).toBeGreaterThanOrEqual(3);
    expect(leases).toEqual([...leases].sort((a, b) => a - b));
    expect(member.leaseExpiresAt()).toBe(leases.at(-1));
    expect(member.leaseExpiresAt()).toBeGreaterThan(performance.now());
  });

  it('holds through a rebalance revocation and rejoin, and ends after onRevoked on stop', async () => {
    const coordinator = new FakeCoordinator();
    const seen: Array<{ event: string; lease: number }> = [];
    const { member, assigned, leases } = memberOn(coordinator, {
      onAssigned: (event) => {
        seen.push({ event: `assigned(${event.generationId})`, lease: member.leaseExpiresAt() });
        assigned.push(event);
        return Promise.resolve();
      },
      onRevoked: (event) => {
        seen.push({ event: `revoked(${event.reason})`, lease: member.leaseExpiresAt() });
        return Promise.resolve();
      },
    });
    member.start();
    await waitFor('first assignment', () => assigned[0]);
    const joinedAgain = new Promise<void>((resolve) => {
      coordinator.onJoin = (request) => {
        // While it rejoins, the member still holds a lease.
        seen.push({ event: 'join', lease: member.leaseExpiresAt() });
        resolve();
        return coordinator.joinAlone(request);
      };
    });
    member.requestRejoin();
    await joinedAgain;
    await waitFor('second assignment', () => assigned[1]);
    await member.stop();
    expect(seen.map((item) => item.event)).toEqual([
      'assigned(1)',
      'revoked(rebalance)',
      'join',
      'assigned(2)',
      'revoked(stop)',
    ]);
    expect(seen.every((item) => item.lease > 0)).toBe(true);
    expect(member.leaseExpiresAt()).toBe(0);
    expect(leases.at(-1)).toBe(0);
    expect(leases.filter((lease) => lease === 0)).toHaveLength(1);
  });

  it('is not extended by an assignment of the generation it had: that join restarted no session timer', async () => {
    // A follower that rejoins with unchanged metadata gets its generation back, and Kafka 4 does not
    // restart its session timer on that SyncGroup (3.9 did): only its heartbeats count.
    const coordinator = new FakeCoordinator();
    let leaseAtSecond: number | undefined;
    const { member, assigned } = memberOn(coordinator, {
      onAssigned: (event) => {
        if (assigned.length === 1) leaseAtSecond = member.leaseExpiresAt();
        assigned.push(event);
        return Promise.resolve();
      },
    });
    member.start();
    await waitFor('first assignment', () => assigned[0]);
    await waitFor('a heartbeat', () => (coordinator.heartbeats >= 1 ? true : undefined));
    // From here heartbeats go unanswered, and the coordinator gives the same generation back.
    coordinator.onHeartbeat = () => new Promise<void>(() => undefined);
    coordinator.onJoin = (request) => {
      coordinator.generation--; // joinAlone counts it up again: the same generation
      return coordinator.joinAlone(request);
    };
    await delay(200);
    const before = member.leaseExpiresAt();
    member.requestRejoin();
    await waitFor('second assignment', () => assigned[1]);
    expect(assigned[1]!.generationId).toBe(assigned[0]!.generationId);
    expect(leaseAtSecond).toBe(before);
  });

  it('is not extended while a JoinGroup waits: it runs out, and SyncGroup extends it again', async () => {
    const coordinator = new FakeCoordinator();
    const { member, assigned } = memberOn(coordinator);
    member.start();
    await waitFor('first assignment', () => assigned[0]);
    let release!: () => void;
    coordinator.onJoin = async (request) => {
      await new Promise<void>((resolve) => (release = resolve));
      return coordinator.joinAlone(request);
    };
    const before = member.leaseExpiresAt();
    member.requestRejoin();
    await waitFor('the lease to run out while the join waits', () =>
      performance.now() > member.leaseExpiresAt() ? true : undefined,
    );
    // Still held (the coordinator may keep the member), but not extended: the same deadline.
    expect(member.leaseExpiresAt()).toBe(before);
    expect(member.state).toBe('joining');
    const releasedAt = performance.now();
    release();
    await waitFor('second assignment', () => assigned[1]);
    expect(member.leaseExpiresAt()).toBeGreaterThanOrEqual(releasedAt + LOST_AFTER_MS);
  });

  it('after a SyncGroup that waited past the lease, heartbeats at once and keeps the assignment', async () => {
    const coordinator = new FakeCoordinator();
    coordinator.onSync = async (request) => {
      await delay(2 * LOST_AFTER_MS); // the leader took its time
      return coordinator.ownAssignment(request);
    };
    let leaseAtAssignment: number | undefined;
    const { member, assigned, revoked } = memberOn(coordinator, {
      onAssigned: (event) => {
        leaseAtAssignment = member.leaseExpiresAt();
        assigned.push(event);
        return Promise.resolve();
      },
    });
    member.start();
    await waitFor('assignment', () => assigned[0]);
    const assignedAt = performance.now();
    // Granted from when SyncGroup was sent: already over, so the owner may not act yet...
    expect(leaseAtAssignment).toBeLessThan(assignedAt);
    await waitFor('a heartbeat', () => (coordinator.heartbeats >= 1 ? true : undefined));
    // ...until the first heartbeat, sent at once, confirms the membership.
    expect(coordinator.heartbeats).toBeGreaterThanOrEqual(1);
    await delay(HEARTBEAT_MS / 2);
    expect(member.leaseExpiresAt()).toBeGreaterThan(assignedAt + LOST_AFTER_MS - HEARTBEAT_MS);
    await delay(LOST_AFTER_MS);
    expect(revoked).toEqual([]);
    expect(member.state).toBe('stable');
  });

  it('ends at once when the member learns, while rejoining, that it was expelled', async () => {
    const coordinator = new FakeCoordinator();
    const { member, assigned, leases } = memberOn(coordinator);
    member.start();
    await waitFor('first assignment', () => assigned[0]);
    let attempts = 0;
    coordinator.onJoin = (request) =>
      ++attempts === 1
        ? Promise.reject(groupError(GroupErrorCode.UNKNOWN_MEMBER_ID, 'JoinGroup'))
        : coordinator.joinAlone(request);
    member.requestRejoin();
    await waitFor('second assignment', () => assigned[1]);
    // The lease went to 0 (the owner must stop what it kept), then a new one came with the new assignment.
    const zero = leases.indexOf(0);
    expect(zero).toBeGreaterThan(0);
    expect(leases.slice(zero + 1).every((lease) => lease > 0)).toBe(true);
    expect(coordinator.joins.at(-1)!.memberId).toBe('');
  });

  it('ends before onRevoked when the membership is lost', async () => {
    const coordinator = new FakeCoordinator();
    let expelled = false;
    coordinator.onHeartbeat = () =>
      expelled
        ? Promise.reject(groupError(GroupErrorCode.ILLEGAL_GENERATION, 'Heartbeat'))
        : Promise.resolve();
    let leaseInRevoke: number | undefined;
    const { member, assigned } = memberOn(coordinator, {
      onRevoked: () => {
        leaseInRevoke = member.leaseExpiresAt();
        return Promise.resolve();
      },
    });
    member.start();
    await waitFor('first assignment', () => assigned[0]);
    expelled = true;
    coordinator.onJoin = (request) => {
      expelled = false;
      return coordinator.joinAlone(request);
    };
    await waitFor('second assignment', () => assigned[1]);
    expect(leaseInRevoke).toBe(0);
  });

  it('survives an onLease that throws', async () => {
    const coordinator = new FakeCoordinator();
    const { member, assigned } = memberOn(coordinator, {
      onLease: () => {
        throw new Error('owner bug');
      },
    });
    member.start();
    await waitFor('assignment', () => assigned[0]);
    await waitFor('heartbeats', () => (coordinator.heartbeats >= 2 ? true : undefined));
    expect(member.state).toBe('stable');
    expect(member.leaseExpiresAt()).toBeGreaterThan(0);
  });
});

describe('KafkaGroupMember static membership', () => {
  it('sends its group.instance.id with every request and does not leave on stop', async () => {
    const coordinator = new FakeCoordinator();
    const { member, assigned } = memberOn(coordinator, { groupInstanceId: 'sluice-sink-3' });
    member.start();
    await waitFor('assignment', () => assigned[0]);
    await waitFor('heartbeat', () => coordinator.heartbeatRequests[0]);
    await member.stop();
    expect(coordinator.joins[0]!.groupInstanceId).toBe('sluice-sink-3');
    expect(coordinator.syncs[0]!.groupInstanceId).toBe('sluice-sink-3');
    expect(coordinator.heartbeatRequests[0]!.groupInstanceId).toBe('sluice-sink-3');
    expect(coordinator.leaves).toEqual([]);
    expect(member.state).toBe('stopped');
  });

  it('leaves with its instance id when stopped with leave: true; a dynamic member stays with leave: false', async () => {
    const staticCoordinator = new FakeCoordinator();
    const { member: leaving, assigned } = memberOn(staticCoordinator, { groupInstanceId: 'task-0' });
    leaving.start();
    await waitFor('assignment', () => assigned[0]);
    await leaving.stop({ leave: true });
    expect(staticCoordinator.leaves).toEqual([
      { groupId: 'g', memberId: 'member-1', groupInstanceId: 'task-0' },
    ]);

    const dynamicCoordinator = new FakeCoordinator();
    const { member: staying, assigned: assignedToo } = memberOn(dynamicCoordinator);
    staying.start();
    await waitFor('assignment', () => assignedToo[0]);
    await staying.stop({ leave: false });
    expect(dynamicCoordinator.leaves).toEqual([]);
  });

  it('when fenced, revokes as lost and fails for good, without leaving or rejoining', async () => {
    const coordinator = new FakeCoordinator();
    let fenced = false;
    coordinator.onHeartbeat = () =>
      fenced
        ? Promise.reject(groupError(GroupErrorCode.FENCED_INSTANCE_ID, 'Heartbeat', { retriable: false }))
        : Promise.resolve();
    const { member, assigned, revoked } = memberOn(coordinator, { groupInstanceId: 'task-0' });
    member.start();
    await waitFor('assignment', () => assigned[0]);
    fenced = true;
    const error = await failure(member);
    expect(error).toMatchObject({
      code: 'SLUICE_GROUP_MEMBER_FENCED',
      message:
        'group g: another process joined with group.instance.id "task-0" and took this member\'s place; ' +
        'this member stops for good (joining again would fence the new owner)',
    });
    expect(revoked).toEqual([expect.objectContaining({ reason: 'lost', generationId: 1 })]);
    expect(coordinator.joins).toHaveLength(1);
    expect(coordinator.leaves).toEqual([]);
    expect(member.leaseExpiresAt()).toBe(0);
  });

  it('when fenced while rejoining, fails for good without leaving', async () => {
    const coordinator = new FakeCoordinator();
    const { member, assigned, leases } = memberOn(coordinator, { groupInstanceId: 'task-0' });
    member.start();
    await waitFor('assignment', () => assigned[0]);
    coordinator.onJoin = () =>
      Promise.reject(groupError(GroupErrorCode.FENCED_INSTANCE_ID, 'JoinGroup', { retriable: false }));
    member.requestRejoin();
    await expect(member.closed).rejects.toMatchObject({ code: 'SLUICE_GROUP_MEMBER_FENCED' });
    expect(coordinator.joins).toHaveLength(2);
    expect(coordinator.leaves).toEqual([]);
    expect(leases.at(-1)).toBe(0);
  });
});
