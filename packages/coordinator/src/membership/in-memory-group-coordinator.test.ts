// Kafka's classic group semantics, request by request, on a clock the tests move by hand.
import { GroupErrorCode } from '@sluice/kafka-client';
import type { GroupCoordinatorClient, JoinGroupRequest, JoinGroupResult } from '@sluice/kafka-client';
import { describe, expect, it } from 'vitest';
import { InMemoryGroupCoordinator } from './in-memory-group-coordinator.js';
import type { GroupClock, InMemoryGroupCoordinatorOptions } from './in-memory-group-coordinator.js';

class ManualClock implements GroupClock {
  #now = 0;
  #next = 0;
  readonly #timers = new Map<number, { at: number; callback: () => void }>();

  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.#next;
    this.#timers.set(id, { at: this.#now + ms, callback });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  /** Moves time forward, firing due timers in order (and the requests' answers in between). */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      // Requests in flight may schedule timers first.
      await flush();
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.#timers) {
        if (entry[1].at <= target && (due === undefined || entry[1].at < due[1].at)) due = entry;
      }
      if (due === undefined) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].callback();
    }
    this.#now = target;
  }
}

/** Lets queued requests and answers run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

type RequestError = Error & { code?: string; memberId?: string };

interface Outcome<T> {
  readonly done: boolean;
  readonly value: T | undefined;
  readonly error: RequestError | undefined;
}

/** Watches a request that may be answered only later. */
function watch<T>(promise: Promise<T>): Outcome<T> {
  const outcome: { done: boolean; value: T | undefined; error: RequestError | undefined } = {
    done: false,
    value: undefined,
    error: undefined,
  };
  promise.then(
    (value) => Object.assign(outcome, { done: true, value }),
    (error: Error) => Object.assign(outcome, { done: true, error }),
  );
  return outcome;
}

const SESSION = 1_000;
const REBALANCE = 5_000;
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array | undefined) =>
  data === undefined ? undefined : new TextDecoder().decode(data);

function joinRequest(
  memberId: string,
  protocols: Array<[string, string]> = [['p1', 'meta']],
  extra: Partial<JoinGroupRequest> = {},
): JoinGroupRequest {
  return {
    groupId: 'g',
    memberId,
    sessionTimeoutMs: SESSION,
    rebalanceTimeoutMs: REBALANCE,
    protocolType: 'sluice',
    protocols: protocols.map(([name, metadata]) => ({ name, metadata: bytes(metadata) })),
    ...extra,
  };
}

function setup(options: InMemoryGroupCoordinatorOptions = {}) {
  const clock = new ManualClock();
  const coordinator = new InMemoryGroupCoordinator({ clock, ...options });
  /** A dynamic member's first join: MEMBER_ID_REQUIRED, then the join with the id it was handed. */
  async function join(
    client: GroupCoordinatorClient,
    protocols?: Array<[string, string]>,
    extra: Partial<JoinGroupRequest> = {},
  ): Promise<Outcome<JoinGroupResult>> {
    const first = watch(client.joinGroup(joinRequest('', protocols, extra)));
    // Past the timers that are due now (an initial rebalance delay of 0).
    await clock.advance(0);
    if (extra.groupInstanceId !== undefined) return first;
    expect(first.error).toMatchObject({ code: GroupErrorCode.MEMBER_ID_REQUIRED });
    const memberId = first.error!.memberId!;
    const second = watch(client.joinGroup(joinRequest(memberId, protocols, extra)));
    await clock.advance(0);
    return second;
  }
  async function sync(
    client: GroupCoordinatorClient,
    joined: JoinGroupResult,
    assignments: Array<[string, string]> = [],
    groupInstanceId?: string,
  ): Promise<Outcome<Uint8Array>> {
    const outcome = watch(
      client.syncGroup({
        groupId: 'g',
        generationId: joined.generationId,
        memberId: joined.memberId,
        groupInstanceId,
        assignments: assignments.map(([memberId, assignment]) => ({
          memberId,
          assignment: bytes(assignment),
        })),
      }),
    );
    await flush();
    return outcome;
  }
  async function heartbeat(
    client: GroupCoordinatorClient,
    joined: { generationId: number; memberId: string },
    groupInstanceId?: string,
  ): Promise<Outcome<void>> {
    const outcome = watch(
      client.heartbeat({
        groupId: 'g',
        generationId: joined.generationId,
        memberId: joined.memberId,
        groupInstanceId,
      }),
    );
    await flush();
    return outcome;
  }
  return { clock, coordinator, join, sync, heartbeat };
}

/** Two dynamic members in a stable generation: `a` leads and assigned "for-a" and "for-b". */
async function stableTwo(options: InMemoryGroupCoordinatorOptions = {}) {
  const env = setup(options);
  const [a, b] = [env.coordinator.client(), env.coordinator.client()];
  const aJoin = await env.join(a);
  const bJoin = await env.join(b);
  // a joined alone first (generation 1), then b's join started generation 2, which waits for a to rejoin.
  expect(aJoin.value?.generationId).toBe(1);
  expect(bJoin.done).toBe(false);
  const aRejoin = watch(a.joinGroup(joinRequest(aJoin.value!.memberId)));
  await flush();
  const aJoined = aRejoin.value!;
  const bJoined = bJoin.value!;
  expect(aJoined).toMatchObject({ generationId: 2, leaderId: aJoined.memberId });
  const bSync = await env.sync(b, bJoined);
  const aSync = await env.sync(a, aJoined, [
    [aJoined.memberId, 'for-a'],
    [bJoined.memberId, 'for-b'],
  ]);
  expect(text(aSync.value)).toBe('for-a');
  expect(text(bSync.value)).toBe('for-b');
  return { ...env, a, b, aJoined, bJoined };
}

describe('InMemoryGroupCoordinator: joining', () => {
  it('hands out a member id on a first dynamic join, then forms a generation with the member as leader', async () => {
    const { coordinator, join, sync } = setup();
    const client = coordinator.client({ clientId: 'worker-1' });
    const joined = await join(client, [
      ['p1', 'meta-1'],
      ['p2', 'meta-2'],
    ]);
    expect(joined.value).toMatchObject({ generationId: 1, protocolName: 'p1' });
    const { memberId, leaderId, members } = joined.value!;
    expect(memberId).toMatch(/^worker-1-[0-9a-f-]{36}$/);
    expect(leaderId).toBe(memberId);
    expect(members.map((m) => [m.memberId, text(m.metadata)])).toEqual([[memberId, 'meta-1']]);
    expect(coordinator.describeGroup('g')).toMatchObject({ state: 'CompletingRebalance', generationId: 1 });
    const assignment = await sync(client, joined.value!, [[memberId, 'all of it']]);
    expect(text(assignment.value)).toBe('all of it');
    expect(coordinator.describeGroup('g')).toMatchObject({
      state: 'Stable',
      protocolType: 'sluice',
      protocol: 'p1',
    });
  });

  it('refuses members of another protocol type, or with no protocol in common', async () => {
    const { coordinator } = await stableTwo();
    const connect = watch(
      coordinator.client().joinGroup(joinRequest('', [['sessioned', 'x']], { protocolType: 'connect' })),
    );
    const foreign = watch(coordinator.client().joinGroup(joinRequest('', [['p9', 'x']])));
    await flushAll();
    for (const outcome of [connect, foreign]) {
      expect(outcome.error).toMatchObject({
        code: GroupErrorCode.INCONSISTENT_GROUP_PROTOCOL,
        retriable: false,
        kafkaError: 'INCONSISTENT_GROUP_PROTOCOL',
      });
    }
  });

  it('picks the protocol the members vote for among those all of them offer', async () => {
    const cases: Array<{ offers: Array<Array<[string, string]>>; chosen: string }> = [
      // The rolling-upgrade case: v2 is not offered by everyone yet.
      {
        offers: [
          [
            ['v2', 'm'],
            ['v1', 'm'],
          ],
          [
            ['v2', 'm'],
            ['v1', 'm'],
          ],
          [['v1', 'm']],
        ],
        chosen: 'v1',
      },
      // Two members prefer q, one p: q.
      {
        offers: [
          [
            ['p', 'm'],
            ['q', 'm'],
          ],
          [
            ['q', 'm'],
            ['p', 'm'],
          ],
          [
            ['q', 'm'],
            ['p', 'm'],
          ],
        ],
        chosen: 'q',
      },
    ];
    for (const { offers, chosen } of cases) {
      const { coordinator, clock } = setup({ initialRebalanceDelayMs: 100 });
      const clients = offers.map(() => coordinator.client());
      const firsts = clients.map((client, i) => watch(client.joinGroup(joinRequest('', offers[i]))));
      await flushAll();
      const joins = clients.map((client, i) =>
        watch(client.joinGroup(joinRequest(firsts[i]!.error!.memberId!, offers[i]))),
      );
      // The initial delay, once more because members kept arriving within it.
      await clock.advance(200);
      expect(joins.map((outcome) => outcome.value?.protocolName)).toEqual(offers.map(() => chosen));
      expect(joins.map((outcome) => outcome.value?.generationId)).toEqual([1, 1, 1]);
    }
  });

  it('waits its initial delay for more members before the first generation, extended while they arrive', async () => {
    const { coordinator, clock, join } = setup({ initialRebalanceDelayMs: 300 });
    const first = await join(coordinator.client());
    await clock.advance(200);
    const second = await join(coordinator.client());
    await clock.advance(200);
    // 400 ms after the first member: still waiting, a member came within the delay.
    expect(first.done).toBe(false);
    await clock.advance(200);
    expect(first.value?.generationId).toBe(1);
    expect(second.value?.generationId).toBe(1);
    expect(second.value?.leaderId).toBe(first.value?.memberId);
  });

  it('ends a join phase as soon as every member rejoined, keeping the leader that rejoined', async () => {
    const { a, b, aJoined, bJoined, coordinator } = await stableTwo();
    const bRejoin = watch(b.joinGroup(joinRequest(bJoined.memberId, [['p1', 'changed']])));
    await flushAll();
    // b's metadata changed: a rebalance, which waits for a.
    expect(bRejoin.done).toBe(false);
    expect(coordinator.describeGroup('g')?.state).toBe('PreparingRebalance');
    const aRejoin = watch(a.joinGroup(joinRequest(aJoined.memberId)));
    await flushAll();
    expect(aRejoin.value).toMatchObject({ generationId: 3, leaderId: aJoined.memberId });
    expect(aRejoin.value?.members.map((m) => [m.memberId, text(m.metadata)])).toEqual([
      [aJoined.memberId, 'meta'],
      [bJoined.memberId, 'changed'],
    ]);
    expect(bRejoin.value).toMatchObject({ generationId: 3, leaderId: aJoined.memberId, members: [] });
  });

  it('answers a follower that rejoins a stable group with unchanged metadata with the current generation', async () => {
    const { b, bJoined, coordinator, sync } = await stableTwo();
    const again = watch(b.joinGroup(joinRequest(bJoined.memberId)));
    await flushAll();
    expect(again.value).toMatchObject({ generationId: 2, memberId: bJoined.memberId, members: [] });
    expect(coordinator.describeGroup('g')?.state).toBe('Stable');
    expect(text((await sync(b, again.value!)).value)).toBe('for-b');
  });

  it('removes members that do not rejoin within the rebalance timeout, and elects a joined leader', async () => {
    const { a, b, aJoined, bJoined, clock } = await stableTwo();
    // b rejoins with new metadata; a (the leader) never does, though it keeps heartbeating.
    const bRejoin = watch(b.joinGroup(joinRequest(bJoined.memberId, [['p1', 'changed']])));
    await flushAll();
    for (let elapsed = 0; elapsed < REBALANCE; elapsed += SESSION / 2) {
      await clock.advance(SESSION / 2);
      await watchNow(a.heartbeat({ groupId: 'g', generationId: 2, memberId: aJoined.memberId }));
    }
    expect(bRejoin.value).toMatchObject({ generationId: 3, leaderId: bJoined.memberId });
    expect(bRejoin.value?.members.map((m) => m.memberId)).toEqual([bJoined.memberId]);
    const late = await watchNow(a.heartbeat({ groupId: 'g', generationId: 2, memberId: aJoined.memberId }));
    expect(late.error).toMatchObject({ code: GroupErrorCode.UNKNOWN_MEMBER_ID });
  });
});

describe('InMemoryGroupCoordinator: sessions and heartbeats', () => {
  it('answers heartbeats by the group state: rebalancing, old generation, unknown member', async () => {
    const { a, b, aJoined, bJoined, heartbeat } = await stableTwo();
    expect((await heartbeat(a, aJoined)).error).toBeUndefined();
    watch(b.joinGroup(joinRequest(bJoined.memberId, [['p1', 'changed']])));
    await flushAll();
    expect((await heartbeat(a, aJoined)).error).toMatchObject({ code: GroupErrorCode.REBALANCE_IN_PROGRESS });
    expect((await heartbeat(a, { ...aJoined, generationId: 1 })).error).toMatchObject({
      code: GroupErrorCode.ILLEGAL_GENERATION,
    });
    expect((await heartbeat(a, { generationId: 2, memberId: 'stranger' })).error).toMatchObject({
      code: GroupErrorCode.UNKNOWN_MEMBER_ID,
    });
  });

  it('expels a member whose session runs out, and the others learn of the rebalance', async () => {
    const { a, aJoined, bJoined, clock, heartbeat, coordinator } = await stableTwo();
    // a heartbeats, b stays silent.
    for (let elapsed = 0; elapsed < SESSION - SESSION / 4; elapsed += SESSION / 4) {
      await clock.advance(SESSION / 4);
      expect((await heartbeat(a, aJoined)).error).toBeUndefined();
    }
    expect(coordinator.describeGroup('g')?.members).toHaveLength(2);
    await clock.advance(SESSION / 4);
    expect(coordinator.describeGroup('g')?.members.map((m) => m.memberId)).toEqual([aJoined.memberId]);
    expect((await heartbeat(a, aJoined)).error).toMatchObject({ code: GroupErrorCode.REBALANCE_IN_PROGRESS });
    expect(bJoined.memberId).not.toBe(aJoined.memberId);
  });

  it('keeps a member that awaits a join past its session timeout, and restarts its session when the phase ends', async () => {
    const { a, b, aJoined, bJoined, clock, coordinator, heartbeat } = await stableTwo();
    // b rejoins (a new generation is prepared); a keeps heartbeating, so the phase waits up to the rebalance timeout.
    const bRejoin = watch(b.joinGroup(joinRequest(bJoined.memberId, [['p1', 'changed']])));
    await flushAll();
    for (let elapsed = 0; elapsed < 3 * SESSION; elapsed += SESSION / 2) {
      await clock.advance(SESSION / 2);
      await heartbeat(a, aJoined);
    }
    // b sent nothing for three session timeouts, but waits in JoinGroup: still a member.
    expect(coordinator.describeGroup('g')?.members).toHaveLength(2);
    const aRejoin = watch(a.joinGroup(joinRequest(aJoined.memberId)));
    await flushAll();
    expect(bRejoin.value?.generationId).toBe(3);
    expect(aRejoin.value?.generationId).toBe(3);
    // From the end of the phase b has one session timeout to sync or heartbeat; a syncs and heartbeats.
    await watchNow(
      a.syncGroup({ groupId: 'g', generationId: 3, memberId: aJoined.memberId, assignments: [] }),
    );
    await clock.advance(SESSION / 2);
    await heartbeat(a, aRejoin.value!);
    await clock.advance(SESSION / 2 - 1);
    expect(coordinator.describeGroup('g')?.members).toHaveLength(2);
    await clock.advance(1);
    expect(coordinator.describeGroup('g')?.members.map((m) => m.memberId)).toEqual([aJoined.memberId]);
  });

  it('keeps a follower that awaits the leader in SyncGroup, and removes members that never sync', async () => {
    const { coordinator, clock, join, sync, heartbeat } = setup({ initialRebalanceDelayMs: 10 });
    const [a, b, c] = [coordinator.client(), coordinator.client(), coordinator.client()];
    const joins = [await join(a), await join(b), await join(c)];
    await clock.advance(50);
    const [aJoined, bJoined, cJoined] = joins.map((outcome) => outcome.value!) as [
      JoinGroupResult,
      JoinGroupResult,
      JoinGroupResult,
    ];
    expect(aJoined.leaderId).toBe(aJoined.memberId);
    // b waits for the leader's SyncGroup, silent; the leader takes three session timeouts, heartbeating, as
    // does c, which never syncs.
    const bSync = await sync(b, bJoined);
    for (let elapsed = 0; elapsed < 3 * SESSION; elapsed += SESSION / 2) {
      await clock.advance(SESSION / 2);
      await heartbeat(a, aJoined);
      await heartbeat(c, cJoined);
    }
    expect(bSync.done).toBe(false);
    expect(coordinator.describeGroup('g')?.members).toHaveLength(3);
    await sync(a, aJoined, [
      [aJoined.memberId, 'A'],
      [bJoined.memberId, 'B'],
      [cJoined.memberId, 'C'],
    ]);
    expect(text(bSync.value)).toBe('B');
    // The rebalance timeout after the join phase ended, c still has not synced: it is removed.
    for (let elapsed = 3 * SESSION; elapsed < REBALANCE; elapsed += SESSION / 2) {
      await clock.advance(SESSION / 2);
      for (const [client, joined] of [
        [a, aJoined],
        [b, bJoined],
        [c, cJoined],
      ] as const)
        await heartbeat(client, joined);
    }
    expect(coordinator.describeGroup('g')?.members.map((m) => m.memberId)).toEqual([
      aJoined.memberId,
      bJoined.memberId,
    ]);
    expect((await heartbeat(a, aJoined)).error).toMatchObject({ code: GroupErrorCode.REBALANCE_IN_PROGRESS });
  });
});

describe('InMemoryGroupCoordinator: SyncGroup and LeaveGroup', () => {
  it('gives members the leader left out an empty assignment', async () => {
    const { coordinator, clock, join, sync } = setup({ initialRebalanceDelayMs: 10 });
    const [a, b] = [coordinator.client(), coordinator.client()];
    const joins = [await join(a), await join(b)];
    await clock.advance(50);
    const [aJoined, bJoined] = joins.map((outcome) => outcome.value!);
    const bSync = await sync(b, bJoined!);
    expect(bSync.done).toBe(false);
    await sync(a, aJoined!, [[aJoined!.memberId, 'mine']]);
    expect(bSync.value).toEqual(new Uint8Array());
  });

  it('rebalances at once when a member leaves, also when removed by its instance id', async () => {
    const { a, b, aJoined, bJoined, coordinator, heartbeat } = await stableTwo();
    await watchNow(b.leaveGroup({ groupId: 'g', memberId: bJoined.memberId }));
    expect(coordinator.describeGroup('g')?.state).toBe('PreparingRebalance');
    expect((await heartbeat(a, aJoined)).error).toMatchObject({ code: GroupErrorCode.REBALANCE_IN_PROGRESS });
    const again = await watchNow(b.leaveGroup({ groupId: 'g', memberId: bJoined.memberId }));
    expect(again.error).toMatchObject({ code: GroupErrorCode.UNKNOWN_MEMBER_ID });

    const env = setup();
    const client = env.coordinator.client();
    const joined = await env.join(client, undefined, { groupInstanceId: 'task-0' });
    await env.sync(client, joined.value!, [[joined.value!.memberId, 'x']], 'task-0');
    const admin = env.coordinator.client();
    await watchNow(admin.leaveGroup({ groupId: 'g', memberId: '', groupInstanceId: 'task-0' }));
    expect(env.coordinator.describeGroup('g')?.members).toEqual([]);
  });
});

describe('InMemoryGroupCoordinator: static members', () => {
  it('lets a new process with the instance id take the assignment without a rebalance, fencing the old one', async () => {
    const { coordinator, join, sync, heartbeat } = setup();
    const old = coordinator.client();
    const oldJoin = await join(old, undefined, { groupInstanceId: 'task-0' });
    const oldJoined = oldJoin.value!;
    await sync(old, oldJoined, [[oldJoined.memberId, 'partitions 0-3']], 'task-0');
    expect(oldJoined.generationId).toBe(1);

    const replacement = coordinator.client();
    const newJoin = await join(replacement, undefined, { groupInstanceId: 'task-0' });
    // Same generation, a new member id; the answer names the old leader id so that nobody reassigns.
    expect(newJoin.value).toMatchObject({ generationId: 1, leaderId: oldJoined.memberId, members: [] });
    expect(newJoin.value?.memberId).not.toBe(oldJoined.memberId);
    expect(text((await sync(replacement, newJoin.value!, [], 'task-0')).value)).toBe('partitions 0-3');
    expect(coordinator.describeGroup('g')).toMatchObject({ state: 'Stable', generationId: 1 });
    expect((await heartbeat(old, oldJoined, 'task-0')).error).toMatchObject({
      code: GroupErrorCode.FENCED_INSTANCE_ID,
      retriable: false,
    });
    expect((await heartbeat(replacement, newJoin.value!, 'task-0')).error).toBeUndefined();
  });

  it('fences the old member id in a SyncGroup it waits in, and rebalances if the group was completing one', async () => {
    const { coordinator, clock, join, sync } = setup({ initialRebalanceDelayMs: 10 });
    const [a, b] = [coordinator.client(), coordinator.client()];
    const aJoin = await join(a, undefined, { groupInstanceId: 'a' });
    const bJoin = await join(b, undefined, { groupInstanceId: 'b' });
    await clock.advance(50);
    expect(coordinator.describeGroup('g')?.state).toBe('CompletingRebalance');
    const oldSync = await sync(b, bJoin.value!, [], 'b');
    // b's replacement arrives before the leader's SyncGroup: the leader may be assigning to the old id.
    const bNew = await join(coordinator.client(), undefined, { groupInstanceId: 'b' });
    expect(oldSync.error).toMatchObject({ code: GroupErrorCode.FENCED_INSTANCE_ID });
    expect(coordinator.describeGroup('g')?.state).toBe('PreparingRebalance');
    const aRejoin = watch(
      a.joinGroup(joinRequest(aJoin.value!.memberId, undefined, { groupInstanceId: 'a' })),
    );
    await flushAll();
    expect(aRejoin.value?.generationId).toBe(2);
    expect(bNew.value?.generationId).toBe(2);
  });

  it('keeps a static member that does not rejoin within the rebalance timeout (a dynamic one is removed)', async () => {
    const { coordinator, clock, join, sync, heartbeat } = setup({ initialRebalanceDelayMs: 10 });
    const [a, b] = [coordinator.client(), coordinator.client()];
    const joins = [
      await join(a, undefined, { groupInstanceId: 'a' }),
      await join(b, undefined, { groupInstanceId: 'b' }),
    ];
    await clock.advance(50);
    const [aJoined, bJoined] = joins.map((outcome) => outcome.value!) as [JoinGroupResult, JoinGroupResult];
    await sync(b, bJoined, [], 'b');
    await sync(a, aJoined, [], 'a');
    // a rejoins with new metadata; b keeps heartbeating but never rejoins.
    const aRejoin = watch(
      a.joinGroup(joinRequest(aJoined.memberId, [['p1', 'new']], { groupInstanceId: 'a' })),
    );
    await flushAll();
    for (let elapsed = 0; elapsed < REBALANCE; elapsed += SESSION / 2) {
      await clock.advance(SESSION / 2);
      await heartbeat(b, bJoined, 'b');
    }
    expect(aRejoin.value).toMatchObject({ generationId: 2 });
    expect(aRejoin.value?.members.map((m) => m.groupInstanceId)).toEqual(['a', 'b']);
    // b is in generation 2 without knowing it: its heartbeats of generation 1 are refused.
    expect((await heartbeat(b, bJoined, 'b')).error).toMatchObject({
      code: GroupErrorCode.ILLEGAL_GENERATION,
    });
  });
});

describe('InMemoryGroupCoordinator: offsets and connections', () => {
  it('accepts offset commits from members of the current generation only', async () => {
    const { a, aJoined, b, bJoined, coordinator } = await stableTwo();
    const commit = (client: GroupCoordinatorClient, generationId: number, memberId: string, offset: number) =>
      watchNow(
        client.commitOffsets({
          groupId: 'g',
          generationId,
          memberId,
          offsets: [{ topic: 't', partition: 0, offset }],
        }),
      );
    expect((await commit(a, 2, aJoined.memberId, 10)).error).toBeUndefined();
    expect((await commit(a, 1, aJoined.memberId, 11)).error).toMatchObject({
      code: GroupErrorCode.ILLEGAL_GENERATION,
    });
    expect((await commit(a, 2, 'stranger', 12)).error).toMatchObject({
      code: GroupErrorCode.UNKNOWN_MEMBER_ID,
    });
    // An admin-style commit is refused while the group has members…
    expect((await commit(a, -1, '', 13)).error).toMatchObject({ code: GroupErrorCode.UNKNOWN_MEMBER_ID });
    expect(coordinator.committedOffsets('g')).toEqual([{ topic: 't', partition: 0, offset: 10 }]);
    // …and accepted once it has none.
    await watchNow(a.leaveGroup({ groupId: 'g', memberId: aJoined.memberId }));
    await watchNow(b.leaveGroup({ groupId: 'g', memberId: bJoined.memberId }));
    await flushAll();
    expect(coordinator.describeGroup('g')?.state).toBe('Empty');
    expect((await commit(a, -1, '', 14)).error).toBeUndefined();
    expect(coordinator.committedOffsets('g')).toEqual([{ topic: 't', partition: 0, offset: 14 }]);
  });

  it('answers one client in order: a heartbeat behind a waiting JoinGroup waits too; disconnect fails both', async () => {
    const { a, b, bJoined, aJoined } = await stableTwo();
    const rejoin = watch(b.joinGroup(joinRequest(bJoined.memberId, [['p1', 'changed']])));
    const behind = watch(b.heartbeat({ groupId: 'g', generationId: 2, memberId: bJoined.memberId }));
    await flushAll();
    expect(rejoin.done).toBe(false);
    expect(behind.done).toBe(false);
    // Another client is not held up.
    expect(
      (await watchNow(a.heartbeat({ groupId: 'g', generationId: 2, memberId: aJoined.memberId }))).error,
    ).toMatchObject({
      code: GroupErrorCode.REBALANCE_IN_PROGRESS,
    });
    await b.disconnect();
    await flushAll();
    expect(rejoin.error).toMatchObject({
      code: GroupErrorCode.COORDINATOR_UNAVAILABLE,
      request: 'JoinGroup',
    });
    expect(behind.error).toMatchObject({
      code: GroupErrorCode.COORDINATOR_UNAVAILABLE,
      request: 'Heartbeat',
    });
    await expect(
      b.heartbeat({ groupId: 'g', generationId: 2, memberId: bJoined.memberId }),
    ).rejects.toMatchObject({
      code: 'SLUICE_KAFKA_CLIENT_CLOSED',
    });
  });
});

async function flushAll(): Promise<void> {
  await flush();
}

async function watchNow<T>(promise: Promise<T>): Promise<Outcome<T>> {
  const outcome = watch(promise);
  await flush();
  return outcome;
}
