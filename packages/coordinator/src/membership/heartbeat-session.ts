import { setTimeout as delay } from 'node:timers/promises';
import { GroupErrorCode, GroupRequestError } from '@sluice/kafka-client';
import type { GroupCoordinatorClient } from '@sluice/kafka-client';
import { now } from './lease.js';
import type { Lease } from './lease.js';
import type { GroupMemberLogger } from './options.js';

const CLOSED = Symbol('closed');

/** How often a session heartbeats while it watches for a rebalance it expects (see `watch`). */
const WATCH_HEARTBEAT_INTERVAL_MS = 100;

/** Why a stable generation ended, as far as heartbeating (or the owner of the session) can tell. */
export type SessionEnd =
  | { reason: 'rebalance' }
  | { reason: 'stop' }
  /**
   * `resetMemberId`: the coordinator said it does not know this member id any more. `fatal`: the member must
   * fail after revoking, without leaving or rejoining (another process took its static instance id).
   */
  | { reason: 'lost'; resetMemberId: boolean; detail: string; fatal?: Error }
  | { reason: 'failed'; error: unknown };

export interface SessionIdentity {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | undefined;
}

export interface SessionTiming {
  heartbeatIntervalMs: number;
  retryBackoffMs: number;
  lostAfterMs: number;
  /** How long the coordinator waits for members to rejoin once a rebalance started. */
  rebalanceTimeoutMs: number;
}

/**
 * Heartbeats for one generation, from SyncGroup until `close()`, and the watchdog that declares the
 * membership lost when the lease runs out (no heartbeat succeeded for `lostAfterMs`).
 *
 * Every successful heartbeat extends the lease from when it was *sent*: the coordinator received it no
 * earlier, so it cannot expel this member before the lease ends. A process that was frozen (SIGSTOP, a
 * long GC pause, a suspended VM) sees the overdue watchdog fire as soon as it runs again, before it acts on
 * anything else.
 *
 * The first heartbeat goes out as soon as the session starts: a SyncGroup does not always restart the
 * coordinator's session timer (Kafka 4's does not when it answers from a stable generation, e.g. a follower
 * that rejoined with unchanged metadata). A SyncGroup that waited long for the leader leaves a lease that ends
 * soon or has ended already; the watchdog gives the session `lostAfterMs` from its start before it declares
 * the membership lost, and until a heartbeat succeeds the lease stays expired, so the owner does not act.
 */
export class HeartbeatSession {
  readonly #client: GroupCoordinatorClient;
  readonly #identity: SessionIdentity;
  readonly #timing: SessionTiming;
  readonly #lease: Lease;
  /** When a heartbeat first heard of the rebalance under way (see REBALANCE_IN_PROGRESS). */
  #rebalanceSince: number | undefined;
  readonly #log: GroupMemberLogger;
  readonly #report: (error: Error | undefined) => void;
  readonly #abort = new AbortController();
  readonly #ended: Promise<SessionEnd>;
  #resolveEnded!: (end: SessionEnd) => void;
  #end: SessionEnd | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  readonly #startedAt = now();
  #closed = false;
  /** Until when (on the `now()` clock) heartbeats go every `WATCH_HEARTBEAT_INTERVAL_MS` (see `watch`). */
  #watchUntil = 0;
  /** Cuts the current wait between heartbeats short (`watch`). */
  #hurry: AbortController | undefined;
  /** Resolves when `close()` is called. */
  readonly #closing: Promise<typeof CLOSED>;
  readonly #loop: Promise<void>;

  /** `lease` is held already (granted by the SyncGroup that started this generation). */
  constructor(
    client: GroupCoordinatorClient,
    identity: SessionIdentity,
    timing: SessionTiming,
    lease: Lease,
    log: GroupMemberLogger,
    report: (error: Error | undefined) => void,
  ) {
    this.#client = client;
    this.#identity = identity;
    this.#timing = timing;
    this.#lease = lease;
    this.#log = log;
    this.#report = report;
    this.#ended = new Promise((resolve) => (this.#resolveEnded = resolve));
    this.#closing = new Promise((resolve) =>
      this.#abort.signal.addEventListener('abort', () => resolve(CLOSED), { once: true }),
    );
    this.#armWatchdog();
    this.#loop = this.#run();
  }

  /** The first reason the generation ended; heartbeats go on until `close()`. */
  get ended(): Promise<SessionEnd> {
    return this.#ended;
  }

  /** Ends the generation (first call wins); heartbeats continue until `close()`. */
  end(end: SessionEnd): void {
    if (this.#end !== undefined) return;
    this.#end = end;
    this.#resolveEnded(end);
  }

  /**
   * Heartbeats every `WATCH_HEARTBEAT_INTERVAL_MS` for up to `durationMs` (from now on, starting at once),
   * or until a heartbeat hears of a rebalance: a member that expects another round at once (its leader said
   * so) learns of it in a tenth of a second instead of up to a heartbeat interval later.
   */
  watch(durationMs: number): void {
    this.#watchUntil = Math.max(this.#watchUntil, now() + durationMs);
    this.#hurry?.abort();
  }

  /**
   * Stops heartbeating and the watchdog. A heartbeat in flight is abandoned, not awaited: with the
   * coordinator out of reach it could take the whole request timeout, and a lost member must revoke now.
   */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#watchdog);
    this.#abort.abort();
    await this.#loop;
  }

  /** When the watchdog declares the membership lost, on the `now()` clock. */
  #lostAt(): number {
    return Math.max(this.#lease.expiresAt, this.#startedAt + this.#timing.lostAfterMs);
  }

  #armWatchdog(): void {
    clearTimeout(this.#watchdog);
    if (this.#closed) return;
    this.#watchdog = setTimeout(
      () => {
        const lostAt = this.#lostAt();
        if (now() < lostAt) {
          this.#armWatchdog();
          return;
        }
        const silentMs = Math.round(now() - lostAt + this.#timing.lostAfterMs);
        this.end({
          reason: 'lost',
          resetMemberId: false,
          detail: `no heartbeat succeeded for ${silentMs} ms`,
        });
      },
      Math.max(0, this.#lostAt() - now()),
    );
  }

  #succeeded(sentAt: number): void {
    this.#report(undefined);
    const before = this.#lease.expiresAt;
    this.#lease.confirm(sentAt);
    if (this.#lease.expiresAt !== before) this.#armWatchdog();
  }

  /** Waits `ms`, less while watching for a rebalance; `close()` and `watch()` cut it short. */
  async #sleep(ms: number): Promise<void> {
    if (this.#abort.signal.aborted) return;
    const hurry = new AbortController();
    const onClose = () => hurry.abort();
    this.#abort.signal.addEventListener('abort', onClose, { once: true });
    this.#hurry = hurry;
    const watching = this.#watchUntil > now();
    try {
      await delay(watching ? Math.min(ms, WATCH_HEARTBEAT_INTERVAL_MS) : ms, undefined, {
        signal: hurry.signal,
      });
    } catch {
      // Aborted by close() (the loop checks #closed next) or by watch() (the next heartbeat goes now).
    } finally {
      this.#abort.signal.removeEventListener('abort', onClose);
      if (this.#hurry === hurry) this.#hurry = undefined;
    }
  }

  async #run(): Promise<void> {
    // The first heartbeat goes out at once. Kafka 4's coordinator does not restart a member's session timer
    // on a SyncGroup it answers from a stable generation (3.9's did): the timer may still run from the end of
    // the join phase or from the last heartbeat of the previous generation, and only a heartbeat restarts it.
    let wait = 0;
    for (;;) {
      await this.#sleep(wait);
      if (this.#closed) return;
      const sentAt = now();
      try {
        const heartbeat = this.#client.heartbeat(this.#identity);
        if ((await Promise.race([heartbeat, this.#closing])) === CLOSED) {
          heartbeat.catch(() => undefined);
          return;
        }
        this.#succeeded(sentAt);
        // An interval from when it was sent, as Java's client counts: Kafka 4's coordinator answers a heartbeat
        // only once its pending writes are committed, so a slow answer must not space heartbeats further.
        wait = Math.max(0, sentAt + this.#timing.heartbeatIntervalMs - now());
        continue;
      } catch (error) {
        if (this.#closed) return;
        if (!(error instanceof GroupRequestError)) {
          this.end({ reason: 'failed', error });
          return;
        }
        switch (error.code) {
          case GroupErrorCode.REBALANCE_IN_PROGRESS:
            // The coordinator counts this heartbeat (it resets the session timer) and asks us to rejoin.
            // But it removes a member that has not rejoined when the rebalance times out, whatever its
            // heartbeats: the lease may not outlast that (the rebalance began no later than this heartbeat).
            this.#rebalanceSince ??= sentAt;
            this.#watchUntil = 0;
            this.#succeeded(
              Math.min(
                sentAt,
                this.#rebalanceSince + this.#timing.rebalanceTimeoutMs - this.#timing.lostAfterMs,
              ),
            );
            this.end({ reason: 'rebalance' });
            wait = this.#timing.heartbeatIntervalMs;
            continue;
          case GroupErrorCode.UNKNOWN_MEMBER_ID:
          case GroupErrorCode.ILLEGAL_GENERATION:
            // Expelled, or the group moved on without us: a newer generation may already run our work.
            this.#lease.end();
            this.end({
              reason: 'lost',
              resetMemberId: error.code === GroupErrorCode.UNKNOWN_MEMBER_ID,
              detail: error.message,
            });
            return;
          case GroupErrorCode.FENCED_INSTANCE_ID:
            // Another process joined with our group.instance.id and owns the assignment now.
            this.#lease.end();
            this.end({ reason: 'lost', resetMemberId: false, detail: error.message, fatal: error });
            return;
          default:
            if (!error.retriable) {
              this.end({ reason: 'failed', error });
              return;
            }
            // Coordinator moved or unreachable: the client finds it again; retry soon, the watchdog bounds it.
            this.#report(error);
            this.#log('debug', 'heartbeat failed, retrying', {
              groupId: this.#identity.groupId,
              generationId: this.#identity.generationId,
              memberId: this.#identity.memberId,
              error: error.message,
            });
            wait = this.#timing.retryBackoffMs;
        }
      }
    }
  }
}
