// Group membership over a real Kafka broker: three members, each a process of its own
// (test/fixtures/group-member-worker.ts), in a group of protocol type "sluice".
import { kafkaBootstrap, runTypeScript, uniqueName, waitFor } from '@sluice/test-kit';
import type { TypeScriptChild } from '@sluice/test-kit';
import { afterEach, describe, expect, it } from 'vitest';

const SESSION_TIMEOUT_MS = 6_000;
const HEARTBEAT_INTERVAL_MS = 1_000;

interface AssignedLine {
  event: 'assigned';
  generationId: number;
  memberId: string;
  leaderId: string;
  isLeader: boolean;
  assignment: { leaderId: string; leaderUrl: string; configOffset: number; connectors: string[] };
  at: number;
}
interface RevokedLine {
  event: 'revoked';
  generationId: number;
  memberId: string;
  reason: string;
  at: number;
}
interface OtherLine {
  event: 'started' | 'stopped' | 'failed';
  at: number;
}
type Line = AssignedLine | RevokedLine | OtherLine;

interface Member {
  url: string;
  child: TypeScriptChild;
  events(): Line[];
  assignments(): AssignedLine[];
}

const children: TypeScriptChild[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGKILL'); // also ends a process frozen with SIGSTOP
      await child.exited;
    }
  }
});

function startMember(groupId: string, index: number): Member {
  kafkaBootstrap(); // fail here, clearly, when no broker is configured
  const url = `http://member-${index}.test:8083`;
  const child = runTypeScript('test/fixtures/group-member-worker.ts', [
    groupId,
    url,
    String(SESSION_TIMEOUT_MS),
    String(HEARTBEAT_INTERVAL_MS),
  ]);
  children.push(child);
  const events = () => child.lines.map((line) => JSON.parse(line) as Line);
  return {
    url,
    child,
    events,
    assignments: () => events().filter((line): line is AssignedLine => line.event === 'assigned'),
  };
}

const lastAssignment = (member: Member): AssignedLine | undefined => member.assignments().at(-1);

/**
 * Waits until every member's latest assignment is for the same generation, one of `size` members, newer than
 * `after`; returns those assignments in member order.
 */
async function settledGeneration(members: Member[], size: number, after = 0): Promise<AssignedLine[]> {
  return waitFor(
    `a generation of ${size} members after generation ${after}`,
    () => {
      const latest = members.map(lastAssignment);
      if (latest.some((line) => line === undefined || line.generationId <= after)) return undefined;
      const lines = latest as AssignedLine[];
      const generation = lines[0]!.generationId;
      if (lines.some((line) => line.generationId !== generation || line.assignment.configOffset !== size))
        return undefined;
      return lines;
    },
    { timeoutMs: 45_000, intervalMs: 50 },
  );
}

/** Exactly one leader, everyone agrees on it, and each member got the assignment made for it. */
function expectWellFormed(members: Member[], lines: AssignedLine[]): void {
  const leaders = lines.filter((line) => line.isLeader);
  expect(leaders).toHaveLength(1);
  const leaderId = leaders[0]!.memberId;
  const leaderUrl = members[lines.indexOf(leaders[0]!)]!.url;
  expect(new Set(lines.map((line) => line.memberId)).size).toBe(lines.length);
  lines.forEach((line, i) => {
    expect(line.leaderId).toBe(leaderId);
    expect(line.isLeader).toBe(line.memberId === leaderId);
    expect(line.assignment).toMatchObject({ leaderId, leaderUrl });
    expect(line.assignment.connectors).toEqual([`url=${members[i]!.url}`, `member=${line.memberId}`]);
  });
}

describe('group membership on a real broker', () => {
  it('elects one leader, delivers each member its own assignment, and expels a frozen member', async () => {
    const groupId = uniqueName('gm-freeze');
    const members = [0, 1, 2].map((i) => startMember(groupId, i));

    const first = await settledGeneration(members, 3);
    expectWellFormed(members, first);

    // Freeze the leader: a real stall, no heartbeats and no chance to leave.
    const frozenIndex = first.findIndex((line) => line.isLeader);
    const frozen = members[frozenIndex]!;
    const others = members.filter((_, i) => i !== frozenIndex);
    const frozenAt = Date.now();
    frozen.child.process.kill('SIGSTOP');

    const second = await settledGeneration(others, 2, first[0]!.generationId);
    const expelledAfter = Math.min(...second.map((line) => line.at)) - frozenAt;
    expectWellFormed(others, second);
    // Only the session timeout (counted from the frozen member's last heartbeat) removes it.
    expect(expelledAfter).toBeGreaterThan(SESSION_TIMEOUT_MS - 2 * HEARTBEAT_INTERVAL_MS);
    expect(expelledAfter).toBeLessThan(SESSION_TIMEOUT_MS + 10_000);
    // The survivors gave up the old generation's work before taking the new one.
    for (const member of others) {
      const revoked = member
        .events()
        .find(
          (line): line is RevokedLine =>
            line.event === 'revoked' && line.generationId === first[0]!.generationId,
        );
      expect(revoked).toMatchObject({ reason: 'rebalance' });
      expect(revoked!.at).toBeLessThanOrEqual(lastAssignment(member)!.at);
    }

    // Zombie safety: continued, the expelled member first revokes its old assignment as lost, before anything else.
    const linesBeforeContinue = frozen.child.lines.length;
    frozen.child.process.kill('SIGCONT');
    const afterContinue = await waitFor('the frozen member to notice', () => {
      const fresh = frozen.events().slice(linesBeforeContinue);
      return fresh.length > 0 ? fresh : undefined;
    });
    expect(afterContinue[0]).toMatchObject({
      event: 'revoked',
      reason: 'lost',
      generationId: first[0]!.generationId,
    });

    frozen.child.process.kill('SIGKILL');
    expect(await frozen.child.exited).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('rebalances the others at once when a member stops cleanly (LeaveGroup)', async () => {
    const groupId = uniqueName('gm-leave');
    const members = [0, 1, 2].map((i) => startMember(groupId, i));
    const first = await settledGeneration(members, 3);
    expectWellFormed(members, first);

    const leaving = members[1]!;
    const others = [members[0]!, members[2]!];
    leaving.child.process.kill('SIGTERM');
    expect(await leaving.child.exited).toEqual({ code: 0, signal: null });
    const leavingEvents = leaving.events();
    expect(leavingEvents.at(-2)).toMatchObject({
      event: 'revoked',
      reason: 'stop',
      generationId: first[0]!.generationId,
    });
    const stoppedAt = leavingEvents.at(-1)!;
    expect(stoppedAt).toMatchObject({ event: 'stopped' });

    const second = await settledGeneration(others, 2, first[0]!.generationId);
    expectWellFormed(others, second);
    // Well within the session timeout: the coordinator did not wait for the leaver's session to expire.
    const rebalancedAfter = Math.max(...second.map((line) => line.at)) - stoppedAt.at;
    expect(rebalancedAfter).toBeLessThan(SESSION_TIMEOUT_MS / 2);
  });
});
