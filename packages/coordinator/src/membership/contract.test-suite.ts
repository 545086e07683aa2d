import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { workerProtocol } from '@sluice/protocol';
import type { GroupProtocol, WorkerAssignment, WorkerMetadata } from '@sluice/protocol';
import { uniqueName, waitFor } from '@sluice/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import type { GroupMember } from './group-member.js';
import type { KafkaGroupMemberOptions } from './options.js';

/** What a watched member reported, in order; `at` is wall-clock ms (comparable across processes). */
export type ContractEvent =
  | {
      event: 'assigned';
      at: number;
      generationId: number;
      memberId: string;
      leaderId: string;
      isLeader: boolean;
      protocol: string;
      assignment: WorkerAssignment;
    }
  | { event: 'revoked'; at: number; generationId: number; memberId: string; reason: string; protocol: string }
  /** `expiresAt`: the lease deadline as wall-clock ms, 0 when it ended. */
  | { event: 'lease'; at: number; expiresAt: number }
  | { event: 'failed'; at: number; code: string | undefined; error: string }
  | { event: 'stopped'; at: number };

export type AssignedLine = Extract<ContractEvent, { event: 'assigned' }>;
export type RevokedLine = Extract<ContractEvent, { event: 'revoked' }>;

export interface GroupTiming {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
}

export type ContractMemberOptions = Omit<
  KafkaGroupMemberOptions<WorkerMetadata, WorkerAssignment>,
  'kafka' | 'client'
>;

/** A member whose heartbeats can be stopped: the coordinator stops hearing from it, as from a frozen process. */
export interface FreezableMember {
  events(): ContractEvent[];
  freeze(): void;
  thaw(): void;
  /**
   * True when freezing stops the whole member (a process under SIGSTOP): its watchdog then runs only after
   * `thaw()`. False when only its heartbeats stop and the member itself runs on.
   */
  readonly freezesProcess: boolean;
}

/** How one implementation runs the contract: its coordinator, timings and a way to freeze a member. */
export interface GroupMemberHarness {
  readonly timing: GroupTiming;
  /** A member on this harness's coordinator, in this process, with a client of its own. */
  member(options: ContractMemberOptions): GroupMember;
  /** A member built like `contractMemberOptions(groupId, url, …)` whose heartbeats `freeze()` stops; started. */
  freezable(groupId: string, url: string): FreezableMember;
  /** After each test: ends what `freezable` started. */
  cleanup(): Promise<void>;
}

/** Wall-clock deadline of a lease on this thread's `performance.now()` clock (0 stays 0). */
export function leaseWallClock(expiresAt: number): number {
  return expiresAt === 0 ? 0 : Date.now() + (expiresAt - performance.now());
}

/**
 * The members the suite runs: Sluice workers' protocol, `url` as the worker id. As leader a member writes into
 * each member's assignment who that member is (`connectors` = [`url=<its url>`, `member=<its id>`]), so a test
 * can tell that everyone got their own, and `configOffset` = the number of members. `test/fixtures/
 * group-member-worker.ts` builds the same member in a process of its own.
 */
export function contractMemberOptions(
  groupId: string,
  url: string,
  timing: GroupTiming,
  emit: (event: ContractEvent) => void,
  overrides: Partial<ContractMemberOptions> = {},
): ContractMemberOptions {
  return {
    groupId,
    protocols: [workerProtocol('sluice-v1')],
    sessionTimeoutMs: timing.sessionTimeoutMs,
    heartbeatIntervalMs: timing.heartbeatIntervalMs,
    rebalanceTimeoutMs: timing.rebalanceTimeoutMs,
    metadata: () => ({
      version: 1,
      url,
      configOffset: 0,
      connectors: [],
      tasks: [],
      plugins: [],
      sluiceVersion: '',
    }),
    assign: (members, { leaderId }) => {
      const leaderUrl = members.find((m) => m.memberId === leaderId)?.metadata.url ?? '';
      return new Map(
        members.map((m): [string, WorkerAssignment] => [
          m.memberId,
          {
            version: 1,
            error: 0,
            leaderId,
            leaderUrl,
            configOffset: members.length,
            connectors: [`url=${m.metadata.url}`, `member=${m.memberId}`],
            tasks: [],
            revokedConnectors: [],
            revokedTasks: [],
            delayMs: 0,
            rejoin: false,
          },
        ]),
      );
    },
    onAssigned: ({ generationId, memberId, leaderId, isLeader, protocol, assignment }) => {
      emit({
        event: 'assigned',
        at: Date.now(),
        generationId,
        memberId,
        leaderId,
        isLeader,
        protocol,
        assignment,
      });
      return Promise.resolve();
    },
    onRevoked: ({ generationId, memberId, reason, protocol }) => {
      emit({ event: 'revoked', at: Date.now(), generationId, memberId, reason, protocol });
      return Promise.resolve();
    },
    onLease: (expiresAt) => emit({ event: 'lease', at: Date.now(), expiresAt: leaseWallClock(expiresAt) }),
    ...overrides,
  };
}

/** Reports how `member` ended: `stopped`, or `failed` with the error's code. */
export function recordClosed(member: GroupMember, emit: (event: ContractEvent) => void): void {
  member.closed.then(
    () => emit({ event: 'stopped', at: Date.now() }),
    (error: Error & { code?: string }) =>
      emit({ event: 'failed', at: Date.now(), code: error.code, error: error.message }),
  );
}

interface Watched {
  url: string;
  member: GroupMember;
  events: ContractEvent[];
}

const assignmentsOf = (events: readonly ContractEvent[]): AssignedLine[] =>
  events.filter((line): line is AssignedLine => line.event === 'assigned');
const revocationsOf = (events: readonly ContractEvent[]): RevokedLine[] =>
  events.filter((line): line is RevokedLine => line.event === 'revoked');

/**
 * The behaviour every group coordinator behind `KafkaGroupMember` must show, on real Kafka as in memory.
 * Every assertion about time is a formula of the session and heartbeat settings, with room for a loaded machine.
 */
export function describeGroupMemberContract(implementation: string, harness: () => GroupMemberHarness): void {
  describe(`group membership contract: ${implementation}`, () => {
    const started: Watched[] = [];
    let current: GroupMemberHarness | undefined;

    afterEach(async () => {
      await Promise.all(started.splice(0).map(({ member }) => member.stop()));
      await current?.cleanup();
    });

    function setup() {
      current = harness();
      const h = current;
      const { sessionTimeoutMs: session, heartbeatIntervalMs: heartbeat } = h.timing;
      /** Long enough for any settled state to show, on a loaded machine. */
      const settleMs = 2 * session + 10 * heartbeat + 10_000;

      function start(groupId: string, url: string, overrides: Partial<ContractMemberOptions> = {}): Watched {
        const events: ContractEvent[] = [];
        const member = h.member(
          contractMemberOptions(groupId, url, h.timing, (event) => events.push(event), overrides),
        );
        const watched = { url, member, events };
        started.push(watched);
        recordClosed(member, (event) => events.push(event));
        member.start();
        return watched;
      }

      /**
       * Waits until every member's latest assignment is for one generation newer than `after`, with `size`
       * members; returns those assignments in member order.
       */
      async function settled(
        members: ReadonlyArray<Watched | FreezableMember>,
        size: number,
        after = 0,
      ): Promise<AssignedLine[]> {
        const eventsOf = (m: Watched | FreezableMember): readonly ContractEvent[] =>
          'freeze' in m ? m.events() : m.events;
        return waitFor(
          `a generation of ${size} members after generation ${after}`,
          () => {
            const latest = members.map((m) => assignmentsOf(eventsOf(m)).at(-1));
            if (latest.some((line) => line === undefined || line.generationId <= after)) return undefined;
            const lines = latest as AssignedLine[];
            const generation = lines[0]!.generationId;
            if (
              lines.some((line) => line.generationId !== generation || line.assignment.configOffset !== size)
            )
              return undefined;
            return lines;
          },
          { timeoutMs: settleMs, intervalMs: 20 },
        );
      }

      /** Exactly one leader, everyone agrees on it, and each member got the assignment made for it. */
      function expectWellFormed(urls: readonly string[], lines: readonly AssignedLine[]): void {
        const leaders = lines.filter((line) => line.isLeader);
        expect(leaders).toHaveLength(1);
        const leaderId = leaders[0]!.memberId;
        expect(new Set(lines.map((line) => line.memberId)).size).toBe(lines.length);
        lines.forEach((line, i) => {
          expect(line.leaderId).toBe(leaderId);
          expect(line.assignment).toMatchObject({ leaderId, leaderUrl: urls[lines.indexOf(leaders[0]!)] });
          expect(line.assignment.connectors).toEqual([`url=${urls[i]}`, `member=${line.memberId}`]);
        });
      }

      return { h, session, heartbeat, settleMs, start, settled, expectWellFormed };
    }

    const url = (i: number) => `http://member-${i}.test:8083/`;

    it('elects one leader and delivers each member its own assignment, with a lease', async () => {
      const { start, settled, expectWellFormed } = setup();
      const groupId = uniqueName('contract-assign');
      const members = [0, 1, 2].map((i) => start(groupId, url(i)));
      const lines = await settled(members, 3);
      expectWellFormed(
        members.map((m) => m.url),
        lines,
      );
      expect(lines.every((line) => line.protocol === 'sluice-v1')).toBe(true);
      for (const { member } of members) {
        expect(member.state).toBe('stable');
        expect(member.leaseExpiresAt()).toBeGreaterThan(performance.now());
      }
    });

    it('waits for a leader whose assign returns a promise, longer than a session, without losing anyone', async () => {
      const { h, session, heartbeat, start, settled, expectWellFormed } = setup();
      const groupId = uniqueName('contract-async');
      // Past the session timeout: only heartbeats during assign keep the leader, and only the coordinator's
      // patience with members that wait in SyncGroup keeps the follower.
      const assignDelayMs = session + 2 * heartbeat;
      const slow: Partial<ContractMemberOptions> = {
        assign: async (members, context) => {
          await delay(assignDelayMs);
          const plain = contractMemberOptions(groupId, '', h.timing, () => undefined);
          return plain.assign(members, context);
        },
      };
      const first = start(groupId, url(0), slow);
      const [alone] = await settled([first], 1);
      const second = start(groupId, url(1), slow);
      const lines = await settled([first, second], 2, alone!.generationId);
      expectWellFormed([first.url, second.url], lines);
      // One rebalance for the second member, no generation lost to an expulsion in between.
      expect(lines[0]!.generationId).toBe(alone!.generationId + 1);
      expect(revocationsOf(first.events).map((line) => line.reason)).toEqual(['rebalance']);
      expect(revocationsOf(second.events)).toEqual([]);
      const waited = lines[1]!.at - assignmentsOf(first.events)[0]!.at;
      expect(waited).toBeGreaterThanOrEqual(assignDelayMs);
    });

    it('chooses a protocol every member offers: [v2, v1] and [v1] members speak v1 (a rolling upgrade)', async () => {
      const { start, settled } = setup();
      const groupId = uniqueName('contract-protocols');
      const v2: Array<GroupProtocol<WorkerMetadata, WorkerAssignment>> = [
        workerProtocol('sluice-v2'),
        workerProtocol('sluice-v1'),
      ];
      const upgraded = start(groupId, url(0), { protocols: v2 });
      const [alone] = await settled([upgraded], 1);
      expect(alone!.protocol).toBe('sluice-v2');
      const old = start(groupId, url(1), { protocols: [workerProtocol('sluice-v1')] });
      const mixed = await settled([upgraded, old], 2, alone!.generationId);
      expect(mixed.map((line) => line.protocol)).toEqual(['sluice-v1', 'sluice-v1']);
      // The old member goes (upgraded, say): the group speaks v2 again.
      await old.member.stop();
      const [again] = await settled([upgraded], 1, mixed[0]!.generationId);
      expect(again!.protocol).toBe('sluice-v2');
    });

    it('rebalances on requestRejoin() from the leader; a follower with unchanged metadata keeps its generation', async () => {
      const { start, settled, heartbeat } = setup();
      const groupId = uniqueName('contract-rejoin');
      const members = [0, 1].map((i) => start(groupId, url(i)));
      const first = await settled(members, 2);
      const leader = members[first.findIndex((line) => line.isLeader)]!;
      const follower = members[first.findIndex((line) => !line.isLeader)]!;

      leader.member.requestRejoin();
      const second = await settled(members, 2, first[0]!.generationId);
      for (const m of members) {
        expect(revocationsOf(m.events).at(-1)).toMatchObject({
          reason: 'rebalance',
          generationId: first[0]!.generationId,
        });
      }

      const followerEvents = follower.events.length;
      const leaderEvents = leader.events.length;
      follower.member.requestRejoin();
      await waitFor(
        'the follower to be assigned again',
        () => assignmentsOf(follower.events.slice(followerEvents))[0],
      );
      expect(assignmentsOf(follower.events).at(-1)!.generationId).toBe(second[0]!.generationId);
      await delay(2 * heartbeat);
      expect(assignmentsOf(leader.events.slice(leaderEvents))).toEqual([]);
      expect(revocationsOf(leader.events.slice(leaderEvents))).toEqual([]);
    });

    it('a member watching for a rebalance learns of it within a fraction of its heartbeat interval', async () => {
      const { start, settled, session } = setup();
      const groupId = uniqueName('contract-watch');
      const leader = start(groupId, url(0));
      const [alone] = await settled([leader], 1);
      // The follower heartbeats rarely: a third of the session, its first heartbeat that long after it joined.
      const slowHeartbeatMs = Math.floor(session / 3);
      const follower = start(groupId, url(1), { heartbeatIntervalMs: slowHeartbeatMs });
      const first = await settled([leader, follower], 2, alone!.generationId);
      expect(first[0]!.isLeader).toBe(true);
      const revokedBefore = revocationsOf(follower.events).length;
      follower.member.watchForRebalance(session);
      const askedAt = Date.now();
      leader.member.requestRejoin();
      const revoked = await waitFor(
        'the follower to hear of the rebalance',
        () => revocationsOf(follower.events)[revokedBefore],
      );
      expect(revoked).toMatchObject({ reason: 'rebalance', generationId: first[1]!.generationId });
      // Its next heartbeat was due a whole interval after it joined; watching, it went within 100 ms.
      expect(revoked.at - askedAt).toBeLessThan(slowHeartbeatMs / 2);
      await settled([leader, follower], 2, first[0]!.generationId);
    });

    it('rebalances the others at once when a member leaves', async () => {
      const { start, settled, expectWellFormed, session } = setup();
      const groupId = uniqueName('contract-leave');
      const members = [0, 1, 2].map((i) => start(groupId, url(i)));
      const first = await settled(members, 3);
      const [leaving, ...others] = [members[1]!, members[0]!, members[2]!];
      await leaving.member.stop();
      expect(leaving.events.filter((line) => line.event !== 'lease').slice(-2)).toMatchObject([
        { event: 'revoked', reason: 'stop', generationId: first[0]!.generationId },
        { event: 'stopped' },
      ]);
      expect(leaving.member.leaseExpiresAt()).toBe(0);
      const stoppedAt = leaving.events.at(-1)!.at;
      const second = await settled(others, 2, first[0]!.generationId);
      expectWellFormed(
        others.map((m) => m.url),
        second,
      );
      // Well within the session timeout: the coordinator did not wait for the leaver's session to expire.
      expect(Math.max(...second.map((line) => line.at)) - stoppedAt).toBeLessThan(session / 2);
    });

    it('expels a member that stops heartbeating after the session timeout; its lease ends first', async () => {
      const { h, start, settled, expectWellFormed, session, heartbeat, settleMs } = setup();
      const groupId = uniqueName('contract-freeze');
      const members = [0, 1].map((i) => start(groupId, url(i)));
      await settled(members, 2);
      // Joins last, so a member of this process leads.
      const frozen = h.freezable(groupId, url(2));
      const first = await settled([...members, frozen], 3);
      expectWellFormed([...members.map((m) => m.url), url(2)], first);

      const frozenAt = Date.now();
      frozen.freeze();
      const second = await settled(members, 2, first[0]!.generationId);
      const handedOnAt = Math.min(...second.map((line) => line.at));
      // The furthest deadline its lease ever reached (deadlines only grow while it is a member).
      const leaseAtFreeze = Math.max(
        ...frozen.events().map((line) => (line.event === 'lease' ? line.expiresAt : 0)),
      );
      expectWellFormed(
        members.map((m) => m.url),
        second,
      );
      // Only the session timeout, counted from its last heartbeat, removes it...
      expect(handedOnAt - frozenAt).toBeGreaterThan(session - 2 * heartbeat);
      expect(handedOnAt - frozenAt).toBeLessThan(session + 10 * heartbeat);
      // ...and its lease (what its task threads check) ran out before anyone else could get its work.
      expect(leaseAtFreeze).toBeGreaterThan(frozenAt);
      expect(leaseAtFreeze).toBeLessThan(handedOnAt);
      // The survivors gave up the old generation's work before taking the new one.
      for (const m of members) {
        const revoked = revocationsOf(m.events).find((line) => line.generationId === first[0]!.generationId);
        expect(revoked).toMatchObject({ reason: 'rebalance' });
        expect(revoked!.at).toBeLessThanOrEqual(assignmentsOf(m.events).at(-1)!.at);
      }

      const before = frozen.events().length;
      if (!frozen.freezesProcess) {
        // Still running, it noticed by itself: revoked as lost, no later than the others took over.
        const lost = revocationsOf(frozen.events()).at(-1);
        expect(lost).toMatchObject({ reason: 'lost', generationId: first[0]!.generationId });
        expect(lost!.at).toBeLessThanOrEqual(handedOnAt);
      }
      frozen.thaw();
      // Back, its first word on the old generation is that it lost it; then it joins again.
      const afterFirst = await waitFor(
        'the frozen member to join again',
        () => {
          const lines = frozen
            .events()
            .filter((line) => line.event === 'assigned' || line.event === 'revoked');
          const mark = lines.findIndex((line) => line.at >= frozenAt && line.event === 'revoked');
          return mark >= 0 && lines.length > mark + 1 ? lines.slice(mark) : undefined;
        },
        { timeoutMs: settleMs },
      );
      expect(afterFirst[0]).toMatchObject({
        event: 'revoked',
        reason: 'lost',
        generationId: first[0]!.generationId,
      });
      expect(afterFirst[1]).toMatchObject({ event: 'assigned' });
      expect(frozen.events().length).toBeGreaterThan(before);
    });

    it('lets a new member with the same instance id take the assignment in the same generation, fencing the old one', async () => {
      const { start, settled, heartbeat } = setup();
      const groupId = uniqueName('contract-static');
      const original = start(groupId, url(0), { groupInstanceId: 'worker-0' });
      const other = start(groupId, url(1));
      const first = await settled([original, other], 2);
      const otherEvents = other.events.length;

      const successor = start(groupId, url(0), { groupInstanceId: 'worker-0' });
      const taken = await waitFor('the successor to be assigned', () => assignmentsOf(successor.events)[0]);
      expect(taken.generationId).toBe(first[0]!.generationId);
      expect(taken.assignment).toEqual(first[0]!.assignment);
      expect(successor.member.leaseExpiresAt()).toBeGreaterThan(performance.now());

      await waitFor('the original to fail', () => original.events.find((line) => line.event === 'failed'));
      expect(original.events.filter((line) => line.event !== 'lease').slice(-3)).toMatchObject([
        { event: 'assigned', generationId: first[0]!.generationId },
        { event: 'revoked', reason: 'lost', generationId: first[0]!.generationId },
        { event: 'failed', code: 'SLUICE_GROUP_MEMBER_FENCED' },
      ]);
      expect(original.member.leaseExpiresAt()).toBe(0);
      await delay(2 * heartbeat);
      // No rebalance: the other member saw nothing.
      expect(other.events.slice(otherEvents).filter((line) => line.event !== 'lease')).toEqual([]);
    });

    it("keeps a static member's place while it restarts without leaving; stop({ leave: true }) rebalances at once", async () => {
      const { start, settled, heartbeat, session } = setup();
      const groupId = uniqueName('contract-restart');
      const original = start(groupId, url(0), { groupInstanceId: 'task-0' });
      const other = start(groupId, url(1));
      const first = await settled([original, other], 2);
      const otherEvents = other.events.length;

      await original.member.stop();
      await delay(2 * heartbeat);
      const restarted = start(groupId, url(0), { groupInstanceId: 'task-0' });
      const taken = await waitFor(
        'the restarted member to be assigned',
        () => assignmentsOf(restarted.events)[0],
      );
      expect(taken.generationId).toBe(first[0]!.generationId);
      expect(taken.assignment).toEqual(first[0]!.assignment);
      expect(other.events.slice(otherEvents).filter((line) => line.event !== 'lease')).toEqual([]);

      await restarted.member.stop({ leave: true });
      const stoppedAt = Date.now();
      const [alone] = await settled([other], 1, first[0]!.generationId);
      expect(alone!.at - stoppedAt).toBeLessThan(session / 2);
    });

    it('fails fast when the group is used by members of another protocol type, which it never enters', async () => {
      const { start, settled, session, heartbeat } = setup();
      const groupId = uniqueName('contract-foreign');
      const entered = { worker: 0, connect: 0 };
      const worker = start(groupId, url(0), { onEnteringGroup: () => entered.worker++ });
      const [first] = await settled([worker], 1);
      // Told before the JoinGroup that entered it, once per member id: a rejoin with that id is not entering.
      expect(entered.worker).toBe(1);
      worker.member.requestRejoin();
      await settled([worker], 1, first!.generationId);
      const startedAt = Date.now();
      const connect = start(groupId, url(1), {
        protocolType: 'connect',
        protocols: [workerProtocol('sessioned')],
        onEnteringGroup: () => entered.connect++,
      });
      const failed = await waitFor('the foreign member to fail', () =>
        connect.events.find((line) => line.event === 'failed'),
      );
      expect(failed).toMatchObject({
        code: 'SLUICE_GROUP_PROTOCOL_INCONSISTENT',
        error:
          `group ${groupId} is used by members of another protocol type (a running Apache Kafka Connect ` +
          `cluster uses "connect") or of no protocol in common with this member (protocol type connect, ` +
          `protocols sessioned); stop them, or use another group.id`,
      });
      expect(failed.at - startedAt).toBeLessThan(session / 2);
      await delay(2 * heartbeat);
      expect(revocationsOf(worker.events).map((line) => line.reason)).toEqual(['rebalance']);
      // The group refused the foreign member before handing it a member id: it never entered.
      expect(entered).toEqual({ worker: 1, connect: 0 });
    });

    it('keeps a follower that rejoins with unchanged metadata more often than it heartbeats', async () => {
      // Kafka 4's coordinator answers such a follower's JoinGroup and SyncGroup at once from the stable
      // generation without restarting its session timer (3.9's restarted it on SyncGroup): only heartbeats do.
      const { start, settled, session, heartbeat } = setup();
      const groupId = uniqueName('contract-rejoin-often');
      const members = [0, 1].map((i) => start(groupId, url(i)));
      const first = await settled(members, 2);
      const leader = members[first.findIndex((line) => line.isLeader)]!;
      const follower = members[first.findIndex((line) => !line.isLeader)]!;
      const leaderEvents = leader.events.length;
      const followerEvents = follower.events.length;

      const until = Date.now() + session + 4 * heartbeat;
      while (Date.now() < until) {
        follower.member.requestRejoin();
        await delay(heartbeat / 4);
      }
      await delay(2 * heartbeat);
      const rejoins = revocationsOf(follower.events.slice(followerEvents));
      expect(rejoins.length).toBeGreaterThan(4);
      expect(rejoins.every((line) => line.reason === 'rebalance')).toBe(true);
      expect(assignmentsOf(follower.events).at(-1)!.generationId).toBe(first[0]!.generationId);
      // The leader saw no rebalance: the coordinator never expelled the follower.
      expect(leader.events.slice(leaderEvents).filter((line) => line.event !== 'lease')).toEqual([]);
    });
  });
}
