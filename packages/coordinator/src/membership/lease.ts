import { performance } from 'node:perf_hooks';

/** A monotonic clock: wall-clock jumps must not expire (or extend) a lease. */
export const now = (): number => performance.now();

/**
 * Until when a member may act on its assignment without risking that the coordinator has handed the work
 * to another member; the member's owner copies it to its task threads, which check it before every produce
 * and commit.
 *
 * Why `sentAt + lostAfterMs` of a confirmed request. Kafka's group coordinator (GroupCoordinator.scala,
 * `completeAndScheduleNextHeartbeatExpiration`; the same in the newer GroupMetadataManager) expels a member
 * when its session timer runs out, and restarts that timer when a Heartbeat reaches it (also one it answers
 * REBALANCE_IN_PROGRESS), when it answers a SyncGroup with the assignment, and when a join phase ends. A
 * member that gets a successful answer to a Heartbeat or SyncGroup it sent at `sentAt` therefore knows the
 * timer restarted at or after `sentAt`: it cannot be expelled before `sentAt + session`. The lease ends
 * `session − lostAfterMs` (a heartbeat interval) earlier, which leaves the member time to stop its work.
 *
 * Why a JoinGroup or SyncGroup in flight does not extend it, although the coordinator keeps a member that
 * awaits a join or sync (the old `MemberMetadata.shouldKeepAlive`, now `hasSatisfiedHeartbeat`: "members that
 * are awaiting a rebalance automatically satisfy expected heartbeats"):
 * - the protection starts when the request reaches the coordinator, which may be after the session ran out:
 *   kafkajs may first have to reconnect, and a process may stall between deciding to send and sending. Only
 *   the answer tells the member that the request arrived in time.
 * - it ends when the coordinator answers (the join phase ends, or the leader's SyncGroup arrives); the
 *   member then has one session timeout, but may read the answer much later (a stalled event loop,
 *   SIGSTOP). "Held until the request returns" would let task threads, which run on while the main thread's
 *   event loop stalls, act after an expulsion; a fixed `sentAt + rebalanceTimeoutMs` fails the same way
 *   whenever the coordinator answers early. The one bound known at send time is `sentAt + session`, and it
 *   holds only if the request arrived in time.
 * - nor does a successful JoinGroup confirm anything: a follower that rejoins a stable group with unchanged
 *   metadata, or repeats a JoinGroup whose answer it lost, gets the current generation back and its timer is
 *   not restarted.
 * So while the member rejoins, the lease keeps the deadline the last confirmation earned. A join phase that
 * lasts longer (a member slow to rejoin holds it up to the rebalance timeout) pauses the work until the
 * SyncGroup answer extends the lease again; the assignment is not lost, since a JoinGroup that succeeds with
 * the member's id shows that the coordinator never expelled it.
 */
export class Lease {
  readonly #lostAfterMs: number;
  readonly #onChange: (expiresAt: number) => void;
  #expiresAt = 0;

  constructor(lostAfterMs: number, onChange: (expiresAt: number) => void) {
    this.#lostAfterMs = lostAfterMs;
    this.#onChange = onChange;
  }

  /** The deadline on the `now()` clock (possibly already past), or 0 when there is no lease. */
  get expiresAt(): number {
    return this.#expiresAt;
  }

  /** A SyncGroup sent at `sentAt` delivered an assignment: the lease starts, or goes on. */
  grant(sentAt: number): void {
    this.#extend(sentAt);
  }

  /** A request sent at `sentAt` confirmed membership: extends a lease the member holds. */
  confirm(sentAt: number): void {
    if (this.#expiresAt !== 0) this.#extend(sentAt);
  }

  /** Membership is gone (or ends): no lease until the next assignment. */
  end(): void {
    if (this.#expiresAt === 0) return;
    this.#expiresAt = 0;
    this.#onChange(0);
  }

  #extend(sentAt: number): void {
    const expiresAt = sentAt + this.#lostAfterMs;
    if (expiresAt <= this.#expiresAt) return;
    this.#expiresAt = expiresAt;
    this.#onChange(expiresAt);
  }
}
