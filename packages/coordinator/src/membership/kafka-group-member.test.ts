import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError, SluiceError } from '@sluice/errors';
import { GroupErrorCode, GroupRequestError } from '@sluice/kafka-client';
import type {
  GroupCoordinatorClient,
  GroupRequestName,
  HeartbeatRequest,
  JoinGroupRequest,
  JoinGroupResult,
  LeaveGroupRequest,
  SyncGroupRequest,
} from '@sluice/kafka-client';
import { Assignment, MemberMetadata } from '@sluice/protocol';
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

/**
 * A scripted group coordinator for one member. By default it behaves like a group of one: JoinGroup makes
 * the caller the leader of a new generation, SyncGroup hands back what the leader assigned it, heartbeats
 * succeed. Tests replace `onJoin`, `onSync`, `onHeartbeat` to inject what a real coordinator would answer.
 */
class FakeCoordinator implements GroupCoordinatorClient {
  readonly log: string[] = [];
  readonly joins: JoinGroupRequest[] = [];
  readonly leaves: LeaveGroupRequest[] = [];
  heartbeats = 0;
  generation = 0;
  disconnected = false;
  onJoin: (request: JoinGroupRequest, attempt: number) => Promise<JoinGroupResult> = (request) =>
    this.joinAlone(request);
  onSync: (request: SyncGroupRequest) => Promise<Uint8Array> = (request) =>
    Promise.resolve(this.ownAssignment(request));
  onHeartbeat: (request: HeartbeatRequest) => Promise<void> = () => Promise.resolve();

  joinAlone(request: JoinGroupRequest): Promise<JoinGroupResult> {
    const memberId = request.memberId === '' ? `member-${this.joins.length}` : request.memberId;
    this.generation++;
    return Promise.resolve({
      generationId: this.generation,
      protocolName: request.protocols[0]!.name,
      leaderId: memberId,
      memberId,
      members: [{ memberId, metadata: request.protocols[0]!.metadata }],
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
    this.log.push(`sync(${request.generationId})`);
    return this.onSync(request);
  }
  async heartbeat(request: HeartbeatRequest): Promise<void> {
    this.heartbeats++;
    return this.onHeartbeat(request);
  }
  leaveGroup(request: LeaveGroupRequest): Promise<void> {
    this.leaves.push(request);
    this.log.push(`leave(${request.memberId})`);
    return Promise.resolve();
  }
}

const metadata: MemberMetadata = {
  version: 1,
  url: 'http://w1:8083',
  configOffset: 7,
  connectors: [],
  tasks: [],
};

function assignmentFor(member: GroupMemberInfo, leaderId: string): Assignment {
  return {
    version: 1,
    error: 0,
    leaderId,
    leaderUrl: 'http://w1:8083',
    configOffset: member.metadata.configOffset,
    connectors: [`for-${member.memberId}`],
    tasks: [],
    revokedConnectors: [],
    revokedTasks: [],
    delayMs: 0,
  };
}

const members: KafkaGroupMember[] = [];
afterEach(async () => {
  await Promise.all(members.splice(0).map((member) => member.stop()));
});

/** A member on the fake coordinator, with fast timings, recording its callbacks into `coordinator.log`. */
function memberOn(coordinator: FakeCoordinator, overrides: Partial<KafkaGroupMemberOptions> = {}) {
  const assigned: AssignedEvent[] = [];
  const revoked: RevokedEvent[] = [];
  const member = new KafkaGroupMember({
    groupId: 'g',
    client: coordinator,
    sessionTimeoutMs: 600,
    heartbeatIntervalMs: 100,
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
    ...overrides,
  });
  members.push(member);
  return { member, assigned, revoked };
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
    });
    expect(assigned[0]!.assignment).toMatchObject({ connectors: ['for-member-1'], configOffset: 7 });
    expect(member.state).toBe('stable');
    expect(member.generation).toEqual({ generationId: 1, memberId: 'member-1', leaderId: 'member-1' });
    expect(MemberMetadata.decode(coordinator.joins[0]!.protocols[0]!.metadata)).toEqual(metadata);
    expect(coordinator.joins[0]).toMatchObject({
      protocolType: 'sluice',
      sessionTimeoutMs: 600,
      rebalanceTimeoutMs: 60_000,
    });

    await waitFor('heartbeats', () => (coordinator.heartbeats >= 3 ? true : undefined));
    await member.stop();
    expect(revoked).toEqual([
      expect.objectContaining({ reason: 'stop', generationId: 1, memberId: 'member-1' }),
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
      onAssigned: (event) => {
        assigned.push(event);
        coordinator.log.push(`assigned(${event.generationId})`);
        return Promise.resolve();
      },
      onRevoked: async (event) => {
        coordinator.log.push(`revoked(${event.generationId},${event.reason})`);
        rebalancing = false;
        const before = coordinator.heartbeats;
        await delay(350); // a slow revocation: the coordinator must keep hearing from us
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
    const { member, assigned } = memberOn(coordinator, {
      onRevoked: (event) => {
        if (event.reason === 'lost') lostAfter ??= Date.now() - failingSince!;
        return Promise.resolve();
      },
    });
    member.start();
    await waitFor('assignment', () => assigned[0]);
    await delay(150);
    failingSince = Date.now();
    coordinator.onJoin = (request) => {
      failingSince = undefined;
      return coordinator.joinAlone(request);
    };
    await waitFor('loss', () => lostAfter);
    // lost after session (600) - heartbeat interval (100) = 500 ms of silence, measured from the last
    // successful heartbeat's send time, which was at most one interval before the failures began.
    expect(lostAfter).toBeGreaterThanOrEqual(350);
    expect(lostAfter).toBeLessThan(600);
    // The id may still be valid after a timeout: the member tries it first.
    await waitFor('rejoin', () => assigned[1]);
    expect(coordinator.joins[1]!.memberId).toBe('member-1');
  });

  it('retries a coordinator that is unavailable with backoff, and fails once the retry time is over', async () => {
    const coordinator = new FakeCoordinator();
    coordinator.onJoin = () =>
      Promise.reject(groupError(GroupErrorCode.COORDINATOR_UNAVAILABLE, 'JoinGroup'));
    const { member } = memberOn(coordinator, { retryTimeoutMs: 400 });
    const started = Date.now();
    member.start();
    const error: unknown = await member.closed.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toMatchObject({ code: 'SLUICE_GROUP_JOIN_FAILED', retriable: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    // 10 ms doubling to 40 ms: a handful of attempts, not a busy loop.
    expect(coordinator.joins.length).toBeGreaterThan(4);
    expect(coordinator.joins.length).toBeLessThan(30);
    expect(member.state).toBe('failed');
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

  it('stops promptly while a JoinGroup is blocked, and stop() is idempotent', async () => {
    const coordinator = new FakeCoordinator();
    coordinator.onJoin = () => new Promise<never>(() => undefined);
    const { member, revoked } = memberOn(coordinator);
    member.start();
    await waitFor('join sent', () => coordinator.joins[0]);
    const started = Date.now();
    await Promise.all([member.stop(), member.stop()]);
    await member.stop();
    expect(Date.now() - started).toBeLessThan(200);
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

  it('rejoins when the leader sent no assignment for this member', async () => {
    const coordinator = new FakeCoordinator();
    let syncs = 0;
    coordinator.onSync = (request) =>
      Promise.resolve(++syncs === 1 ? new Uint8Array() : coordinator.ownAssignment(request));
    const { member, assigned } = memberOn(coordinator);
    member.start();
    await waitFor('assignment', () => assigned[0]);
    expect(assigned[0]!.generationId).toBe(2);
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

  it('validates its options, naming the Kafka Connect property', () => {
    const client = new FakeCoordinator();
    const base = {
      groupId: 'g',
      client,
      metadata: () => metadata,
      assign: () => new Map<string, Assignment>(),
      onAssigned: () => Promise.resolve(),
      onRevoked: () => Promise.resolve(),
    };
    const attempt = (overrides: Partial<KafkaGroupMemberOptions>) => () =>
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

  it('encodes assignments with the protocol package so any member can read them', async () => {
    const coordinator = new FakeCoordinator();
    let sent: Uint8Array | undefined;
    coordinator.onSync = (request) => {
      sent = coordinator.ownAssignment(request);
      return Promise.resolve(sent);
    };
    const { member, assigned } = memberOn(coordinator);
    member.start();
    await waitFor('assignment', () => assigned[0]);
    expect(Assignment.decode(sent!)).toEqual(assigned[0]!.assignment);
  });
});
