/**
 * Where a member is in its life:
 * `idle` → `joining` (JoinGroup) → `syncing` (leader assigns; SyncGroup) → `stable` (heartbeating, assignment
 * delivered) → `revoking` (awaiting `onRevoked`) → `joining` … and finally `leaving` (LeaveGroup) → `stopped`,
 * or `failed` after an error that retrying cannot fix.
 */
export type GroupMemberState =
  'idle' | 'joining' | 'syncing' | 'stable' | 'revoking' | 'leaving' | 'stopped' | 'failed';

/** One member as the leader sees it when it assigns. */
export interface GroupMemberInfo<M> {
  memberId: string;
  /** The member's `group.instance.id` when it is a static member. */
  groupInstanceId?: string | undefined;
  /** Its metadata, decoded with the protocol the coordinator chose. */
  metadata: M;
}

export interface AssignContext {
  generationId: number;
  /** The leader's own member id (this member). */
  leaderId: string;
  /** Name of the protocol the coordinator chose for this generation: one every member offered. */
  protocol: string;
}

/**
 * Computes every member's assignment; called on the leader only, once per generation. Must return exactly
 * one assignment per member id in `members`, directly or through a promise (a leader may first read its
 * config topic to the end). The member keeps heartbeating while a promise is pending; the group waits for
 * it up to the rebalance timeout. It may run again for a later generation at any time.
 */
export type AssignFunction<M, A> = (
  members: readonly GroupMemberInfo<M>[],
  context: AssignContext,
) => Map<string, A> | Promise<Map<string, A>>;

export interface AssignedEvent<A> {
  generationId: number;
  memberId: string;
  leaderId: string;
  isLeader: boolean;
  /** Name of the protocol of this generation. */
  protocol: string;
  /** This member's own assignment, as the leader computed it. */
  assignment: A;
}

/**
 * Why an assignment ends:
 * - `rebalance`: the group is rebalancing (a member joined or left, or `requestRejoin()`); this member rejoins
 *   right after `onRevoked` resolves and stays a member throughout, so its lease holds.
 * - `lost`: membership is gone or can no longer be trusted (the coordinator expelled or fenced this member, or
 *   no heartbeat succeeded for long enough that it may have); others may be assigned this work soon. The
 *   lease has already ended.
 * - `stop`: `stop()` was called; the member leaves the group (unless static) after `onRevoked` resolves.
 * - `failed`: the member is failing for good (see `closed`).
 */
export type RevocationReason = 'rebalance' | 'lost' | 'stop' | 'failed';

export interface RevokedEvent<A> {
  generationId: number;
  memberId: string;
  reason: RevocationReason;
  /** Name of the protocol of the generation that ends. */
  protocol: string;
  /** The assignment that ends: the one the matching `onAssigned` delivered. */
  assignment: A;
}

/** What the owner of a group member supplies: its metadata, the assignor, and the callbacks. */
export interface GroupMemberHandlers<M, A> {
  /**
   * This member's metadata; read before every JoinGroup (so it can report the current allocation) and
   * encoded once per offered protocol.
   */
  metadata: () => M;
  /** Used when this member is the leader. */
  assign: AssignFunction<M, A>;
  /**
   * A new assignment. Heartbeats continue while it runs. Every `onAssigned` is followed by exactly one
   * `onRevoked` before the next `onAssigned`. If it throws, the member revokes with reason `failed` and fails.
   */
  onAssigned: (event: AssignedEvent<A>) => Promise<void>;
  /**
   * The assignment ends. The member does not rejoin or leave until this resolves, so this is where work is
   * stopped: when it resolves, nothing of `event.assignment` that another member may be given may still
   * run (with reason `lost`, `stop` and `failed`: nothing at all). If it throws, the member fails without
   * leaving the group, so that the coordinator hands the work on only after the session times out.
   */
  onRevoked: (event: RevokedEvent<A>) => Promise<void>;
  /**
   * The lease changed (see `GroupMember.leaseExpiresAt`): called synchronously with the new deadline, or 0
   * when it ended. 0 while the member rejoins after a `rebalance` revocation means the coordinator expelled
   * or fenced it meanwhile: whatever the owner kept running through that revocation must stop now.
   */
  onLease?: ((expiresAt: number) => void) | undefined;
  /**
   * This member is about to enter the group: called (synchronously) just before the JoinGroup that carries
   * the member id the coordinator handed out on a first JoinGroup (MEMBER_ID_REQUIRED), which it gives only
   * to a member whose protocol type and protocols the group accepts. The group rebalances when that
   * JoinGroup arrives. Once per member id; not called for joins that need no member id first (static
   * members).
   */
  onEnteringGroup?: (() => void) | undefined;
}

export interface StopOptions {
  /**
   * Send LeaveGroup, so the group rebalances at once instead of after the session timeout. Static members
   * (`groupInstanceId`) do not leave by default: a process that restarts with the same instance id within
   * the session timeout takes its assignment back without a rebalance, as Java consumers do. Pass `true`
   * when the member goes for good (a task removed, a worker decommissioned).
   * @default true for dynamic members, false for static ones
   */
  leave?: boolean;
}

/** Membership in a Kafka group, the same for any protocol type (Sluice workers, sink tasks, …). */
export interface GroupMember {
  readonly state: GroupMemberState;
  /** Current generation, member id, leader and protocol while `stable`; undefined otherwise. */
  readonly generation:
    { generationId: number; memberId: string; leaderId: string; protocol: string } | undefined;
  /**
   * The failure the member is retrying right now (coordinator unreachable, a request that timed out, …);
   * undefined once a request succeeds again. The member keeps retrying retriable failures (with its lease
   * running out meanwhile) unless `retryTimeoutMs` was set.
   */
  readonly lastError: Error | undefined;
  /**
   * Until when this member may act on its assignment, on this thread's `performance.now()` clock; 0 when it
   * has none. It starts with the first assignment and ends with a `lost`, `stop` or `failed` revocation; it
   * holds through `rebalance` revocations and rejoins. Each request that confirms membership (a Heartbeat,
   * also one answered REBALANCE_IN_PROGRESS, and SyncGroup) extends it to `sentAt + lostAfterMs`
   * (`lostAfterMs` = max(session − heartbeat, 2 × heartbeat), at most the session timeout): the coordinator
   * reset the member's session timer no earlier than `sentAt`, so it cannot expel the member before the lease
   * runs out. A JoinGroup or SyncGroup in flight does not extend it: why is argued in `lease.ts`.
   */
  leaseExpiresAt(): number;
  /** Starts joining the group in the background. Once only. */
  start(): void;
  /**
   * Makes the member rejoin (for example, after a config change that the leader must assign). The
   * coordinator starts a new generation when the leader rejoins or a member's metadata changed; a follower
   * that rejoins with unchanged metadata gets the current generation back, after a `rebalance` revocation.
   */
  requestRejoin(): void;
  /**
   * The owner expects the group to rebalance again soon (another member is about to rejoin): heartbeat
   * often (every tenth of a second) for up to `durationMs` or until the rebalance is seen, so this member
   * rejoins at once rather than up to a heartbeat interval later. Nothing happens unless `stable`.
   */
  watchForRebalance(durationMs: number): void;
  /**
   * Revokes the current assignment, leaves the group (see `StopOptions.leave`) and waits for all of it.
   * Idempotent (the first call's options count); never rejects (a failure is reported through `closed`).
   */
  stop(options?: StopOptions): Promise<void>;
  /** Settles when the member has stopped: resolves after `stop()`, rejects with the error it failed with. */
  readonly closed: Promise<void>;
}
