import type {
  HeldWork,
  MemberAssignment,
  RebalanceDelay,
  RebalanceInput,
  RebalanceMember,
  RebalanceMemory,
  RebalanceResult,
  RememberedAssignment,
  StormGuardState,
} from './types.js';
import {
  TASK,
  compareStrings,
  compareWork,
  connectorWork,
  keyOf,
  sortedConnectors,
  sortedTasks,
  taskWork,
  workKey,
  workOf,
  type Kind,
  type WorkRef,
} from './work.js';

/** First backoff after the storm guard held back balancing revocations; doubles per consecutive hold. */
export const STORM_GUARD_BACKOFF_MS = 1_000;
/** Longest backoff of the storm guard. */
export const STORM_GUARD_MAX_BACKOFF_MS = 60_000;

/**
 * Decides which member of a Sluice cluster runs which connector instances and tasks: the group leader's
 * assignor, as a pure function of the members' JoinGroup metadata, the leader's config snapshot and what
 * it decided last time (`memory`).
 *
 * Incremental and cooperative, like Apache Kafka Connect's `IncrementalCooperativeAssignor`: work moves in
 * two rounds (revoked from one member in a round, given to another in the next), so no unit of work ever
 * runs on two members at once. Departures from Connect:
 * - assignments are full sets, not deltas;
 * - a duplicated unit of work stays on one of the members that run it (Connect stops it everywhere);
 * - work goes only to members that have its connector's plugin (when one does), and is taken off members
 *   without it once one with it is there;
 * - balancing is exact and minimal, per eligibility group (the units of one kind that the same members may
 *   run; one group when every member has every plugin): each member of the group ends at ⌈total/n⌉ or
 *   ⌊total/n⌋ of it, and no more units move than that needs, so a stable group settles in two rounds.
 *   Totals across overlapping groups are evened out only where ties leave a choice;
 * - held work of a member that left goes back to that same member if it returned in time;
 * - the storm guard schedules the round it skips (`delayMs`, from `STORM_GUARD_BACKOFF_MS` doubling up to
 *   `STORM_GUARD_MAX_BACKOFF_MS`) instead of depending on `scheduled.rebalance.max.delay.ms`.
 *
 * Deterministic: the output depends only on the input's content, not on the order of its lists.
 */
export function rebalance(input: RebalanceInput): RebalanceResult {
  const members = [...input.members].sort(compareMembers);
  const previous = input.memory?.version === 1 ? input.memory : undefined;
  if (members.some((m) => m.configOffset > input.leaderConfigOffset)) {
    return configMismatch(members, previous ?? emptyMemory());
  }
  return new Round(input, members, previous).run();
}

function compareMembers(a: RebalanceMember, b: RebalanceMember): number {
  return compareStrings(a.url, b.url) || compareStrings(a.memberId, b.memberId);
}

function emptyMemory(): RebalanceMemory {
  return {
    version: 1,
    assigned: [],
    delay: null,
    storm: { balanceRevoked: false, consecutive: 0, suppressed: 0 },
  };
}

/** Nothing is assigned or revoked; members keep running what they run, catch up and rejoin. */
function configMismatch(members: readonly RebalanceMember[], memory: RebalanceMemory): RebalanceResult {
  const assignments = new Map<string, MemberAssignment>();
  for (const m of members) {
    assignments.set(m.memberId, {
      error: 'CONFIG_MISMATCH',
      connectors: [],
      tasks: [],
      revokedConnectors: [],
      revokedTasks: [],
      delayMs: 0,
      rejoin: true,
    });
  }
  return { assignments, memory };
}

/** The members that may run some work: all members, or those that have its connector's plugin. */
interface EligibleGroup {
  id: string;
  members: Slot[];
}

/** A configured unit of work. */
interface Work extends WorkRef {
  key: string;
  group: EligibleGroup;
  /** Its eligible group and kind (`shareKey`): targets and counts are kept per share. */
  share: string;
}

/** A member taking part in this round (the first of its URL). */
interface Slot {
  index: number;
  member: RebalanceMember;
  reported: Map<string, WorkRef>;
  /** What it keeps running, then also what it is given. */
  runs: Map<string, Work>;
  revoked: Map<string, WorkRef>;
  /** Units of each kind in `runs`. */
  load: [number, number];
  /** Units in `runs` per share (eligible group and kind). */
  counts: Map<string, number>;
  /** Tasks in `runs` per connector. */
  tasksOf: Map<string, number>;
}

function shareKey(group: EligibleGroup, kind: Kind): string {
  return `${kind}:${group.id}`;
}

class Round {
  readonly #input: RebalanceInput;
  readonly #previous: RebalanceMemory | undefined;
  readonly #slots: Slot[] = [];
  readonly #duplicates: { member: RebalanceMember; reported: Map<string, WorkRef> }[] = [];
  readonly #work = new Map<string, Work>();
  /** Every unit some member reported, whoever keeps it: none of it can be given to anyone this round. */
  readonly #reported = new Set<string>();
  readonly #targets = new Map<string, Map<Slot, number>>();
  readonly #taskCounts = new Map<string, number>();

  constructor(
    input: RebalanceInput,
    sorted: readonly RebalanceMember[],
    previous: RebalanceMemory | undefined,
  ) {
    this.#input = input;
    this.#previous = previous;
    let lastUrl: string | undefined;
    for (const member of sorted) {
      const reported = workOf(member.connectors, member.tasks);
      for (const key of reported.keys()) this.#reported.add(key);
      if (member.url === lastUrl) {
        this.#duplicates.push({ member, reported });
        continue;
      }
      lastUrl = member.url;
      this.#slots.push({
        index: this.#slots.length,
        member,
        reported,
        runs: new Map(),
        revoked: new Map(),
        load: [0, 0],
        counts: new Map(),
        tasksOf: new Map(),
      });
    }
  }

  run(): RebalanceResult {
    this.#configure();
    this.#keepReported();
    const delay = this.#delay();
    this.#computeTargets(delay.expired);
    const storm = this.#balance(delay.state !== null);
    this.#place(delay.expired, delay.candidates, delay.heldKeys);

    const delayMs = delay.delayMs > 0 ? delay.delayMs : storm.backoffMs;
    const rejoin =
      this.#slots.some((s) => s.revoked.size > 0) || this.#duplicates.some((d) => d.reported.size > 0);
    const assignments = new Map<string, MemberAssignment>();
    const assigned: RememberedAssignment[] = [];
    for (const slot of this.#slots) {
      const connectors = sortedConnectors(slot.runs.values());
      const tasks = sortedTasks(slot.runs.values());
      assignments.set(slot.member.memberId, {
        error: 'NONE',
        connectors,
        tasks,
        revokedConnectors: sortedConnectors(slot.revoked.values()),
        revokedTasks: sortedTasks(slot.revoked.values()),
        delayMs,
        rejoin,
      });
      assigned.push({
        url: slot.member.url,
        connectors: [...connectors],
        tasks: tasks.map((t) => ({ ...t })),
      });
    }
    for (const { member, reported } of this.#duplicates) {
      assignments.set(member.memberId, {
        error: 'DUPLICATE_URL',
        connectors: [],
        tasks: [],
        revokedConnectors: sortedConnectors(reported.values()),
        revokedTasks: sortedTasks(reported.values()),
        delayMs,
        rejoin,
      });
    }
    return { assignments, memory: { version: 1, assigned, delay: delay.state, storm: storm.state } };
  }

  /** The configured units of work, each with the members that may run it. */
  #configure(): void {
    const groups = new Map<string, EligibleGroup>();
    const groupOfClass = new Map<string, EligibleGroup>();
    const groupFor = (connectorClass: string): EligibleGroup => {
      let group = groupOfClass.get(connectorClass);
      if (group) return group;
      let members = this.#slots.filter(
        (s) =>
          !this.#input.pluginAware || s.member.plugins === undefined || s.member.plugins.has(connectorClass),
      );
      // Nobody has the plugin: assign it anyway, so that a worker reports it FAILED rather than it
      // staying UNASSIGNED for good.
      if (members.length === 0) members = this.#slots;
      const id = members.map((s) => s.index).join(',');
      group = groups.get(id) ?? { id, members };
      groups.set(id, group);
      groupOfClass.set(connectorClass, group);
      return group;
    };
    const connectors = [...this.#input.connectors].sort(
      (a, b) =>
        compareStrings(a.name, b.name) ||
        compareStrings(a.connectorClass, b.connectorClass) ||
        a.taskCount - b.taskCount,
    );
    for (const connector of connectors) {
      if (this.#work.has(keyOf(connectorWork(connector.name)))) continue;
      const group = groupFor(connector.connectorClass);
      this.#taskCounts.set(connector.name, connector.taskCount);
      const units = [connectorWork(connector.name)];
      for (let task = 0; task < connector.taskCount; task++) units.push(taskWork(connector.name, task));
      for (const { kind, connector: name, task } of units) {
        // Built field by field: object spread is slow here, and this runs per unit.
        const key = workKey(kind, name, task);
        this.#work.set(key, { kind, connector: name, task, key, group, share: shareKey(group, kind) });
      }
    }
  }

  /**
   * Members keep what they report, except work that is no longer configured, work whose plugin they lack
   * (when another member has it) and all but one copy of duplicated work; members with a duplicate URL
   * keep nothing.
   */
  #keepReported(): void {
    // Members with a duplicate URL give up everything (see `run`); what only they report is in
    // `#reported`, so nobody is given it in this round.
    const holders = new Map<string, Slot[]>();
    for (const slot of this.#slots) {
      for (const [key, ref] of slot.reported) {
        const work = this.#work.get(key);
        if (!work || !work.group.members.includes(slot)) {
          slot.revoked.set(key, ref);
          continue;
        }
        const list = holders.get(key);
        if (list) list.push(slot);
        else holders.set(key, [slot]);
      }
    }
    const duplicated: Work[] = [];
    for (const [key, list] of holders) {
      const work = this.#work.get(key);
      if (!work) continue;
      const only = list.length === 1 ? list[0] : undefined;
      if (only) this.#give(only, work);
      else duplicated.push(work);
    }
    // Each copy stays with the holder that has the least of its kind so far, so duplicates do not pile up.
    for (const work of duplicated.sort(compareWork)) {
      const list = holders.get(work.key) ?? [];
      const keeper = minBy(list, (s) => [s.load[work.kind], s.index]);
      for (const slot of list) {
        if (slot === keeper) this.#give(slot, work);
        else slot.revoked.set(work.key, work);
      }
    }
  }

  /**
   * `scheduled.rebalance.max.delay.ms`: the work that the previous round gave to members that are gone now
   * is lost; it is held for the delay, then given back to the members that joined meanwhile.
   */
  #delay(): {
    state: RebalanceDelay | null;
    delayMs: number;
    heldKeys: Set<string>;
    expired: Map<string, string>;
    candidates: Set<string>;
  } {
    const none = {
      state: null,
      delayMs: 0,
      heldKeys: new Set<string>(),
      expired: new Map<string, string>(),
      candidates: new Set<string>(),
    };
    const previous = this.#previous;
    const maxDelay = this.#input.scheduledRebalanceMaxDelayMs;
    // Without a delay, lost work is simply not running anywhere: it is placed at once like new work.
    if (!previous || maxDelay <= 0) return none;
    const now = this.#input.now;
    const present = new Set(this.#slots.map((s) => s.member.url));
    const before = new Set(previous.assigned.map((a) => a.url));
    const joined = [...present].filter((url) => !before.has(url));
    const lost = (held: HeldWork): HeldWork | undefined => {
      const lostKeys = (work: WorkRef[]): WorkRef[] =>
        work.filter((w) => {
          const key = keyOf(w);
          return this.#work.has(key) && !this.#reported.has(key);
        });
      const connectors = lostKeys(held.connectors.map(connectorWork));
      const tasks = lostKeys(held.tasks.map((t) => taskWork(t.connector, t.task)));
      if (connectors.length + tasks.length === 0) return undefined;
      return { url: held.url, connectors: sortedConnectors(connectors), tasks: sortedTasks(tasks) };
    };
    const newlyLost = previous.assigned
      .filter((a) => !present.has(a.url))
      .map(lost)
      .filter((h) => h !== undefined);
    const pending = previous.delay;
    const carried = (pending?.held ?? []).map(lost).filter((h) => h !== undefined);
    const stillCandidates = (pending?.candidates ?? []).filter((url) => present.has(url));
    const candidates = [...new Set([...stillCandidates, ...joined])].sort(compareStrings);

    if (pending && now < pending.until && carried.length + newlyLost.length > 0) {
      const held = mergeHeld([...carried, ...newlyLost]);
      return {
        state: { until: pending.until, held, candidates },
        delayMs: Math.min(pending.until - now, maxDelay),
        heldKeys: heldKeys(held),
        expired: new Map(),
        candidates: new Set(),
      };
    }
    // Past the deadline (or nothing left to hold): the held work is placed now, its own member first.
    const expired = new Map<string, string>();
    if (pending && now >= pending.until) {
      for (const held of carried) {
        for (const w of [
          ...held.connectors.map(connectorWork),
          ...held.tasks.map((t) => taskWork(t.connector, t.task)),
        ]) {
          expired.set(keyOf(w), held.url);
        }
      }
    }
    if (newlyLost.length === 0) return { ...none, expired, candidates: new Set(candidates) };
    const held = mergeHeld(newlyLost);
    return {
      state: { until: now + maxDelay, held, candidates: [...joined].sort(compareStrings) },
      delayMs: maxDelay,
      heldKeys: heldKeys(held),
      expired,
      candidates: new Set(candidates),
    };
  }

  /**
   * Per eligible group and kind: ⌈total/n⌉ for the (total mod n) members that run the most of it now,
   * ⌊total/n⌋ for the others, so that reaching the targets moves as little as possible. Ties (which do not
   * change how much moves) go first to a member that is owed held work coming back to it, then to members
   * with less of this kind in other groups, to even out the totals.
   */
  #computeTargets(expired: ReadonlyMap<string, string>): void {
    const totals = new Map<string, { group: EligibleGroup; kind: Kind; total: number }>();
    for (const work of this.#work.values()) {
      const key = work.share;
      const entry = totals.get(key);
      if (entry) entry.total++;
      else totals.set(key, { group: work.group, kind: work.kind, total: 1 });
    }
    const owed = new Map<string, number>();
    const byUrl = new Map(this.#slots.map((s) => [s.member.url, s]));
    for (const [key, from] of expired) {
      const work = this.#work.get(key);
      const slot = byUrl.get(from);
      if (!work || !slot) continue;
      const owedKey = `${slot.index}/${work.share}`;
      owed.set(owedKey, (owed.get(owedKey) ?? 0) + 1);
    }
    for (const [key, { group, kind, total }] of totals) {
      const n = group.members.length;
      const floor = Math.floor(total / n);
      const extra = total % n;
      const rank = (s: Slot): number[] => {
        const count = s.counts.get(key) ?? 0;
        return [-count, -(owed.get(`${s.index}/${key}`) ?? 0), s.load[kind] - count, s.index];
      };
      const ranked = [...group.members].sort((a, b) => compareTuples(rank(a), rank(b)));
      this.#targets.set(key, new Map(ranked.map((slot, i) => [slot, floor + (i < extra ? 1 : 0)])));
    }
  }

  #target(slot: Slot, work: Work): number {
    return this.#targets.get(work.share)?.get(slot) ?? 0;
  }

  /**
   * Revokes what members run above their targets (placed elsewhere in the next round), unless a delay is
   * pending or the storm guard holds it back.
   */
  #balance(delayPending: boolean): { state: StormGuardState; backoffMs: number } {
    const previous = this.#previous?.storm ?? emptyMemory().storm;
    const calm = { balanceRevoked: false, consecutive: 0, suppressed: previous.suppressed };
    if (delayPending) return { state: calm, backoffMs: 0 };

    const surplus: { slot: Slot; work: Work }[] = [];
    for (const slot of this.#slots) {
      const byGroup = new Map<string, Work[]>();
      for (const work of slot.runs.values()) {
        const key = work.share;
        const list = byGroup.get(key);
        if (list) list.push(work);
        else byGroup.set(key, [work]);
      }
      for (const [key, list] of [...byGroup].sort(([a], [b]) => compareStrings(a, b))) {
        const first = list[0];
        if (!first) continue;
        const excess = list.length - (this.#targets.get(key)?.get(slot) ?? 0);
        if (excess <= 0) continue;
        const chosen =
          first.kind === TASK
            ? tasksToGiveUp(list, excess, first.group.members.length, this.#taskCounts)
            : connectorsToGiveUp(list, excess);
        for (const work of chosen) surplus.push({ slot, work });
      }
    }
    if (surplus.length === 0) return { state: calm, backoffMs: 0 };

    const sameMembers =
      this.#previous !== undefined &&
      sameStrings(
        this.#previous.assigned.map((a) => a.url),
        this.#slots.map((s) => s.member.url),
      );
    if (sameMembers && previous.balanceRevoked) {
      const consecutive = previous.consecutive + 1;
      return {
        state: { balanceRevoked: false, consecutive, suppressed: previous.suppressed + 1 },
        backoffMs: Math.min(STORM_GUARD_MAX_BACKOFF_MS, STORM_GUARD_BACKOFF_MS * 2 ** (consecutive - 1)),
      };
    }
    for (const { slot, work } of surplus) {
      this.#take(slot, work);
      slot.revoked.set(work.key, work);
    }
    return {
      state: { balanceRevoked: true, consecutive: previous.consecutive, suppressed: previous.suppressed },
      backoffMs: 0,
    };
  }

  /**
   * Gives out what nobody runs and nothing holds: each unit to an eligible member below its target, the
   * least loaded first (for tasks, then the one with fewest tasks of that connector, so one connector's
   * tasks spread round-robin). Held work whose delay expired goes first, to the member that ran it if it
   * is back, else to a member that joined during the delay.
   */
  #place(expired: Map<string, string>, candidates: Set<string>, held: Set<string>): void {
    const bySlotUrl = new Map(this.#slots.map((s) => [s.member.url, s]));
    const unowned = [...this.#work.values()]
      .filter((w) => !this.#reported.has(w.key) && !held.has(w.key))
      .sort((a, b) => Number(expired.has(b.key)) - Number(expired.has(a.key)) || compareWork(a, b));
    for (const work of unowned) {
      const below = work.group.members.filter((s) => (s.counts.get(work.share) ?? 0) < this.#target(s, work));
      let choice: Slot | undefined;
      const from = expired.get(work.key);
      if (from !== undefined) {
        const owner = bySlotUrl.get(from);
        if (owner && below.includes(owner)) choice = owner;
        else
          choice = this.#leastLoaded(
            below.filter((s) => candidates.has(s.member.url)),
            work,
          );
      }
      // Below-target members always have room for everything unowned; the fallback never drops work.
      choice ??= this.#leastLoaded(below, work) ?? this.#leastLoaded(work.group.members, work);
      if (choice) this.#give(choice, work);
    }
  }

  #leastLoaded(slots: readonly Slot[], work: Work): Slot | undefined {
    let best: Slot | undefined;
    let bestLoad = 0;
    let bestSame = 0;
    for (const slot of slots) {
      const load = slot.load[work.kind];
      const same = work.kind === TASK ? (slot.tasksOf.get(work.connector) ?? 0) : 0;
      // `slots` are in member order, so the first of equals wins.
      if (best === undefined || load < bestLoad || (load === bestLoad && same < bestSame)) {
        best = slot;
        bestLoad = load;
        bestSame = same;
      }
    }
    return best;
  }

  #give(slot: Slot, work: Work): void {
    slot.runs.set(work.key, work);
    this.#count(slot, work, 1);
  }

  #take(slot: Slot, work: Work): void {
    slot.runs.delete(work.key);
    this.#count(slot, work, -1);
  }

  #count(slot: Slot, work: Work, delta: number): void {
    slot.load[work.kind] += delta;
    const key = work.share;
    slot.counts.set(key, (slot.counts.get(key) ?? 0) + delta);
    if (work.kind === TASK) slot.tasksOf.set(work.connector, (slot.tasksOf.get(work.connector) ?? 0) + delta);
  }
}

/**
 * Which tasks a member gives up: one at a time from the connector of which it runs the most above an even
 * share (`taskCount / n`), its highest task first. Taking the first N in order would take one connector's
 * tasks together and leave that connector bunched on the next member (KAFKA-17049).
 */
function tasksToGiveUp(
  tasks: readonly Work[],
  count: number,
  n: number,
  taskCounts: ReadonlyMap<string, number>,
): Work[] {
  const byConnector = new Map<string, Work[]>();
  for (const work of [...tasks].sort(compareWork)) {
    const list = byConnector.get(work.connector);
    if (list) list.push(work);
    else byConnector.set(work.connector, [work]);
  }
  const lists = [...byConnector].map(([connector, list]) => ({
    share: taskCounts.get(connector) ?? 0,
    list,
  }));
  const chosen: Work[] = [];
  while (chosen.length < count) {
    // Most above the even share (held − taskCount/n, times n to stay in integers), then most held.
    let most: { share: number; list: Work[] } | undefined;
    let mostAbove = 0;
    for (const entry of lists) {
      const held = entry.list.length;
      if (held === 0) continue;
      const above = held * n - entry.share;
      const mostHeld = most?.list.length ?? 0;
      if (most === undefined || above > mostAbove || (above === mostAbove && held > mostHeld)) {
        most = entry;
        mostAbove = above;
      }
    }
    const work = most?.list.pop();
    if (!work) break;
    chosen.push(work);
  }
  return chosen;
}

/** Which connectors a member gives up: the last ones by name. */
function connectorsToGiveUp(connectors: readonly Work[], count: number): Work[] {
  return [...connectors].sort(compareWork).slice(-count);
}

/** The first item with the smallest key (keys compared element by element). */
function minBy<T>(items: readonly T[], key: (item: T) => number[]): T | undefined {
  let best: T | undefined;
  let bestKey: number[] = [];
  for (const item of items) {
    const k = key(item);
    if (best === undefined || compareTuples(k, bestKey) < 0) {
      best = item;
      bestKey = k;
    }
  }
  return best;
}

function compareTuples(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  const x = [...a].sort(compareStrings);
  const y = [...b].sort(compareStrings);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function mergeHeld(list: readonly HeldWork[]): HeldWork[] {
  const byUrl = new Map<string, HeldWork>();
  for (const held of list) {
    const into = byUrl.get(held.url);
    if (!into) {
      byUrl.set(held.url, { url: held.url, connectors: [...held.connectors], tasks: [...held.tasks] });
      continue;
    }
    const work = workOf([...into.connectors, ...held.connectors], [...into.tasks, ...held.tasks]).values();
    const all = [...work];
    into.connectors = sortedConnectors(all);
    into.tasks = sortedTasks(all);
  }
  return [...byUrl.values()].sort((a, b) => compareStrings(a.url, b.url));
}

function heldKeys(held: readonly HeldWork[]): Set<string> {
  const keys = new Set<string>();
  for (const h of held) {
    for (const c of h.connectors) keys.add(keyOf(connectorWork(c)));
    for (const t of h.tasks) keys.add(keyOf(taskWork(t.connector, t.task)));
  }
  return keys;
}
