import type { Assignment, MemberMetadata } from '@sluice/protocol';

/**
 * Where a member is in its life:
 * `idle` → `joining` (JoinGroup) → `syncing` (leader assigns; SyncGroup) → `stable` (heartbeating, assignment
 * delivered) → `revoking` (awaiting `onRevoked`) → `joining` … and finally `leaving` (LeaveGroup) → `stopped`,
 * or `failed` after an error that retrying cannot fix.
 */
export type GroupMemberState =
  'idle' | 'joining' | 'syncing' | 'stable' | 'revoking' | 'leaving' | 'stopped' | 'failed';

/** One member as the leader sees it when it assigns. */
export interface GroupMemberInfo {
  memberId: string;
  metadata: MemberMetadata;
}

export interface AssignContext {
  generationId: number;
  /** The leader's own member id (this member). */
  leaderId: string;
}

/**
 * Computes every member's assignment; called on the leader only, once per generation. Must return exactly
 * one assignment per member id in `members`. Pure: it may run again for a later generation at any time.
 */
export type AssignFunction = (
  members: readonly GroupMemberInfo[],
  context: AssignContext,
) => Map<string, Assignment>;

export interface AssignedEvent {
  generationId: number;
  memberId: string;
  leaderId: string;
  isLeader: boolean;
  /** This member's own assignment, as the leader computed it. */
  assignment: Assignment;
}

/**
 * Why an assignment ends:
 * - `rebalance`: the group is rebalancing (a member joined or left, or `requestRejoin()`); this member rejoins
 *   right after `onRevoked` resolves.
 * - `lost`: membership is gone or can no longer be trusted (the coordinator expelled this member, or no
 *   heartbeat succeeded for long enough that it may have); others may be assigned this work soon.
 * - `stop`: `stop()` was called; the member leaves the group after `onRevoked` resolves.
 * - `failed`: the member is failing for good (see `closed`).
 */
export type RevocationReason = 'rebalance' | 'lost' | 'stop' | 'failed';

export interface RevokedEvent {
  generationId: number;
  memberId: string;
  reason: RevocationReason;
  /** The assignment that ends: the one the matching `onAssigned` delivered. */
  assignment: Assignment;
}

/** What the owner of a group member supplies: its metadata, the assignor, and the two callbacks. */
export interface GroupMemberHandlers {
  /** This member's metadata; read before every JoinGroup, so it can report the current allocation. */
  metadata: () => MemberMetadata;
  /** Used when this member is the leader. */
  assign: AssignFunction;
  /**
   * A new assignment. Heartbeats continue while it runs. Every `onAssigned` is followed by exactly one
   * `onRevoked` before the next `onAssigned`. If it throws, the member revokes with reason `failed` and fails.
   */
  onAssigned: (event: AssignedEvent) => Promise<void>;
  /**
   * The assignment ends. The member does not rejoin or leave until this resolves, so this is where work is
   * stopped: when it resolves, nothing of `event.assignment` that another member may be given may still
   * run (with reason `lost`, `stop` and `failed`: nothing at all). If it throws, the member fails without
   * leaving the group, so that the coordinator hands the work on only after the session times out.
   */
  onRevoked: (event: RevokedEvent) => Promise<void>;
}

/** Membership in a group of Sluice workers. */
export interface GroupMember {
  readonly state: GroupMemberState;
  /** Current generation, member id and leader while `stable`; undefined otherwise. */
  readonly generation: { generationId: number; memberId: string; leaderId: string } | undefined;
  /** Starts joining the group in the background. Once only. */
  start(): void;
  /** Makes the member rejoin (for example, after a config change that the leader must assign). */
  requestRejoin(): void;
  /**
   * Revokes the current assignment, leaves the group and waits for all of it. Idempotent; never rejects
   * (a failure is reported through `closed`).
   */
  stop(): Promise<void>;
  /** Settles when the member has stopped: resolves after `stop()`, rejects with the error it failed with. */
  readonly closed: Promise<void>;
}
