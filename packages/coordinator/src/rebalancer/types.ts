/**
 * The rebalancer's input and output: what the group leader knows when it assigns (the members' JoinGroup
 * metadata, its config snapshot, what it decided last time) and what each member is told in SyncGroup.
 */

/** One task of a connector. */
export interface TaskRef {
  connector: string;
  task: number;
}

/** A group member as its JoinGroup metadata describes it. */
export interface RebalanceMember {
  memberId: string;
  /** Advertised REST URL: a worker's identity across restarts (member ids change on restart). */
  url: string;
  /** Config-topic offset this member has read up to. */
  configOffset: number;
  /** What the member runs now, as it reported in JoinGroup. */
  connectors: readonly string[];
  tasks: readonly TaskRef[];
  /** Every name (class and aliases) of the connector plugins the member has; undefined = unknown (assume all). */
  plugins?: ReadonlySet<string> | undefined;
}

/** A connector of the leader's config snapshot. */
export interface ConfiguredConnector {
  name: string;
  /** The `connector.class` as configured (a class name or an alias); matched against members' `plugins`. */
  connectorClass: string;
  /** How many task configs the connector has: tasks 0 … taskCount − 1 exist. */
  taskCount: number;
}

export interface RebalanceInput {
  members: readonly RebalanceMember[];
  leaderConfigOffset: number;
  /** Every connector in the leader's config snapshot (a STOPPED one has taskCount 0 but is still assigned). */
  connectors: readonly ConfiguredConnector[];
  /** What this function returned as `memory` on the previous call on this leader; undefined on a new leader. */
  memory: RebalanceMemory | undefined;
  /** Wall-clock time of this round, in ms; only compared with times this function stored in `memory`. */
  now: number;
  /** `scheduled.rebalance.max.delay.ms`: 0 (Sluice's default) reassigns a departed member's work at once. */
  scheduledRebalanceMaxDelayMs: number;
  /** false when the group speaks the older protocol that carries no plugin lists: ignore `plugins`. */
  pluginAware: boolean;
}

/**
 * - `NONE`: the assignment is valid.
 * - `CONFIG_MISMATCH`: a member has read further in the config topic than the leader; nothing is assigned or
 *   revoked, members keep what they run, read the config topic to the end and rejoin.
 * - `DUPLICATE_URL`: another member advertises the same REST URL; this one must stop everything.
 */
export type AssignmentError = 'NONE' | 'CONFIG_MISMATCH' | 'DUPLICATE_URL';

/** What one member is told. */
export interface MemberAssignment {
  error: AssignmentError;
  /**
   * The full set this member runs from now on (not a delta), sorted. Empty with an error; with
   * `CONFIG_MISMATCH` it must not be applied (the member keeps running what it runs).
   */
  connectors: string[];
  tasks: TaskRef[];
  /**
   * To stop now; never part of anyone's assignment in this same round. Everything the member reported and
   * that is not in its new full set is listed here.
   */
  revokedConnectors: string[];
  revokedTasks: TaskRef[];
  /**
   * > 0 while a departed member's work is held back: every member rejoins after this many ms. Also used to
   * schedule the next round after the storm guard held back balancing revocations.
   */
  delayMs: number;
  /**
   * Another round must follow at once (this one revoked work): members rejoin as soon as they stopped it.
   * Also true with `CONFIG_MISMATCH`: members rejoin once they have read the config topic to the end.
   */
  rejoin: boolean;
}

/** What one member (by URL) was assigned, after this round's revocations. */
export interface RememberedAssignment {
  url: string;
  connectors: string[];
  tasks: TaskRef[];
}

/** The work a member that left was running, held back while `scheduled.rebalance.max.delay.ms` runs. */
export interface HeldWork {
  /** The URL of the member that ran it: the work goes back there if that member returns in time. */
  url: string;
  connectors: string[];
  tasks: TaskRef[];
}

/** A pending `scheduled.rebalance.max.delay.ms`. */
export interface RebalanceDelay {
  /** When the held work is handed out (the `now` of the round that first noticed a departure, + the delay). */
  until: number;
  held: HeldWork[];
  /**
   * URLs of members that joined (new, or back after leaving) while the delay runs: the held work goes to
   * them when it expires, if they are still there.
   */
  candidates: string[];
}

/** The storm guard: consecutive balancing revocations with the same members (KAFKA-12495). */
export interface StormGuardState {
  /** The round revoked work to balance the load. */
  balanceRevoked: boolean;
  /** Rounds in a row whose balancing revocations the guard held back; sets the backoff. */
  consecutive: number;
  /** Every round on this leader whose balancing revocations the guard held back. */
  suppressed: number;
}

/**
 * What the leader remembers between rounds (and nothing else). JSON-serialisable; every list is sorted, so
 * equal states are equal values.
 */
export interface RebalanceMemory {
  version: 1;
  /** Per member URL (sorted by URL), the full assignment this round (revocations applied). */
  assigned: RememberedAssignment[];
  delay: RebalanceDelay | null;
  storm: StormGuardState;
}

export interface RebalanceResult {
  /** One assignment per member id of the input. */
  assignments: Map<string, MemberAssignment>;
  /** Pass back as `memory` in the next call on this leader. */
  memory: RebalanceMemory;
}
