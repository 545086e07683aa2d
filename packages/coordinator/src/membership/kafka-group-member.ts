import { setTimeout as delay } from 'node:timers/promises';
import { SluiceError } from '@sluice/errors';
import { GroupErrorCode, GroupRequestError, KafkaGroupClient } from '@sluice/kafka-client';
import type { GroupCoordinatorClient, JoinGroupResult } from '@sluice/kafka-client';
import type { GroupProtocol } from '@sluice/protocol';
import type {
  AssignedEvent,
  GroupMember,
  GroupMemberHandlers,
  GroupMemberInfo,
  GroupMemberState,
  RevocationReason,
  StopOptions,
} from './group-member.js';
import { HeartbeatSession } from './heartbeat-session.js';
import type { SessionEnd, SessionIdentity } from './heartbeat-session.js';
import { Lease, now } from './lease.js';
import { resolveOptions } from './options.js';
import type { GroupMemberLogger, KafkaGroupMemberOptions, ResolvedOptions } from './options.js';

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

/**
 * The member must fail without leaving the group: `onRevoked` threw (the work may still run, so the
 * coordinator must hand it on only after the session times out), or another process owns the member's
 * static instance id (a LeaveGroup could only be refused).
 */
class FailWithoutLeaving extends Error {
  constructor(cause: unknown) {
    super('the member fails without leaving the group', { cause });
  }
}

type EncodedAssignments = Array<{ memberId: string; assignment: Uint8Array }>;

/**
 * `GroupMember` over Kafka's group coordinator (JoinGroup, SyncGroup, Heartbeat, LeaveGroup), for any
 * protocol type: the member's metadata and assignments go through the `GroupProtocol` codecs the owner
 * supplies (`workerProtocol(…)` for Sluice workers), and the leader's `assign` function decides every
 * member's assignment. Works against a broker (`kafka`) or any `GroupCoordinatorClient`, such as
 * `InMemoryGroupCoordinator`'s.
 *
 * One loop drives the state machine; a `HeartbeatSession` runs alongside it while a generation is stable,
 * and heartbeats also go out while the leader's `assign` runs. The `Lease` says until when the owner may act.
 */
export class KafkaGroupMember<M, A> implements GroupMember {
  readonly #options: ResolvedOptions<M, A>;
  readonly #handlers: GroupMemberHandlers<M, A>;
  readonly #client: GroupCoordinatorClient;
  readonly #ownsClient: boolean;
  readonly #log: GroupMemberLogger;
  readonly #lease: Lease;
  /** The generation of the last SyncGroup answered. */
  #syncedGeneration: number | undefined;
  #state: GroupMemberState = 'idle';
  #generation: { generationId: number; memberId: string; leaderId: string; protocol: string } | undefined;
  #session: HeartbeatSession | undefined;
  /** The id the coordinator gave this member; '' before the first join and after it forgot the member. */
  #memberId = '';
  /** The member id `onEnteringGroup` was last called for. */
  #enteredAs = '';
  #rejoinRequested = false;
  #stopping = false;
  #leaveOnStop = true;
  #lastError: Error | undefined;
  readonly #stopAbort = new AbortController();
  #loop: Promise<void> | undefined;
  readonly #closed: Promise<void>;
  #resolveClosed!: () => void;
  #rejectClosed!: (error: unknown) => void;

  constructor(options: KafkaGroupMemberOptions<M, A>) {
    this.#options = resolveOptions(options);
    this.#handlers = {
      metadata: options.metadata,
      assign: options.assign,
      onAssigned: options.onAssigned,
      onRevoked: options.onRevoked,
      onEnteringGroup: options.onEnteringGroup,
    };
    this.#ownsClient = options.client === undefined;
    this.#client = options.client ?? new KafkaGroupClient(options.kafka!);
    const logger = options.logger;
    const groupId = this.#options.groupId;
    this.#log =
      logger === undefined
        ? () => undefined
        : (level, text, fields) => logger(level, text, { groupId, ...fields });
    const onLease = options.onLease;
    this.#lease = new Lease(this.#options.timing.lostAfterMs, (expiresAt) => {
      if (onLease === undefined) return;
      try {
        onLease(expiresAt);
      } catch (error) {
        // The owner's bug must not stop heartbeats; it still sees leaseExpiresAt().
        this.#log('error', 'onLease threw', { error: message(error) });
      }
    });
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

  get generation():
    { generationId: number; memberId: string; leaderId: string; protocol: string } | undefined {
    return this.#state === 'stable' ? this.#generation : undefined;
  }

  get lastError(): Error | undefined {
    return this.#lastError;
  }

  get closed(): Promise<void> {
    return this.#closed;
  }

  leaseExpiresAt(): number {
    return this.#lease.expiresAt;
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

  watchForRebalance(durationMs: number): void {
    this.#session?.watch(durationMs);
  }

  async stop(options: StopOptions = {}): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#leaveOnStop = options.leave ?? this.#options.groupInstanceId === undefined;
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
    /** False once the member must not leave: its work may still run, or its instance id is someone else's. */
    let mayLeave = true;
    try {
      await this.#membershipLoop();
    } catch (error) {
      mayLeave = !(error instanceof FailWithoutLeaving);
      failure = asError(error instanceof FailWithoutLeaving ? error.cause : error);
    }
    this.#session = undefined;
    this.#generation = undefined;
    this.#lease.end();
    // A static member keeps its place unless told to leave: its successor takes the assignment over.
    const leave = this.#stopping ? this.#leaveOnStop : this.#options.groupInstanceId === undefined;
    if (this.#memberId !== '' && mayLeave && leave) await this.#leave(this.#memberId);
    if (this.#ownsClient) {
      try {
        await this.#client.disconnect();
      } catch (error) {
        this.#log('warn', 'disconnect failed', { error: message(error) });
      }
    }
    if (failure !== undefined) {
      this.#lastError = failure;
      this.#setState('failed');
      this.#log('error', 'group member failed', { error: message(failure) });
      throw failure;
    }
    this.#setState('stopped');
  }

  /** Join, sync, stay, revoke, repeat, until stopped. */
  async #membershipLoop(): Promise<void> {
    const { groupId, timing, protocolType, groupInstanceId } = this.#options;
    let failingSince: number | undefined;
    let failures = 0;
    let backoff = timing.retryBackoffMs;

    while (!this.#stopping) {
      // Joining and syncing: any failure here happens before onAssigned, so there is nothing to revoke.
      let joined: JoinGroupResult;
      let protocol: GroupProtocol<M, A>;
      let assignment: A;
      /** No earlier than this, the coordinator restarted our session timer for this assignment (see `Lease`). */
      let timerRestartedAt: number;
      try {
        this.#setState('joining');
        // This join answers any rejoin requested so far: it carries the current metadata.
        this.#rejoinRequested = false;
        const metadata = this.#handlers.metadata();
        if (this.#memberId !== '' && this.#memberId !== this.#enteredAs) {
          this.#enteredAs = this.#memberId;
          try {
            this.#handlers.onEnteringGroup?.();
          } catch (error) {
            this.#log('error', 'onEnteringGroup threw', { error: message(error) });
          }
        }
        const joinSentAt = now();
        const joinResult = await this.#unlessStopped(
          this.#client.joinGroup({
            groupId,
            memberId: this.#memberId,
            groupInstanceId,
            sessionTimeoutMs: timing.sessionTimeoutMs,
            rebalanceTimeoutMs: timing.rebalanceTimeoutMs,
            protocolType,
            protocols: this.#options.protocols.map((offered) => ({
              name: offered.name,
              metadata: offered.encodeMetadata(metadata),
            })),
          }),
        );
        if (joinResult === STOPPED) break;
        joined = joinResult;
        this.#memberId = joined.memberId;
        // A new generation's join phase ended after our JoinGroup was sent, restarting every member's timer.
        // The generation we had already (a follower that rejoined with unchanged metadata) restarted
        // nothing, and Kafka 4 does not restart it on that SyncGroup either: only earlier confirmations count.
        timerRestartedAt =
          joined.generationId === this.#syncedGeneration ? this.#lease.confirmedAt : joinSentAt;
        protocol = this.#protocolNamed(joined.protocolName);

        this.#setState('syncing');
        let assignments: EncodedAssignments = [];
        if (joined.leaderId === joined.memberId) {
          const computed = await this.#unlessStopped(this.#assignAll(joined, protocol));
          if (computed === STOPPED) break;
          assignments = computed;
        }
        const syncResult = await this.#unlessStopped(
          this.#client.syncGroup({
            groupId,
            generationId: joined.generationId,
            memberId: joined.memberId,
            groupInstanceId,
            assignments,
          }),
        );
        if (syncResult === STOPPED) break;
        // Confirmed even when the assignment turns out unusable: the coordinator has our session.
        this.#lease.confirm(timerRestartedAt);
        this.#syncedGeneration = joined.generationId;
        assignment = this.#decodeAssignment(protocol, syncResult);
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
      this.#lastError = undefined;
      this.#lease.grant(timerRestartedAt);

      const end = await this.#stable(joined, protocol, assignment);
      // After a timeout-based loss the id may still be valid: rejoining with it is cheaper than as a new member.
      if (end.reason === 'lost' && end.resetMemberId) this.#memberId = '';
    }
  }

  /** Decides how to go on after a failed JoinGroup or SyncGroup; throws if the member cannot go on. */
  #joinFailure(error: unknown): { immediate: boolean; memberId?: string } {
    if (error instanceof UnusableAssignmentError) {
      this.#log('warn', 'unusable assignment, rejoining', { error: error.message });
      this.#lastError = error;
      return { immediate: false };
    }
    if (!(error instanceof GroupRequestError)) throw error;
    const { groupId, protocolType, protocols, groupInstanceId } = this.#options;
    switch (error.code) {
      case GroupErrorCode.MEMBER_ID_REQUIRED:
        // JoinGroup v4+: the coordinator hands out the member id on a first join; join again with it.
        return { immediate: true, memberId: error.memberId ?? '' };
      case GroupErrorCode.UNKNOWN_MEMBER_ID:
        // Expelled while rejoining: whatever the owner kept through a `rebalance` revocation must stop.
        this.#lease.end();
        this.#log('info', 'coordinator does not know this member, joining as a new one', {});
        return { immediate: true, memberId: '' };
      case GroupErrorCode.ILLEGAL_GENERATION:
        // The group moved on without us: it may have assigned our work to others.
        this.#lease.end();
        return { immediate: true };
      case GroupErrorCode.REBALANCE_IN_PROGRESS:
        // The generation changed between JoinGroup and SyncGroup: join the new one.
        return { immediate: true };
      case GroupErrorCode.FENCED_INSTANCE_ID:
        this.#lease.end();
        throw new FailWithoutLeaving(fencedError(groupId, groupInstanceId, error));
      case GroupErrorCode.INCONSISTENT_GROUP_PROTOCOL:
        throw new SluiceError(
          'SLUICE_GROUP_PROTOCOL_INCONSISTENT',
          `group ${groupId} is used by members of another protocol type (a running Apache Kafka Connect ` +
            `cluster uses "connect") or of no protocol in common with this member (protocol type ` +
            `${protocolType}, protocols ${protocols.map((p) => p.name).join(', ')}); stop them, or use ` +
            `another group.id`,
          { cause: error },
        );
      default:
        if (!error.retriable) throw error;
        this.#lastError = error;
        this.#log('warn', `${error.request} failed, retrying`, { error: error.message, code: error.code });
        return { immediate: false };
    }
  }

  #protocolNamed(name: string): GroupProtocol<M, A> {
    const protocol = this.#options.protocols.find((offered) => offered.name === name);
    if (protocol === undefined) {
      throw new GroupProtocolError(`the coordinator chose protocol ${name}, which this member did not offer`);
    }
    return protocol;
  }

  /**
   * The leader's half of SyncGroup: every member's encoded assignment, from the owner's assign function.
   * Heartbeats go on while it runs: the coordinator counts the leader's session from the end of the join
   * phase and would expel a leader whose assignor outlasts it.
   */
  async #assignAll(joined: JoinGroupResult, protocol: GroupProtocol<M, A>): Promise<EncodedAssignments> {
    const members: Array<GroupMemberInfo<M>> = joined.members.map((member) => {
      try {
        return {
          memberId: member.memberId,
          groupInstanceId: member.groupInstanceId,
          metadata: protocol.decodeMetadata(member.metadata),
        };
      } catch (error) {
        throw new GroupProtocolError(`member ${member.memberId} sent metadata that cannot be decoded`, error);
      }
    });
    const context = { generationId: joined.generationId, leaderId: joined.leaderId, protocol: protocol.name };
    const assignments = await this.#heartbeatWhile(
      Promise.resolve().then(() => this.#handlers.assign(members, context)),
      {
        groupId: this.#options.groupId,
        generationId: joined.generationId,
        memberId: joined.memberId,
        groupInstanceId: this.#options.groupInstanceId,
      },
    );
    if (!(assignments instanceof Map))
      throw new GroupProtocolError('assign() must return a Map of member id to assignment');
    const expected = new Set(members.map((member) => member.memberId));
    const missing = [...expected].filter((id) => !assignments.has(id));
    const unknown = [...assignments.keys()].filter((id) => !expected.has(id));
    if (missing.length > 0 || unknown.length > 0) {
      throw new GroupProtocolError(
        `assign() must return exactly one assignment per member (missing: [${missing.join(', ')}], unknown: [${unknown.join(', ')}])`,
      );
    }
    this.#log('info', 'assigned as leader', {
      generationId: joined.generationId,
      members: members.length,
      protocol: protocol.name,
    });
    return [...assignments].map(([memberId, assignment]) => ({
      memberId,
      assignment: protocol.encodeAssignment(assignment),
    }));
  }

  /**
   * `work`, with a heartbeat every interval until it settles (or the member stops). A heartbeat still in
   * flight then is not awaited: SyncGroup queues behind it on the connection anyway.
   */
  async #heartbeatWhile<T>(work: Promise<T>, identity: SessionIdentity): Promise<T> {
    const done = new AbortController();
    const signal = AbortSignal.any([done.signal, this.#stopAbort.signal]);
    void (async () => {
      for (;;) {
        try {
          await delay(this.#options.timing.heartbeatIntervalMs, undefined, { signal });
        } catch {
          return;
        }
        const sentAt = now();
        try {
          await this.#client.heartbeat(identity);
          this.#lease.confirm(sentAt);
        } catch (error) {
          // A rebalance that started meanwhile still counts the heartbeat; SyncGroup will report it.
          if (error instanceof GroupRequestError && error.code === GroupErrorCode.REBALANCE_IN_PROGRESS) {
            this.#lease.confirm(sentAt);
          } else {
            this.#log('debug', 'heartbeat while assigning failed', { error: message(error) });
          }
        }
      }
    })();
    try {
      return await work;
    } finally {
      done.abort();
    }
  }

  #decodeAssignment(protocol: GroupProtocol<M, A>, bytes: Uint8Array): A {
    if (bytes.length === 0) throw new UnusableAssignmentError('the leader sent this member no assignment');
    try {
      return protocol.decodeAssignment(bytes);
    } catch (error) {
      throw new UnusableAssignmentError(
        `the assignment cannot be decoded with protocol ${protocol.name}: ${message(error)}`,
        error,
      );
    }
  }

  /**
   * One stable generation: heartbeats start, `onAssigned` runs, and when the generation ends (rebalance,
   * loss, stop, failure) `onRevoked` runs before anything else happens. Throws if the member must fail.
   */
  async #stable(joined: JoinGroupResult, protocol: GroupProtocol<M, A>, assignment: A): Promise<SessionEnd> {
    const { generationId, leaderId, memberId } = joined;
    const identity: SessionIdentity = {
      groupId: this.#options.groupId,
      generationId,
      memberId,
      groupInstanceId: this.#options.groupInstanceId,
    };
    const session = new HeartbeatSession(
      this.#client,
      identity,
      this.#options.timing,
      this.#lease,
      this.#log,
      (error) => (this.#lastError = error),
    );
    this.#session = session;
    this.#generation = { generationId, memberId, leaderId, protocol: protocol.name };
    if (this.#stopping) session.end({ reason: 'stop' });
    if (this.#rejoinRequested) {
      this.#rejoinRequested = false;
      session.end({ reason: 'rebalance' });
    }
    this.#setState('stable');
    const event: AssignedEvent<A> = {
      generationId,
      memberId,
      leaderId,
      isLeader: leaderId === memberId,
      protocol: protocol.name,
      assignment,
    };
    this.#log('info', 'joined group', {
      generationId,
      memberId,
      leaderId,
      isLeader: event.isLeader,
      protocol: protocol.name,
    });

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

    if (end.reason === 'lost') {
      // Others may get this work soon: the owner must not act on it from here on, even before onRevoked ends.
      this.#lease.end();
      this.#log('warn', 'membership lost', { generationId, memberId, detail: end.detail });
    }
    // A lost or failed membership gets no more heartbeats; otherwise they go on while the work stops, so the
    // coordinator does not expel this member in the middle of a graceful handover.
    if (end.reason === 'lost' || end.reason === 'failed') await session.close();
    this.#setState('revoking');
    const reason: RevocationReason = end.reason;
    try {
      await this.#handlers.onRevoked({ generationId, memberId, reason, protocol: protocol.name, assignment });
    } catch (error) {
      await session.close();
      throw new FailWithoutLeaving(error);
    }
    await session.close();
    if (end.reason === 'stop' || end.reason === 'failed') this.#lease.end();
    if (end.reason === 'failed') throw end.error;
    if (end.reason === 'lost' && end.fatal !== undefined) {
      throw new FailWithoutLeaving(
        fencedError(this.#options.groupId, this.#options.groupInstanceId, end.fatal),
      );
    }
    return end;
  }

  async #leave(memberId: string): Promise<void> {
    this.#setState('leaving');
    const leave = this.#client.leaveGroup({
      groupId: this.#options.groupId,
      memberId,
      groupInstanceId: this.#options.groupInstanceId,
    });
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

/** Another process took this static member's place; joining again would fence that one in turn. */
function fencedError(groupId: string, groupInstanceId: string | undefined, cause: unknown): SluiceError {
  return new SluiceError(
    'SLUICE_GROUP_MEMBER_FENCED',
    `group ${groupId}: another process joined with group.instance.id ${JSON.stringify(groupInstanceId)} ` +
      `and took this member's place; this member stops for good (joining again would fence the new owner)`,
    { cause },
  );
}
