import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { rebalance, STORM_GUARD_BACKOFF_MS } from './rebalance.js';
import type {
  ConfiguredConnector,
  MemberAssignment,
  RebalanceInput,
  RebalanceMember,
  RebalanceMemory,
  RebalanceResult,
  TaskRef,
} from './types.js';

// ---------------------------------------------------------------------------------------------------------
// A cluster simulator: members run what they were assigned and stop what was revoked, and report that in
// the next round, as workers do between SyncGroup and the next JoinGroup.
// ---------------------------------------------------------------------------------------------------------

const url = (i: number): string => `http://w${i}:8083/`;
const t = (connector: string, task: number): TaskRef => ({ connector, task });
const tasksOf = (connector: string, count: number): TaskRef[] =>
  Array.from({ length: count }, (_, i) => t(connector, i));

interface SimMember {
  memberId: string;
  url: string;
  configOffset: number;
  plugins: Set<string> | undefined;
  connectors: string[];
  tasks: TaskRef[];
}

interface SimOptions {
  connectors: ConfiguredConnector[];
  members: SimMember[];
  maxDelayMs?: number;
  pluginAware?: boolean;
  memory?: RebalanceMemory;
}

class Cluster {
  connectors: ConfiguredConnector[];
  members: SimMember[];
  maxDelayMs: number;
  pluginAware: boolean;
  memory: RebalanceMemory | undefined;
  now = 1_000_000;
  configOffset = 10;
  #nextId = 0;

  constructor(options: SimOptions) {
    this.connectors = options.connectors;
    this.members = options.members;
    this.maxDelayMs = options.maxDelayMs ?? 0;
    this.pluginAware = options.pluginAware ?? true;
    this.memory = options.memory;
  }

  input(): RebalanceInput {
    return {
      members: this.members.map((m) => ({ ...m, connectors: [...m.connectors], tasks: [...m.tasks] })),
      leaderConfigOffset: this.configOffset,
      connectors: this.connectors,
      memory: this.memory,
      now: this.now,
      scheduledRebalanceMaxDelayMs: this.maxDelayMs,
      pluginAware: this.pluginAware,
    };
  }

  /** One rebalance: every invariant is checked, then members apply their assignments. */
  round(): RebalanceResult {
    const input = this.input();
    const result = rebalance(input);
    checkRound(input, result);
    for (const m of this.members) {
      const a = result.assignments.get(m.memberId);
      if (!a || a.error === 'CONFIG_MISMATCH') continue;
      m.connectors = [...a.connectors];
      m.tasks = [...a.tasks];
    }
    this.memory = result.memory;
    // Two-phase: once members applied a round, no unit runs on two of them.
    if (input.members.every((m) => m.configOffset <= input.leaderConfigOffset)) {
      const running = this.members.flatMap((m) => [...keysOf(m.connectors, m.tasks)]);
      expect(new Set(running).size).toBe(running.length);
    }
    return result;
  }

  /** A worker starts (or restarts: a new member id) with URL `i`, running nothing. */
  join(i: number, plugins?: string[]): SimMember {
    const m: SimMember = {
      memberId: `${url(i)}#${this.#nextId++}`,
      url: url(i),
      configOffset: this.configOffset,
      plugins: plugins ? new Set(plugins) : undefined,
      connectors: [],
      tasks: [],
    };
    this.members.push(m);
    return m;
  }

  /** The member with URL `i` leaves the group (its last state is returned, as a zombie would keep it). */
  leave(i: number): SimMember {
    const gone = this.byUrl(i);
    this.members.splice(this.members.indexOf(gone), 1);
    return gone;
  }

  byUrl(i: number): SimMember {
    const m = this.members.find((x) => x.url === url(i));
    if (!m) throw new Error(`no member ${i}`);
    return m;
  }

  /** Connectors and tasks per member URL index, for readable expectations. */
  loads(): { connectors: number[]; tasks: number[] } {
    const sorted = [...this.members].sort((a, b) => (a.url < b.url ? -1 : 1));
    return { connectors: sorted.map((m) => m.connectors.length), tasks: sorted.map((m) => m.tasks.length) };
  }
}

function newMember(i: number, id = 0, plugins?: string[]): SimMember {
  return {
    memberId: `${url(i)}#init${id}`,
    url: url(i),
    configOffset: 10,
    plugins: plugins ? new Set(plugins) : undefined,
    connectors: [],
    tasks: [],
  };
}

function connector(name: string, taskCount: number, connectorClass = 'Universal'): ConfiguredConnector {
  return { name, connectorClass, taskCount };
}

// ---------------------------------------------------------------------------------------------------------
// The specification, computed independently of the implementation.
// ---------------------------------------------------------------------------------------------------------

const cKey = (name: string): string => `c:${name}`;
const tKey = (ref: TaskRef): string => `t:${ref.connector}:${ref.task}`;

function keysOf(connectors: readonly string[], tasks: readonly TaskRef[]): Set<string> {
  return new Set([...connectors.map(cKey), ...tasks.map(tKey)]);
}

const compare = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

function sortMembers(members: readonly RebalanceMember[]): RebalanceMember[] {
  return [...members].sort((a, b) => compare(a.url, b.url) || compare(a.memberId, b.memberId));
}

/** The first member of each URL (by URL, then member id). */
function validMembers(input: RebalanceInput): RebalanceMember[] {
  const seen = new Set<string>();
  return sortMembers(input.members).filter((m) => !seen.has(m.url) && seen.add(m.url));
}

interface Unit {
  key: string;
  kind: 'connector' | 'task';
  connector: string;
  connectorClass: string;
}

function configuredUnits(input: RebalanceInput): Map<string, Unit> {
  const units = new Map<string, Unit>();
  for (const c of input.connectors) {
    units.set(cKey(c.name), {
      key: cKey(c.name),
      kind: 'connector',
      connector: c.name,
      connectorClass: c.connectorClass,
    });
    for (let i = 0; i < c.taskCount; i++) {
      const key = tKey(t(c.name, i));
      units.set(key, { key, kind: 'task', connector: c.name, connectorClass: c.connectorClass });
    }
  }
  return units;
}

/**
 * The members that may run a connector's work: all members without `pluginAware`; else those whose plugin
 * list holds its class or who sent none; all members if that leaves nobody.
 */
function eligible(input: RebalanceInput, connectorClass: string): RebalanceMember[] {
  let byClass = eligibleCache.get(input);
  if (!byClass) eligibleCache.set(input, (byClass = new Map<string, RebalanceMember[]>()));
  let members = byClass.get(connectorClass);
  if (!members) {
    const valid = validMembers(input);
    const able = valid.filter((m) => m.plugins === undefined || m.plugins.has(connectorClass));
    members = !input.pluginAware || able.length === 0 ? valid : able;
    byClass.set(connectorClass, members);
  }
  return members;
}
const eligibleCache = new WeakMap<RebalanceInput, Map<string, RebalanceMember[]>>();

/** Eligibility groups: the units of one kind whose eligible members are the same set. */
function groups(input: RebalanceInput): { members: RebalanceMember[]; units: Unit[] }[] {
  const byKey = new Map<string, { members: RebalanceMember[]; units: Unit[] }>();
  for (const unit of configuredUnits(input).values()) {
    const members = eligible(input, unit.connectorClass);
    const key = `${unit.kind}|${members.map((m) => m.memberId).join(',')}`;
    const g = byKey.get(key) ?? { members, units: [] };
    g.units.push(unit);
    byKey.set(key, g);
  }
  return [...byKey.values()];
}

/** Σ max(0, load − target) with targets ⌈total/n⌉ for the (total mod n) most loaded, ⌊total/n⌋ for the rest. */
function surplus(loads: readonly number[], total: number): number {
  const n = loads.length;
  const sorted = [...loads].sort((a, b) => b - a);
  const floor = Math.floor(total / n);
  return sorted.reduce(
    (sum, load, rank) => sum + Math.max(0, load - (floor + (rank < total % n ? 1 : 0))),
    0,
  );
}

/**
 * The fewest units that must stop on their member to reach a balanced, plugin-respecting state from the
 * valid members' reports (which must hold no duplicates): per eligibility group and kind, Σ max(0, load −
 * target), plus every unit running on a member outside its group.
 */
function minimalMoves(input: RebalanceInput): number {
  const valid = validMembers(input);
  let moves = 0;
  for (const g of groups(input)) {
    const keys = new Set(g.units.map((u) => u.key));
    const inGroup = new Set(g.members.map((m) => m.memberId));
    const loads: number[] = [];
    for (const m of valid) {
      const held = [...keysOf(m.connectors, m.tasks)].filter((k) => keys.has(k)).length;
      if (inGroup.has(m.memberId)) loads.push(held);
      else moves += held;
    }
    moves += surplus(loads, g.units.length);
  }
  return moves;
}

/** Whether two valid members run the same configured unit. */
function hasDuplicates(input: RebalanceInput): boolean {
  const units = configuredUnits(input);
  const seen = new Set<string>();
  for (const m of validMembers(input)) {
    for (const k of keysOf(m.connectors, m.tasks)) {
      if (!units.has(k)) continue;
      if (seen.has(k)) return true;
      seen.add(k);
    }
  }
  return false;
}

/**
 * What must hold after every round, whatever the input:
 * - one assignment per member; CONFIG_MISMATCH for all (and nothing else) when a member is ahead of the leader;
 * - DUPLICATE_URL for every member but the first of its URL, with everything it reports revoked;
 * - each configured unit is in at most one assignment; a unit in a member's assignment was not running on
 *   any other member (so it is never given out in the round it is revoked from another);
 * - a member's revocations are what it reported and no longer runs: nothing is stopped implicitly;
 * - every configured unit is assigned, or revoked in this round, or held by a pending delay;
 * - with `pluginAware`, no member is given work whose plugin it lacks when some member has it;
 * - every member gets the same `delayMs` and `rejoin`; `rejoin` is whether anything was revoked;
 * - the memory is JSON-serialisable and records each valid member's assignment by URL.
 */
function checkRound(input: RebalanceInput, result: RebalanceResult): void {
  const { assignments, memory } = result;
  expect([...assignments.keys()].sort()).toEqual(input.members.map((m) => m.memberId).sort());
  const get = (m: RebalanceMember): MemberAssignment => {
    const a = assignments.get(m.memberId);
    if (!a) throw new Error(`no assignment for ${m.memberId}`);
    return a;
  };
  if (input.members.some((m) => m.configOffset > input.leaderConfigOffset)) {
    for (const m of input.members) {
      expect(get(m)).toMatchObject({
        error: 'CONFIG_MISMATCH',
        connectors: [],
        tasks: [],
        revokedConnectors: [],
        revokedTasks: [],
      });
    }
    return;
  }
  // Violations are collected and compared once: an `expect` per unit would dominate the run time.
  const violations: string[] = [];
  const fail = (message: string): void => {
    if (violations.length < 20) violations.push(message);
  };
  const valid = validMembers(input);
  const validIds = new Set(valid.map((m) => m.memberId));
  const units = configuredUnits(input);
  const reportedBy = new Map(input.members.map((m) => [m.memberId, keysOf(m.connectors, m.tasks)]));
  const owner = new Map<string, string>();
  const revoked = new Set<string>();
  const first = get(input.members[0] as RebalanceMember);
  for (const m of input.members) {
    const a = get(m);
    const id = m.memberId;
    if (a.delayMs !== first.delayMs || a.rejoin !== first.rejoin) fail(`${id}: delay or rejoin differs`);
    const reported = reportedBy.get(id) ?? new Set<string>();
    const runs = keysOf(a.connectors, a.tasks);
    const stops = keysOf(a.revokedConnectors, a.revokedTasks);
    if (a.connectors.some((c, i) => i > 0 && (a.connectors[i - 1] ?? '') >= c))
      fail(`${id}: connectors unsorted`);
    const taskOrder = a.tasks.map((x) => [x.connector, x.task] as const);
    if (
      taskOrder.some(
        ([c, n], i) => i > 0 && (taskOrder[i - 1]?.[0] ?? '') === c && (taskOrder[i - 1]?.[1] ?? 0) >= n,
      )
    ) {
      fail(`${id}: tasks unsorted`);
    }
    if (!validIds.has(id)) {
      if (a.error !== 'DUPLICATE_URL' || runs.size > 0) fail(`${id}: expected DUPLICATE_URL, nothing to run`);
      if (stops.size !== reported.size) fail(`${id}: a duplicate URL must stop everything`);
    } else if (a.error !== 'NONE') {
      fail(`${id}: error ${a.error}`);
    }
    for (const k of stops) {
      if (!reported.has(k)) fail(`${id}: revoked ${k} it does not run`);
      if (runs.has(k)) fail(`${id}: ${k} both revoked and assigned`);
      revoked.add(k);
    }
    for (const k of reported)
      if (!runs.has(k) && !stops.has(k)) fail(`${id}: ${k} dropped without a revocation`);
    for (const k of runs) {
      if (!units.has(k)) fail(`${id}: assigned ${k}, which is not configured`);
      const before = owner.get(k);
      if (before !== undefined) fail(`${k} assigned to ${before} and ${id}`);
      owner.set(k, id);
      // Never started while another member still runs it (a member that keeps a unit it runs is not
      // starting it; the others that run it are told to stop it, checked above).
      if (!reported.has(k)) {
        for (const [other, keys] of reportedBy)
          if (keys.has(k)) fail(`${id}: given ${k} while ${other} runs it`);
      }
    }
    if (input.pluginAware && m.plugins !== undefined && validIds.has(id)) {
      for (const k of runs) {
        const unit = units.get(k);
        if (unit && !m.plugins.has(unit.connectorClass)) {
          if (!eligible(input, unit.connectorClass).some((e) => e.memberId === id)) {
            fail(`${id}: given ${k} without its plugin ${unit.connectorClass}`);
          }
        }
      }
    }
  }
  if (first.rejoin !== revoked.size > 0) fail(`rejoin is ${first.rejoin} with ${revoked.size} revoked`);
  const held = new Set<string>();
  for (const h of memory.delay?.held ?? []) for (const k of keysOf(h.connectors, h.tasks)) held.add(k);
  for (const k of units.keys()) {
    if (!owner.has(k) && !revoked.has(k) && !held.has(k)) fail(`${k} neither assigned, revoked nor held`);
  }
  for (const k of held) if (owner.has(k)) fail(`${k} held by the delay, yet assigned to ${owner.get(k)}`);
  if (memory.delay) {
    const left = Math.min(memory.delay.until - input.now, input.scheduledRebalanceMaxDelayMs);
    if (left <= 0 || first.delayMs !== left)
      fail(`delayMs ${first.delayMs} while the delay has ${left} ms left`);
  }
  expect(violations).toEqual([]);
  expectEqual(
    memory.assigned,
    valid.map((m) => ({ url: m.url, connectors: get(m).connectors, tasks: get(m).tasks })),
  );
  expectEqual(JSON.parse(JSON.stringify(memory)), memory);
}

/** `toEqual`, with a fast path: vitest's deep equality is slow on large values and this runs every round. */
function expectEqual(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected);
}

/** Balanced: every configured unit assigned once, and within each eligibility group and kind max − min ≤ 1. */
function expectBalanced(input: RebalanceInput, result: RebalanceResult): void {
  const runs = new Map<string, Set<string>>();
  let assigned = 0;
  for (const m of validMembers(input)) {
    const a = result.assignments.get(m.memberId);
    const keys = keysOf(a?.connectors ?? [], a?.tasks ?? []);
    assigned += keys.size;
    runs.set(m.memberId, keys);
  }
  expect(assigned).toBe(configuredUnits(input).size);
  for (const g of groups(input)) {
    const keys = new Set(g.units.map((u) => u.key));
    const loads = g.members.map((m) => [...(runs.get(m.memberId) ?? [])].filter((k) => keys.has(k)).length);
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
  }
}

/** Units revoked this round from the valid members that are still configured. */
function movedUnits(input: RebalanceInput, result: RebalanceResult): number {
  const units = configuredUnits(input);
  let moved = 0;
  for (const m of validMembers(input)) {
    const a = result.assignments.get(m.memberId);
    for (const k of keysOf(a?.revokedConnectors ?? [], a?.revokedTasks ?? [])) if (units.has(k)) moved++;
  }
  return moved;
}

function revokedAnything(result: RebalanceResult): boolean {
  return [...result.assignments.values()].some((a) => a.revokedConnectors.length + a.revokedTasks.length > 0);
}

// ---------------------------------------------------------------------------------------------------------
// Examples, rule by rule.
// ---------------------------------------------------------------------------------------------------------

describe('rebalance: rules', () => {
  it('answers CONFIG_MISMATCH to everyone, revoking nothing, when a member read further than the leader', () => {
    const cluster = new Cluster({
      connectors: [connector('a', 2)],
      members: [
        { ...newMember(1), connectors: ['a'], tasks: tasksOf('a', 2) },
        { ...newMember(2), configOffset: 11 },
      ],
    });
    const memory = rebalance({ ...cluster.input(), members: [newMember(1), newMember(2)] }).memory;
    cluster.memory = memory;
    const result = cluster.round();
    for (const a of result.assignments.values()) {
      expect(a).toEqual({
        error: 'CONFIG_MISMATCH',
        connectors: [],
        tasks: [],
        revokedConnectors: [],
        revokedTasks: [],
        delayMs: 0,
        rejoin: true,
      });
    }
    expect(result.memory).toBe(memory);
    // Members keep running what they ran.
    expect(cluster.byUrl(1).tasks).toEqual(tasksOf('a', 2));
  });

  it('gives DUPLICATE_URL to all but the first member of a URL and revokes what they run', () => {
    const cluster = new Cluster({
      connectors: [connector('a', 2), connector('b', 1)],
      members: [
        { ...newMember(1, 1), connectors: ['b'], tasks: [t('a', 0)] },
        { ...newMember(1, 0), connectors: ['a'], tasks: [t('a', 0), t('a', 1)] },
        newMember(2),
      ],
    });
    const first = cluster.round();
    expect(first.assignments.get(`${url(1)}#init1`)).toEqual({
      error: 'DUPLICATE_URL',
      connectors: [],
      tasks: [],
      revokedConnectors: ['b'],
      revokedTasks: [t('a', 0)],
      delayMs: 0,
      rejoin: true,
    });
    // `b` is being stopped on the duplicate: nobody gets it in this round, and it is placed in the next.
    const keep = first.assignments.get(`${url(1)}#init0`);
    expect(keep?.connectors).toEqual(['a']);
    expect(first.assignments.get(`${url(2)}#init0`)?.connectors).toEqual([]);
    const second = cluster.round();
    expect(second.assignments.get(`${url(2)}#init0`)?.connectors).toEqual(['b']);
    expect(second.assignments.get(`${url(1)}#init1`)?.error).toBe('DUPLICATE_URL');
  });

  it('keeps a unit run by several members on the least loaded of them and revokes it from the others', () => {
    const cluster = new Cluster({
      connectors: [connector('a', 4)],
      members: [
        { ...newMember(1), tasks: [t('a', 0), t('a', 1), t('a', 2)] },
        { ...newMember(2), tasks: [t('a', 2)] },
      ],
    });
    const result = cluster.round();
    expect(result.assignments.get(`${url(1)}#init0`)?.revokedTasks).toEqual([t('a', 2)]);
    expect(result.assignments.get(`${url(2)}#init0`)?.tasks).toEqual([t('a', 2), t('a', 3)]);
  });

  it('revokes work that is no longer configured: deleted connectors and tasks above a lowered tasks.max', () => {
    const cluster = new Cluster({
      connectors: [connector('a', 2)],
      members: [{ ...newMember(1), connectors: ['a', 'gone'], tasks: [...tasksOf('a', 4), t('gone', 0)] }],
    });
    const result = cluster.round();
    const a = result.assignments.get(`${url(1)}#init0`);
    expect(a?.revokedConnectors).toEqual(['gone']);
    expect(a?.revokedTasks).toEqual([t('a', 2), t('a', 3), t('gone', 0)]);
    expect(a?.tasks).toEqual(tasksOf('a', 2));
    expect(a?.rejoin).toBe(true);
  });

  it('assigns new tasks (tasks.max raised) in the same round, spread across the members', () => {
    const cluster = new Cluster({
      connectors: [connector('a', 2)],
      members: [{ ...newMember(1), connectors: ['a'], tasks: tasksOf('a', 2) }, newMember(2), newMember(3)],
    });
    cluster.round();
    cluster.round();
    cluster.connectors = [connector('a', 6)];
    const result = cluster.round();
    expect(revokedAnything(result)).toBe(false);
    expect(cluster.loads().tasks).toEqual([2, 2, 2]);
  });

  it("spreads one new connector's tasks round-robin, least-loaded member first", () => {
    const cluster = new Cluster({
      connectors: [connector('a', 3), connector('b', 6)],
      members: [{ ...newMember(1), connectors: ['a'], tasks: tasksOf('a', 3) }, newMember(2), newMember(3)],
    });
    const result = cluster.round();
    expect(revokedAnything(result)).toBe(false);
    // Member 1 keeps 3 of 9 tasks; b's 6 tasks go 3 and 3 to the empty members, never piling up.
    const b = (i: number): number => cluster.byUrl(i).tasks.filter((x) => x.connector === 'b').length;
    expect([b(1), b(2), b(3)]).toEqual([0, 3, 3]);
    expect(cluster.loads().connectors).toEqual([1, 1, 0]);
  });

  it('gives work only to members that have its plugin, and to anyone when nobody has it', () => {
    const cluster = new Cluster({
      connectors: [connector('jdbc', 4, 'JdbcSource'), connector('odd', 2, 'Nowhere')],
      members: [
        newMember(1, 0, ['FileSource']),
        newMember(2, 0, ['JdbcSource']),
        newMember(3, 0, ['JdbcSource']),
      ],
    });
    cluster.round();
    expect(cluster.byUrl(1).tasks.map((x) => x.connector)).not.toContain('jdbc');
    expect(cluster.byUrl(1).connectors).not.toContain('jdbc');
    const odd = cluster.members.flatMap((m) => m.tasks.filter((x) => x.connector === 'odd'));
    expect(odd).toHaveLength(2);
    // Ignored when the group's protocol carries no plugin lists.
    const legacy = new Cluster({
      connectors: [connector('jdbc', 3, 'JdbcSource')],
      members: [newMember(1, 0, ['FileSource']), newMember(2, 0, ['JdbcSource']), newMember(3, 0, [])],
      pluginAware: false,
    });
    legacy.round();
    expect(legacy.loads().tasks).toEqual([1, 1, 1]);
  });

  it('moves work off a member without the plugin once a member with it joins', () => {
    const cluster = new Cluster({
      connectors: [connector('jdbc', 2, 'JdbcSource')],
      members: [newMember(1, 0, ['FileSource'])],
    });
    cluster.round();
    expect(cluster.byUrl(1).tasks).toHaveLength(2);
    cluster.join(2, ['JdbcSource']);
    const first = cluster.round();
    expect(first.assignments.get(cluster.byUrl(1).memberId)?.revokedTasks).toEqual(tasksOf('jdbc', 2));
    cluster.round();
    expect(cluster.byUrl(2).tasks).toEqual(tasksOf('jdbc', 2));
    expect(cluster.byUrl(2).connectors).toEqual(['jdbc']);
  });

  it('balances by revoking only, preferring tasks of the connector a member holds most of (KAFKA-17049)', () => {
    const cluster = new Cluster({
      connectors: [connector('a', 6), connector('b', 3), connector('c', 3)],
      members: [
        {
          ...newMember(1),
          connectors: ['a', 'b', 'c'],
          tasks: [...tasksOf('a', 6), ...tasksOf('b', 3), ...tasksOf('c', 3)],
        },
        newMember(2),
      ],
    });
    const first = cluster.round();
    const one = first.assignments.get(cluster.byUrl(1).memberId);
    // 12 tasks on 2 members: 6 move, each from the connector member 1 runs most of above its even share
    // (taking the first 6 in order would move all of a's tasks).
    expect(one?.revokedTasks).toEqual([t('a', 3), t('a', 4), t('a', 5), t('b', 1), t('b', 2), t('c', 2)]);
    expect(one?.revokedConnectors).toEqual(['c']);
    expect(first.assignments.get(cluster.byUrl(2).memberId)?.tasks).toEqual([]);
    const second = cluster.round();
    expect(revokedAnything(second)).toBe(false);
    expect(cluster.loads()).toEqual({ connectors: [2, 1], tasks: [6, 6] });
    // Every connector's tasks end up split evenly across the two members.
    for (const name of ['a', 'b', 'c']) {
      const [x, y] = [1, 2].map(
        (i) => cluster.byUrl(i).tasks.filter((task) => task.connector === name).length,
      );
      expect(Math.abs((x ?? 0) - (y ?? 0))).toBeLessThanOrEqual(1);
    }
  });

  it('holds back a second balancing revocation in a row with the same members (storm guard)', () => {
    const cluster = new Cluster({
      connectors: [connector('a', 4)],
      members: [{ ...newMember(1), connectors: ['a'], tasks: tasksOf('a', 4) }, newMember(2)],
    });
    const first = cluster.round();
    expect(first.memory.storm.balanceRevoked).toBe(true);
    // Member 1 did not stop what was revoked (not the normal path): revoking again would start a storm.
    cluster.byUrl(1).tasks = tasksOf('a', 4);
    const input = cluster.input();
    const second = rebalance(input);
    checkRound(input, second);
    expect(revokedAnything(second)).toBe(false);
    expect(second.memory.storm).toEqual({ balanceRevoked: false, consecutive: 1, suppressed: 1 });
    expect(second.assignments.get(cluster.byUrl(1).memberId)?.delayMs).toBe(STORM_GUARD_BACKOFF_MS);
    cluster.memory = second.memory;
    const third = cluster.round();
    expect(third.memory.storm.balanceRevoked).toBe(true);
    expect(third.assignments.get(cluster.byUrl(1).memberId)?.revokedTasks).toHaveLength(2);
  });

  it('returns the same result for the same input, whatever the order of its lists', () => {
    const members = [
      { ...newMember(2), connectors: ['b'], tasks: [t('a', 1), t('b', 0)] },
      { ...newMember(1), connectors: ['a'], tasks: [t('a', 0), t('a', 1)] },
      newMember(3),
    ];
    const connectors = [connector('b', 3), connector('a', 4)];
    const base = {
      leaderConfigOffset: 10,
      memory: undefined,
      now: 0,
      scheduledRebalanceMaxDelayMs: 0,
      pluginAware: true,
    };
    const one = rebalance({ ...base, members, connectors });
    const two = rebalance({
      ...base,
      members: [...members].reverse(),
      connectors: [...connectors].reverse(),
    });
    expect([...two.assignments].sort()).toEqual([...one.assignments].sort());
    expect(two.memory).toEqual(one.memory);
  });
});

describe('rebalance: Connect cases', () => {
  it('reassigns the work of a member that left at once with a zero delay', () => {
    const cluster = new Cluster({
      connectors: [connector('a', 6), connector('b', 3)],
      members: [newMember(1), newMember(2), newMember(3)],
    });
    cluster.round();
    expect(cluster.loads().tasks).toEqual([3, 3, 3]);
    cluster.leave(2);
    const result = cluster.round();
    expect(revokedAnything(result)).toBe(false);
    expect(result.memory.delay).toBeNull();
    expect(cluster.loads().tasks.sort()).toEqual([4, 5]);
    expect(cluster.loads().connectors.sort()).toEqual([1, 1]);
  });

  it('balances a member that joins in two rounds: revoke, then assign', () => {
    const cluster = new Cluster({ connectors: [connector('a', 8)], members: [newMember(1), newMember(2)] });
    cluster.round();
    cluster.join(3);
    const first = cluster.round();
    expect(first.assignments.get(cluster.byUrl(3).memberId)?.tasks).toEqual([]);
    expect(movedUnits(cluster.input(), first)).toBe(2); // one from each: the least there is
    expect(cluster.loads().tasks).toEqual([3, 3, 0]);
    const second = cluster.round();
    expect(revokedAnything(second)).toBe(false);
    expect(cluster.loads().tasks).toEqual([3, 3, 2]);
  });

  it('balances two members joining at once evenly (KAFKA-10413)', () => {
    const all = [connector('a', 4), connector('b', 4), connector('c', 4)];
    const cluster = new Cluster({
      connectors: all,
      members: [
        { ...newMember(1), connectors: ['a', 'b', 'c'], tasks: all.flatMap((c) => tasksOf(c.name, 4)) },
      ],
    });
    cluster.join(2);
    cluster.join(3);
    const first = cluster.round();
    expect(first.assignments.get(cluster.byUrl(1).memberId)?.revokedTasks).toHaveLength(8);
    cluster.round();
    expect(cluster.loads()).toEqual({ connectors: [1, 1, 1], tasks: [4, 4, 4] });
    expect(revokedAnything(cluster.round())).toBe(false);
  });

  it('stops duplicates when a zombie returns with work that moved meanwhile (KAFKA-9841)', () => {
    const cluster = new Cluster({ connectors: [connector('a', 4)], members: [newMember(1), newMember(2)] });
    cluster.round();
    const zombie = cluster.leave(1);
    cluster.round();
    expect(cluster.byUrl(2).tasks).toHaveLength(4);
    // The frozen worker comes back still running its old work, under its old member id.
    cluster.members.push(zombie);
    const old = [...zombie.tasks];
    expect(old).toHaveLength(2);
    const result = cluster.round();
    // Each duplicated unit stays on one of the two (the less loaded), and only on one: Connect stops both.
    const z = result.assignments.get(zombie.memberId);
    const two = result.assignments.get(cluster.byUrl(2).memberId);
    expect(z?.connectors).toEqual(['a']);
    expect(two?.revokedConnectors).toEqual(['a']);
    expect(z?.tasks).toEqual(old);
    expect(two?.revokedTasks).toEqual(old);
    expect(z?.revokedTasks).toEqual([]);
    expect(revokedAnything(cluster.round())).toBe(false);
    expect(cluster.loads()).toEqual({ connectors: [1, 0], tasks: [2, 2] });
  });

  it('holds a departed member’s work for the delay and gives it back when it returns in time', () => {
    const cluster = new Cluster({
      connectors: [connector('a', 6), connector('b', 3)],
      members: [newMember(1), newMember(2), newMember(3)],
      maxDelayMs: 10_000,
    });
    cluster.round();
    const before = { connectors: [...cluster.byUrl(2).connectors], tasks: [...cluster.byUrl(2).tasks] };
    cluster.leave(2);
    const left = cluster.round();
    expect(left.assignments.get(cluster.byUrl(1).memberId)?.delayMs).toBe(10_000);
    expect(left.memory.delay?.held).toEqual([{ url: url(2), ...before }]);
    expect(cluster.loads().tasks).toEqual([3, 3]);

    cluster.now += 4_000;
    cluster.join(2);
    const back = cluster.round();
    expect(back.assignments.get(cluster.byUrl(2).memberId)).toMatchObject({ tasks: [], delayMs: 6_000 });
    expect(revokedAnything(back)).toBe(false);

    cluster.now += 6_000;
    const expired = cluster.round();
    expect(expired.memory.delay).toBeNull();
    expect(expired.assignments.get(cluster.byUrl(2).memberId)).toMatchObject({ ...before, delayMs: 0 });
    expect(revokedAnything(expired)).toBe(false);
  });

  it('gives held work back to the member that ran it rather than to another one that joined meanwhile', () => {
    const cluster = new Cluster({
      connectors: [connector('a', 6)],
      members: [newMember(1), newMember(5)],
      maxDelayMs: 5_000,
    });
    cluster.round();
    const before = [...cluster.byUrl(5).tasks];
    expect(before).toHaveLength(3);
    cluster.leave(5);
    cluster.round();
    cluster.join(2);
    cluster.join(5);
    cluster.round();
    cluster.now += 5_000;
    const expired = cluster.round();
    // Six tasks on three members: member 5 takes two of its own three back; the third goes to member 2.
    expect(expired.assignments.get(cluster.byUrl(5).memberId)?.tasks).toEqual(before.slice(0, 2));
    expect(expired.assignments.get(cluster.byUrl(2).memberId)?.tasks).toEqual(before.slice(2));
  });

  it('gives held work to a member that joined during the delay, else to anyone, when it expires', () => {
    const cluster = new Cluster({
      connectors: [connector('a', 6)],
      members: [newMember(1), newMember(2), newMember(3)],
      maxDelayMs: 5_000,
    });
    cluster.round();
    cluster.leave(3);
    cluster.round();
    cluster.now += 1_000;
    cluster.join(4);
    cluster.round();
    cluster.now += 4_000;
    const expired = cluster.round();
    expect(expired.assignments.get(cluster.byUrl(4).memberId)?.tasks).toHaveLength(2);
    expect(cluster.loads().tasks).toEqual([2, 2, 2]);

    // Nobody joins: the held work goes to the members there are; the member that left gets its share
    // by balancing when it comes back later.
    cluster.leave(4);
    cluster.round();
    cluster.now += 5_000;
    cluster.round();
    expect(cluster.loads().tasks).toEqual([3, 3]);
    cluster.join(4);
    const late = cluster.round();
    expect(late.assignments.get(cluster.byUrl(4).memberId)?.tasks).toEqual([]);
    expect(revokedAnything(late)).toBe(true);
    cluster.round();
    expect(cluster.loads().tasks).toEqual([2, 2, 2]);
  });

  it('revokes nothing for balance while a delay runs, even when members join meanwhile', () => {
    const cluster = new Cluster({
      connectors: [connector('a', 9)],
      members: [newMember(1), newMember(2), newMember(3)],
      maxDelayMs: 5_000,
    });
    cluster.round();
    cluster.leave(3);
    cluster.round();
    cluster.join(4);
    cluster.join(5);
    cluster.join(6);
    // 9 tasks on 5 members is 2 each (one has 1): members 1 and 2 run 3, but nothing moves yet.
    const during = cluster.round();
    expect(revokedAnything(during)).toBe(false);
    expect(cluster.loads().tasks).toEqual([3, 3, 0, 0, 0]);
    cluster.now += 5_000;
    const expired = cluster.round();
    expect(revokedAnything(expired)).toBe(true);
    cluster.round();
    expect([...cluster.loads().tasks].sort()).toEqual([1, 2, 2, 2, 2]);
  });

  it('places the work of members that left at once on a new leader, which has no memory of them', () => {
    const cluster = new Cluster({
      connectors: [connector('a', 4)],
      members: [{ ...newMember(1), connectors: ['a'], tasks: [t('a', 0), t('a', 1)] }, newMember(2)],
      maxDelayMs: 60_000,
    });
    const result = cluster.round();
    expect(result.memory.delay).toBeNull();
    expect(result.assignments.get(cluster.byUrl(2).memberId)).toMatchObject({
      tasks: [t('a', 2), t('a', 3)],
    });
  });

  it('places new work during a delay but revokes nothing for balance until it expires', () => {
    const cluster = new Cluster({
      connectors: [connector('a', 4)],
      members: [newMember(1), newMember(2)],
      maxDelayMs: 5_000,
    });
    cluster.round();
    cluster.leave(2);
    cluster.join(3);
    cluster.connectors = [connector('a', 4), connector('b', 2)];
    const during = cluster.round();
    expect(revokedAnything(during)).toBe(false);
    expect(during.memory.delay?.candidates).toEqual([url(3)]);
    expect(cluster.byUrl(3).tasks.map(tKey)).toEqual([t('b', 0), t('b', 1)].map(tKey));
    cluster.now += 5_000;
    cluster.round();
    cluster.round();
    expect(cluster.loads().tasks).toEqual([3, 3]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Properties over random clusters.
// ---------------------------------------------------------------------------------------------------------

const PLUGINS = ['Alpha', 'Beta', 'Gamma'];
/** 'Missing' is in nobody's plugin list: its work goes to anyone. */
const CLASSES = [...PLUGINS, 'Missing'];
const NAMES = 60;
const name = (i: number): string => `conn-${String(i).padStart(2, '0')}`;

interface Scenario {
  connectors: ConfiguredConnector[];
  members: SimMember[];
  pluginAware: boolean;
}

/**
 * 1–8 members (plus, in a quarter of the cases, 1–2 sharing another's URL when `duplicateUrls`), 0–40
 * connectors with 0–8 tasks and random plugin lists. Each configured unit runs on one random member or
 * none; with `duplicates`, about a quarter also on a second member, and members claim random units, some
 * configured (more duplicates), most not (deleted connectors, tasks above `taskCount`). Without
 * `duplicates`, only the deleted claims are kept.
 */
function scenarioArb(options: { duplicates: boolean; duplicateUrls: boolean }): fc.Arbitrary<Scenario> {
  return fc
    .record({
      memberCount: fc.integer({ min: 1, max: 8 }),
      duplicateUrlCount: options.duplicateUrls
        ? fc.oneof(
            { arbitrary: fc.constant(0), weight: 3 },
            { arbitrary: fc.integer({ min: 1, max: 2 }), weight: 1 },
          )
        : fc.constant(0),
      connectors: fc.uniqueArray(
        fc.record({
          id: fc.integer({ min: 0, max: NAMES - 1 }),
          connectorClass: fc.constantFrom(...CLASSES),
          taskCount: fc.integer({ min: 0, max: 8 }),
        }),
        { selector: (c) => c.id, maxLength: 40 },
      ),
      plugins: fc.array(fc.option(fc.subarray(PLUGINS), { nil: undefined }), {
        minLength: 10,
        maxLength: 10,
      }),
      pluginAware: fc.boolean(),
    })
    .chain((base) => {
      const n = base.memberCount + base.duplicateUrlCount;
      const units = base.connectors.flatMap((c) => [
        { connector: name(c.id), task: -1 },
        ...tasksOf(name(c.id), c.taskCount),
      ]);
      return fc
        .record({
          owners: fc.array(fc.integer({ min: -1, max: n - 1 }), {
            minLength: units.length,
            maxLength: units.length,
          }),
          // A second member running the same unit for about a quarter of the units (negative: none).
          seconds: fc.array(
            fc.integer({ min: options.duplicates ? -3 * n : -1, max: options.duplicates ? n - 1 : -1 }),
            {
              minLength: units.length,
              maxLength: units.length,
            },
          ),
          claims: fc.array(
            fc.record({
              member: fc.integer({ min: 0, max: n - 1 }),
              connector: fc.integer({ min: 0, max: NAMES - 1 }),
              task: fc.integer({ min: -1, max: 9 }),
            }),
            { maxLength: 30 },
          ),
        })
        .map(({ owners, seconds, claims }) => {
          const connectors = base.connectors.map((c) => connector(name(c.id), c.taskCount, c.connectorClass));
          const members: SimMember[] = Array.from({ length: n }, (_, i) => {
            const index = i < base.memberCount ? i : i % base.memberCount;
            return {
              ...newMember(index, i),
              plugins: base.plugins[i] ? new Set(base.plugins[i]) : undefined,
            };
          });
          const configured = new Set(units.map((u) => (u.task < 0 ? cKey(u.connector) : tKey(u))));
          const claim = (m: SimMember | undefined, connectorName: string, task: number): void => {
            if (!m) return;
            if (task < 0) m.connectors.push(connectorName);
            else m.tasks.push(t(connectorName, task));
          };
          units.forEach((u, i) => {
            const owner = owners[i] ?? -1;
            const second = seconds[i] ?? -1;
            claim(members[owner], u.connector, u.task);
            if (second !== owner) claim(members[second], u.connector, u.task);
          });
          for (const c of claims) {
            const key = c.task < 0 ? cKey(name(c.connector)) : tKey(t(name(c.connector), c.task));
            if (!options.duplicates && configured.has(key)) continue;
            claim(members[c.member], name(c.connector), c.task);
          }
          return { connectors, members, pluginAware: base.pluginAware };
        });
    });
}

/** Fresh copies: the simulator mutates its members. */
function clusterOf(s: Scenario, memory?: RebalanceMemory, maxDelayMs = 0): Cluster {
  return new Cluster({
    connectors: s.connectors,
    members: s.members.map((m) => ({ ...m, connectors: [...m.connectors], tasks: [...m.tasks] })),
    pluginAware: s.pluginAware,
    maxDelayMs,
    ...(memory ? { memory } : {}),
  });
}

const RUNS = { safety: 300, convergence: 400, movement: 400, determinism: 200 } as const;

describe('rebalance: properties', () => {
  it(`keeps every invariant over random histories of joins, departures, zombies, config changes and delays (${RUNS.safety} runs)`, () => {
    type Event =
      | { type: 'round' }
      | { type: 'leave'; who: number }
      | { type: 'join'; plugins: string[] | undefined }
      | { type: 'return'; who: number }
      | { type: 'zombie'; who: number }
      | { type: 'time'; ms: number }
      | { type: 'tasks'; which: number; taskCount: number }
      | { type: 'delete'; which: number }
      | { type: 'mismatch'; who: number };
    const eventArb: fc.Arbitrary<Event> = fc.oneof(
      fc.constant({ type: 'round' as const }),
      { arbitrary: fc.record({ type: fc.constant('leave' as const), who: fc.nat() }), weight: 2 },
      fc.record({
        type: fc.constant('join' as const),
        plugins: fc.option(fc.subarray(PLUGINS), { nil: undefined }),
      }),
      { arbitrary: fc.record({ type: fc.constant('return' as const), who: fc.nat() }), weight: 2 },
      fc.record({ type: fc.constant('zombie' as const), who: fc.nat() }),
      {
        arbitrary: fc.record({ type: fc.constant('time' as const), ms: fc.integer({ min: 0, max: 8_000 }) }),
        weight: 2,
      },
      fc.record({
        type: fc.constant('tasks' as const),
        which: fc.nat(),
        taskCount: fc.integer({ min: 0, max: 8 }),
      }),
      fc.record({ type: fc.constant('delete' as const), which: fc.nat() }),
      fc.record({ type: fc.constant('mismatch' as const), who: fc.nat() }),
    );
    fc.assert(
      fc.property(
        scenarioArb({ duplicates: true, duplicateUrls: true }),
        fc.constantFrom(0, 0, 3_000, 10_000),
        fc.array(eventArb, { maxLength: 14 }),
        (scenario, maxDelayMs, events) => {
          const cluster = clusterOf(scenario, undefined, maxDelayMs);
          const departed: SimMember[] = [];
          let nextUrl = 20;
          cluster.round();
          for (const event of events) {
            const pick = <T>(list: readonly T[], i: number): T | undefined =>
              list[i % Math.max(1, list.length)];
            switch (event.type) {
              case 'leave': {
                const m = pick(cluster.members, event.who);
                if (m && cluster.members.length > 1) {
                  cluster.members.splice(cluster.members.indexOf(m), 1);
                  departed.push({ ...m, connectors: [...m.connectors], tasks: [...m.tasks] });
                }
                break;
              }
              case 'join':
                cluster.join(nextUrl++, event.plugins);
                break;
              case 'return': {
                const m = pick(departed, event.who);
                if (m && !cluster.members.some((x) => x.url === m.url)) {
                  cluster.members.push({ ...m, memberId: `${m.memberId}+`, connectors: [], tasks: [] });
                }
                break;
              }
              case 'zombie': {
                // Back with what it ran when it left, under its old id: duplicates (or a duplicate URL).
                const m = pick(departed, event.who);
                if (m && !cluster.members.some((x) => x.memberId === m.memberId)) {
                  cluster.members.push({ ...m, connectors: [...m.connectors], tasks: [...m.tasks] });
                }
                break;
              }
              case 'time':
                cluster.now += event.ms;
                break;
              case 'tasks': {
                const c = pick(cluster.connectors, event.which);
                if (c) {
                  cluster.connectors = cluster.connectors.map((x) =>
                    x === c ? { ...c, taskCount: event.taskCount } : x,
                  );
                }
                break;
              }
              case 'delete': {
                const c = pick(cluster.connectors, event.which);
                cluster.connectors = cluster.connectors.filter((x) => x !== c);
                break;
              }
              case 'mismatch': {
                const m = pick(cluster.members, event.who);
                if (m) m.configOffset = cluster.configOffset + 1;
                cluster.round();
                if (m) m.configOffset = cluster.configOffset;
                break;
              }
              case 'round':
                break;
            }
            cluster.round();
          }
          // Then quiet: past any delay, a stable group settles, every unit running exactly once.
          cluster.now += maxDelayMs + 1;
          const valid = new Set(validMembers(cluster.input()).map((m) => m.memberId));
          cluster.members = cluster.members.filter((m) => valid.has(m.memberId));
          let settled: RebalanceResult | undefined;
          for (let round = 0; round < 4 && !settled; round++) {
            const input = cluster.input();
            const result = cluster.round();
            if (!revokedAnything(result) && result.memory.delay === null) {
              expectBalanced(input, result);
              settled = result;
            }
          }
          expect(settled).toBeDefined();
        },
      ),
      { numRuns: RUNS.safety },
    );
  });

  it(`converges from any state in ≤ 2 rounds with stable members and no delay, without the storm guard (${RUNS.convergence} runs)`, () => {
    fc.assert(
      fc.property(
        scenarioArb({ duplicates: true, duplicateUrls: true }),
        fc.integer({ min: 0, max: 3 }),
        (scenario, warmUp) => {
          // A leader that already ran a round with other members (some gone, one more), or a new leader.
          let memory: RebalanceMemory | undefined;
          if (warmUp > 0) {
            const other = clusterOf(scenario);
            other.members = other.members.slice(warmUp - 1);
            other.join(30);
            memory = other.round().memory;
          }
          const cluster = clusterOf(scenario, memory);
          cluster.round();
          const input2 = cluster.input();
          const second = cluster.round();
          expect(revokedAnything(second)).toBe(false);
          expectBalanced(input2, second);
          const third = cluster.round();
          expect(revokedAnything(third)).toBe(false);
          expect([...third.assignments]).toEqual([...second.assignments]);
          expect(third.memory.storm.suppressed).toBe(0);
        },
      ),
      { numRuns: RUNS.convergence },
    );
  });

  it(`moves exactly Σ max(0, load − target) units, plus work on members without its plugin (${RUNS.movement} runs)`, () => {
    let checked = 0;
    fc.assert(
      fc.property(
        scenarioArb({ duplicates: false, duplicateUrls: true }),
        fc.boolean(),
        (scenario, settle) => {
          const cluster = clusterOf(scenario);
          for (let round = 0; round < 3; round++) {
            const input = cluster.input();
            expect(hasDuplicates(input)).toBe(false);
            const result = cluster.round();
            expect(movedUnits(input, result)).toBe(minimalMoves(input));
            checked++;
            if (!settle) break;
            // A change of membership, then the same property again from the settled state.
            if (round === 0) cluster.join(40);
          }
        },
      ),
      { numRuns: RUNS.movement },
    );
    expect(checked).toBeGreaterThanOrEqual(RUNS.movement);
  });

  it(`is deterministic: same content in any list order, and the memory survives JSON (${RUNS.determinism} runs)`, () => {
    fc.assert(
      fc.property(
        scenarioArb({ duplicates: true, duplicateUrls: true }),
        fc.constantFrom(0, 5_000),
        fc.func(fc.integer()),
        (scenario, maxDelayMs, shuffleKey) => {
          const cluster = clusterOf(scenario, undefined, maxDelayMs);
          cluster.round();
          if (cluster.members.length > 1) cluster.leave(0);
          cluster.join(9);
          const input = cluster.input();
          const shuffle = <T>(list: readonly T[]): T[] =>
            list
              .map((item, i) => ({ item, k: shuffleKey(i) }))
              .sort((a, b) => a.k - b.k)
              .map((x) => x.item);
          const shuffled: RebalanceInput = {
            ...input,
            members: shuffle(input.members).map((m) => ({
              ...m,
              connectors: shuffle(m.connectors),
              tasks: shuffle(m.tasks),
            })),
            connectors: shuffle(input.connectors),
            memory: JSON.parse(JSON.stringify(input.memory)) as RebalanceMemory,
          };
          const one = rebalance(input);
          const two = rebalance(shuffled);
          const again = rebalance(input);
          const sorted = (r: RebalanceResult): [string, MemberAssignment][] =>
            [...r.assignments].sort(([a], [b]) => (a < b ? -1 : 1));
          expect(sorted(two)).toEqual(sorted(one));
          expect(two.memory).toEqual(one.memory);
          expect(sorted(again)).toEqual(sorted(one));
        },
      ),
      { numRuns: RUNS.determinism },
    );
  });
});
