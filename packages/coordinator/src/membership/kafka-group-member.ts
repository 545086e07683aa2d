import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { SluiceError } from '@sluice/errors';
import { GroupErrorCode, GroupRequestError, KafkaGroupClient } from '@sluice/kafka-client';
import type { GroupCoordinatorClient, JoinGroupResult } from '@sluice/kafka-client';
import { Assignment, MemberMetadata, ProtocolDecodeError } from '@sluice/protocol';
import type {
  AssignedEvent,
  GroupMember,
  GroupMemberHandlers,
  GroupMemberInfo,
  GroupMemberState,
  RevocationReason,
} from './group-member.js';
import { HeartbeatSession } from './heartbeat-session.js';
import type { SessionEnd } from './heartbeat-session.js';
import { resolveOptions } from './options.js';
import type { GroupMemberLogger, KafkaGroupMemberOptions, ResolvedOptions } from './options.js';

const now = (): number => performance.now();
const STOPPED = Symbol('stopped');
/** How long a LeaveGroup may take before the member stops without it (the session then times out). */
const LEAVE_TIMEOUT_MS = 5_000;
/** Rejoins the protocol asks for (MEMBER_ID_REQUIRED, …) go out at once, but not endlessly so. */
const MAX_IMMEDIATE_RETRIES = 5;

/** Marks a promise whose outcome no longer matters as handled. */
function abandon(promise: Promise<unknown>): void {
  promise.catch(() => undefined);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What `closed` rejects with: the error as thrown, or a SluiceError around a thrown non-error. */
function asError(error: unknown): Error {
  return error instanceof Error
    ? error
    : new SluiceError('SLUICE_GROUP_MEMBER_FAILED', message(error), { cause: error });
}

/** The leader's assignor or a member's metadata broke the protocol: retrying the same thing cannot help. */
class GroupProtocolError extends SluiceError {
  constructor(message: string, cause?: unknown) {
    super('SLUICE_GROUP_PROTOCOL_VIOLATION', message, { cause });
  }
}

/** The assignment this member received cannot be used; rejoining may fix it (a new leader, a new generation). */
class UnusableAssignmentError extends SluiceError {
  constructor(message: string, cause?: unknown) {
    super('SLUICE_GROUP_ASSIGNMENT_UNUSABLE', message, { cause, retriable: true });
  }
}

/** `onRevoked` threw: fail, and do not leave the group. */
class RevocationFailed extends Error {
  constructor(cause: unknown) {
    super('onRevoked failed', { cause });
  }
}

/**
 * `GroupMember` over Kafka's group coordinator (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) with protocol
 * type `sluice`: member metadata and assignments are `@sluice/protocol` messages, and the leader's
 * `assign` function decides every member's assignment.
 *
 * One loop drives the state machine; a `HeartbeatSession` runs alongside it while a generation is stable.
 */
export class KafkaGroupMember implements GroupMember {
  readonly #options: ResolvedOptions;
  readonly #handlers: GroupMemberHandlers;
  readonly #client: GroupCoordinatorClient;
  readonly #ownsClient: boolean;
  readonly #log: GroupMemberLogger;
  #state: GroupMemberState = 'idle';
  #generation: { generationId: number; memberId: string; leaderId: string } | undefined;
  #session: HeartbeatSession | undefined;
  /** The id the coordinator gave this member; '' before the first join and after it forgot the member. */
  #memberId = '';
  #rejoinRequested = false;
  #stopping = false;
  readonly #stopAbort = new AbortController();
  #loop: Promise<void> | undefined;
  readonly #closed: Promise<void>;
  #resolveClosed!: () => void;
  #rejectClosed!: (error: unknown) => void;

  constructor(options: KafkaGroupMemberOptions) {
    this.#options = resolveOptions(options);
    this.#handlers = {
      metadata: options.metadata,
      assign: options.assign,
      onAssigned: options.onAssigned,
      onRevoked: options.onRevoked,
    };
    this.#ownsClient = options.client === undefined;
    this.#client = options.client ?? new KafkaGroupClient(options.kafka!);
    const logger = options.logger;
    const groupId = this.#options.groupId;
    this.#log =
      logger === undefined
        ? () => undefined
        : (level, text, fields) => logger(level, text, { groupId, ...fields });
    this.#closed = new Promise<void>((resolve, reject) => {
      this.#resolveClosed = resolve;
      this.#rejectClosed = reject;
    });
    // Observed through `closed` by whoever cares; never an unhandled rejection.
    abandon(this.#closed);
  }

  get state(): GroupMemberState {
    return this.#state;
  }

  get generation(): { generationId: number; memberId: string; leaderId: string } | undefined {
    return this.#state === 'stable' ? this.#generation : undefined;
  }

  get closed(): Promise<void> {
    return this.#closed;
  }

  start(): void {
    if (this.#loop !== undefined || this.#stopping) {
      throw new SluiceError('SLUICE_GROUP_MEMBER_STARTED', 'a group member can be started once only');
    }
    this.#loop = this.#run().then(
      () => this.#resolveClosed(),
      (error: unknown) => this.#rejectClosed(error),
    );
  }

  requestRejoin(): void {
    if (this.#session !== undefined) this.#session.end({ reason: 'rebalance' });
    else this.#rejoinRequested = true;
  }

  async stop(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#session?.end({ reason: 'stop' });
      this.#stopAbort.abort();
      if (this.#loop === undefined) {
        this.#setState('stopped');
        this.#resolveClosed();
      }
    }
    await this.#loop;
  }

  #setState(state: GroupMemberState): void {
    if (this.#state === state) return;
    this.#log('debug', `state ${this.#state} -> ${state}`, {});
    this.#state = state;
  }

  /** `promise`, unless `stop()` comes first: then STOPPED, and the request is left to fail when we disconnect. */
  async #unlessStopped<T>(promise: Promise<T>): Promise<T | typeof STOPPED> {
    const signal = this.#stopAbort.signal;
    let onStop: () => void = () => undefined;
    const stopped = new Promise<typeof STOPPED>((resolve) => {
      onStop = () => resolve(STOPPED);
      if (signal.aborted) onStop();
      else signal.addEventListener('abort', onStop, { once: true });
    });
    try {
      const result = await Promise.race([promise, stopped]);
      if (result === STOPPED) abandon(promise);
      return result;
    } finally {
      // One listener per request, removed after: racing one long-lived promise on every join would leak.
      signal.removeEventListener('abort', onStop);
    }
  }

  async #sleep(ms: number): Promise<void> {
    try {
      await delay(ms, undefined, { signal: this.#stopAbort.signal });
    } catch {
      // stop() cut the wait short; the loop checks #stopping next.
    }
  }

  async #run(): Promise<void> {
    let failure: Error | undefined;
    /** False once a revocation failed: leaving would hand out work that may still be running. */
    let mayLeave = true;
    try {
      await this.#membershipLoop();
    } catch (error) {
      mayLeave = !(error instanceof RevocationFailed);
      failure = asError(error instanceof RevocationFailed ? error.cause : error);
    }
    this.#session = undefined;
    this.#generation = undefined;
    if (this.#memberId !== '' && mayLeave) await this.#leave(this.#memberId);
    if (this.#ownsClient) {
      try {
        await this.#client.disconnect();
      } catch (error) {
        this.#log('warn', 'disconnect failed', { error: message(error) });
      }
    }
    if (failure !== undefined) {
      this.#setState('failed');
      this.#log('error', 'group member failed', { error: message(failure) });
      throw failure;
    }
    this.#setState('stopped');
  }

  /** Join, sync, stay, revoke, repeat, until stopped. */
  async #membershipLoop(): Promise<void> {
    const { groupId, timing } = this.#options;
    let failingSince: number | undefined;
    let failures = 0;
    let backoff = timing.retryBackoffMs;

    while (!this.#stopping) {
      // Joining and syncing: any failure here happens before onAssigned, so there is nothing to revoke.
      let joined: JoinGroupResult;
      let assignment: Assignment;
      let syncSentAt: number;
      try {
        this.#setState('joining');
        // This join answers any rejoin requested so far: it carries the current metadata.
        this.#rejoinRequested = false;
        const metadata = MemberMetadata.encode(this.#handlers.metadata());
        const joinResult = await this.#unlessStopped(
          this.#client.joinGroup({
            groupId,
            memberId: this.#memberId,
            sessionTimeoutMs: timing.sessionTimeoutMs,
            rebalanceTimeoutMs: timing.rebalanceTimeoutMs,
            protocolType: this.#options.protocolType,
            protocols: [{ name: this.#options.protocolName, metadata }],
          }),
        );
        if (joinResult === STOPPED) break;
        joined = joinResult;
        this.#memberId = joined.memberId;

        this.#setState('syncing');
        const assignments = joined.leaderId === joined.memberId ? this.#assignAll(joined) : [];
        syncSentAt = now();
        const syncResult = await this.#unlessStopped(
          this.#client.syncGroup({
            groupId,
            generationId: joined.generationId,
            memberId: joined.memberId,
            assignments,
          }),
        );
        if (syncResult === STOPPED) break;
        assignment = this.#decodeAssignment(syncResult);
      } catch (error) {
        const retry = this.#joinFailure(error);
        if (retry.memberId !== undefined) this.#memberId = retry.memberId;
        failures++;
        failingSince ??= now();
        if (now() - failingSince > timing.retryTimeoutMs) {
          throw new SluiceError(
            'SLUICE_GROUP_JOIN_FAILED',
            `could not join group ${groupId} for ${timing.retryTimeoutMs} ms: ${message(error)}`,
            { cause: error, retriable: true },
          );
        }
        if (!retry.immediate || failures > MAX_IMMEDIATE_RETRIES) {
          // ±20 % jitter keeps members that failed together from retrying in lockstep.
          await this.#sleep(backoff * (0.8 + Math.random() * 0.4));
          backoff = Math.min(backoff * 2, timing.maxRetryBackoffMs);
        }
        continue;
      }
      failingSince = undefined;
      failures = 0;
      backoff = timing.retryBackoffMs;

      const end = await this.#stable(joined, assignment, syncSentAt);
      // After a timeout-based loss the id may still be valid: rejoining with it is cheaper than as a new member.
      if (end.reason === 'lost' && end.resetMemberId) this.#memberId = '';
    }
  }

  /** Decides how to go on after a failed JoinGroup or SyncGroup; throws if the member cannot go on. */
  #joinFailure(error: unknown): { immediate: boolean; memberId?: string } {
    if (error instanceof UnusableAssignmentError) {
      this.#log('warn', 'unusable assignment, rejoining', { error: error.message });
      return { immediate: false };
    }
    if (!(error instanceof GroupRequestError)) throw error;
    switch (error.code) {
      case GroupErrorCode.MEMBER_ID_REQUIRED:
        // JoinGroup v4+: the coordinator hands out the member id on a first join; join again with it.
        return { immediate: true, memberId: error.memberId ?? '' };
      case GroupErrorCode.UNKNOWN_MEMBER_ID:
        this.#log('info', 'coordinator does not know this member, joining as a new one', {});
        return { immediate: true, memberId: '' };
      case GroupErrorCode.REBALANCE_IN_PROGRESS:
      case GroupErrorCode.ILLEGAL_GENERATION:
        // The generation changed between JoinGroup and SyncGroup: join the new one.
        return { immediate: true };
      default:
        if (!error.retriable) throw error;
        this.#log('warn', `${error.request} failed, retrying`, { error: error.message, code: error.code });
        return { immediate: false };
    }
  }

  /** The leader's half of SyncGroup: every member's encoded assignment, from the caller's assign function. */
  #assignAll(joined: JoinGroupResult): Array<{ memberId: string; assignment: Uint8Array }> {
    const members: GroupMemberInfo[] = joined.members.map((member) => {
      try {
        return { memberId: member.memberId, metadata: MemberMetadata.decode(member.metadata) };
      } catch (error) {
        throw new GroupProtocolError(`member ${member.memberId} sent metadata that cannot be decoded`, error);
      }
    });
    const assignments = this.#handlers.assign(members, {
      generationId: joined.generationId,
      leaderId: joined.leaderId,
    });
    if (!(assignments instanceof Map))
      throw new GroupProtocolError('assign() must return a Map of member id to Assignment');
    const expected = new Set(members.map((member) => member.memberId));
    const missing = [...expected].filter((id) => !assignments.has(id));
    const unknown = [...assignments.keys()].filter((id) => !expected.has(id));
    if (missing.length > 0 || unknown.length > 0) {
      throw new GroupProtocolError(
        `assign() must return exactly one assignment per member (missing: [${missing.join(', ')}], unknown: [${unknown.join(', ')}])`,
      );
    }
    this.#log('info', 'assigned as leader', { generationId: joined.generationId, members: members.length });
    return [...assignments].map(([memberId, assignment]) => ({
      memberId,
      assignment: Assignment.encode(assignment),
    }));
  }

  #decodeAssignment(bytes: Uint8Array): Assignment {
    if (bytes.length === 0) throw new UnusableAssignmentError('the leader sent this member no assignment');
    let assignment: Assignment;
    try {
      assignment = Assignment.decode(bytes);
    } catch (error) {
      if (error instanceof ProtocolDecodeError) throw new UnusableAssignmentError(error.message, error);
      throw error;
    }
    if (assignment.version < 1)
      throw new UnusableAssignmentError(`assignment version ${assignment.version} is not valid`);
    return assignment;
  }

  /**
   * One stable generation: heartbeats start, `onAssigned` runs, and when the generation ends (rebalance,
   * loss, stop, failure) `onRevoked` runs before anything else happens. Throws if the member must fail.
   */
  async #stable(joined: JoinGroupResult, assignment: Assignment, syncSentAt: number): Promise<SessionEnd> {
    const { generationId, leaderId, memberId } = joined;
    const identity = { groupId: this.#options.groupId, generationId, memberId };
    const session = new HeartbeatSession(this.#client, identity, this.#options.timing, syncSentAt, this.#log);
    this.#session = session;
    this.#generation = { generationId, memberId, leaderId };
    if (this.#stopping) session.end({ reason: 'stop' });
    if (this.#rejoinRequested) {
      this.#rejoinRequested = false;
      session.end({ reason: 'rebalance' });
    }
    this.#setState('stable');
    const event: AssignedEvent = {
      generationId,
      memberId,
      leaderId,
      isLeader: leaderId === memberId,
      assignment,
    };
    this.#log('info', 'joined group', { generationId, memberId, leaderId, isLeader: event.isLeader });

    let assignFailure: unknown;
    try {
      await this.#handlers.onAssigned(event);
    } catch (error) {
      assignFailure = error;
      session.end({ reason: 'failed', error });
    }
    // onAssigned failing overrides whatever else ended the generation meanwhile.
    const end: SessionEnd =
      assignFailure === undefined ? await session.ended : { reason: 'failed', error: assignFailure };
    this.#session = undefined;
    this.#generation = undefined;

    // A lost or failed membership gets no more heartbeats; otherwise they go on while the work stops, so the
    // coordinator does not expel this member in the middle of a graceful handover.
    if (end.reason === 'lost' || end.reason === 'failed') await session.close();
    if (end.reason === 'lost')
      this.#log('warn', 'membership lost', { generationId, memberId, detail: end.detail });
    this.#setState('revoking');
    const reason: RevocationReason = end.reason;
    try {
      await this.#handlers.onRevoked({ generationId, memberId, reason, assignment });
    } catch (error) {
      await session.close();
      throw new RevocationFailed(error);
    }
    await session.close();
    if (end.reason === 'failed') throw end.error;
    return end;
  }

  async #leave(memberId: string): Promise<void> {
    this.#setState('leaving');
    const leave = this.#client.leaveGroup({ groupId: this.#options.groupId, memberId });
    const timer = new AbortController();
    const timeout = delay(LEAVE_TIMEOUT_MS, STOPPED, { signal: timer.signal });
    abandon(timeout);
    try {
      const result = await Promise.race([leave, timeout]);
      if (result === STOPPED) {
        abandon(leave);
        this.#log('warn', 'LeaveGroup timed out; the session will expire instead', { memberId });
      } else {
        this.#log('info', 'left group', { memberId });
      }
    } catch (error) {
      // Already expelled, or the coordinator is unreachable: either way the group forgets this member.
      this.#log('info', 'LeaveGroup failed; the session will expire instead', {
        memberId,
        error: message(error),
      });
    } finally {
      timer.abort(); // no timer may keep a stopping process alive
    }
  }
}
