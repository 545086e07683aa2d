import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { GroupErrorCode, GroupRequestError } from '@sluice/kafka-client';
import type { GroupCoordinatorClient } from '@sluice/kafka-client';
import type { GroupMemberLogger } from './options.js';

/** Why a stable generation ended, as far as heartbeating (or the owner of the session) can tell. */
export type SessionEnd =
  | { reason: 'rebalance' }
  | { reason: 'stop' }
  /** `resetMemberId`: the coordinator said it does not know this member id any more. */
  | { reason: 'lost'; resetMemberId: boolean; detail: string }
  | { reason: 'failed'; error: unknown };

export interface SessionIdentity {
  groupId: string;
  generationId: number;
  memberId: string;
}

export interface SessionTiming {
  heartbeatIntervalMs: number;
  retryBackoffMs: number;
  lostAfterMs: number;
}

/** A monotonic clock: wall-clock jumps must not expire (or extend) a session. */
const now = (): number => performance.now();

/**
 * Heartbeats for one generation, from SyncGroup until `close()`, and the watchdog that declares the
 * membership lost when no heartbeat has succeeded for `lostAfterMs`.
 *
 * The watchdog measures from when the last successful heartbeat was *sent*: the coordinator received it no
 * earlier, so it cannot expel this member before the watchdog fires. A process that was frozen (SIGSTOP, a
 * long GC pause, a suspended VM) sees the overdue watchdog fire as soon as it runs again, before it acts on
 * anything else.
 */
export class HeartbeatSession {
  readonly #client: GroupCoordinatorClient;
  readonly #identity: SessionIdentity;
  readonly #timing: SessionTiming;
  readonly #log: GroupMemberLogger;
  readonly #abort = new AbortController();
  readonly #ended: Promise<SessionEnd>;
  #resolveEnded!: (end: SessionEnd) => void;
  #end: SessionEnd | undefined;
  /** When the membership counts as lost, on the `now()` clock. */
  #deadline: number;
  #watchdog: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #loop: Promise<void>;

  /** `lastSuccessAt`: when the request that last confirmed membership (SyncGroup) was sent, on `now()`. */
  constructor(
    client: GroupCoordinatorClient,
    identity: SessionIdentity,
    timing: SessionTiming,
    lastSuccessAt: number,
    log: GroupMemberLogger,
  ) {
    this.#client = client;
    this.#identity = identity;
    this.#timing = timing;
    this.#log = log;
    this.#ended = new Promise((resolve) => (this.#resolveEnded = resolve));
    this.#deadline = lastSuccessAt + timing.lostAfterMs;
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

  /** Stops heartbeating and the watchdog, and waits for an in-flight heartbeat to settle. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#watchdog);
    this.#abort.abort();
    await this.#loop;
  }

  #armWatchdog(): void {
    clearTimeout(this.#watchdog);
    if (this.#closed) return;
    this.#watchdog = setTimeout(
      () => {
        if (now() < this.#deadline) {
          this.#armWatchdog();
          return;
        }
        const silentMs = Math.round(now() - this.#deadline + this.#timing.lostAfterMs);
        this.end({
          reason: 'lost',
          resetMemberId: false,
          detail: `no heartbeat succeeded for ${silentMs} ms`,
        });
      },
      Math.max(0, this.#deadline - now()),
    );
  }

  #succeeded(sentAt: number): void {
    if (sentAt + this.#timing.lostAfterMs <= this.#deadline) return;
    this.#deadline = sentAt + this.#timing.lostAfterMs;
    this.#armWatchdog();
  }

  async #sleep(ms: number): Promise<void> {
    try {
      await delay(ms, undefined, { signal: this.#abort.signal });
    } catch {
      // Aborted by close(): the loop checks #closed next.
    }
  }

  async #run(): Promise<void> {
    let wait = this.#timing.heartbeatIntervalMs;
    for (;;) {
      await this.#sleep(wait);
      if (this.#closed) return;
      const sentAt = now();
      try {
        await this.#client.heartbeat(this.#identity);
        this.#succeeded(sentAt);
        wait = this.#timing.heartbeatIntervalMs;
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
            this.#succeeded(sentAt);
            this.end({ reason: 'rebalance' });
            wait = this.#timing.heartbeatIntervalMs;
            continue;
          case GroupErrorCode.UNKNOWN_MEMBER_ID:
          case GroupErrorCode.ILLEGAL_GENERATION:
            // Expelled, or the group moved on without us: a newer generation may already run our work.
            this.end({
              reason: 'lost',
              resetMemberId: error.code === GroupErrorCode.UNKNOWN_MEMBER_ID,
              detail: error.message,
            });
            return;
          default:
            if (!error.retriable) {
              this.end({ reason: 'failed', error });
              return;
            }
            // Coordinator moved or unreachable: the client finds it again; retry soon, the watchdog bounds it.
            this.#log('debug', 'heartbeat failed, retrying', { ...this.#identity, error: error.message });
            wait = this.#timing.retryBackoffMs;
        }
      }
    }
  }
}
