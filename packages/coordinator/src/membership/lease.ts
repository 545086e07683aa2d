import { performance } from 'node:perf_hooks';

/** A monotonic clock: wall-clock jumps must not expire (or extend) a lease. */
export const now = (): number => performance.now();

/**
 * Until when a member may act on its assignment without risking that the coordinator has handed the work
 * to another member; the member's owner copies it to its task threads, which check it before every produce
 * and commit.
 *
 * Why `sentAt + lostAfterMs` of a confirmed request. Kafka's group coordinator (GroupCoordinator.scala,
 * `completeAndScheduleNextHeartbeatExpiration`; GroupMetadataManager in Kafka 4) expels a member when its
 * session timer runs out, and restarts that timer when a Heartbeat reaches it (also one it answers
 * REBALANCE_IN_PROGRESS), when a join phase ends (every member's), and when it hands out a generation's
 * assignments; Kafka 3.9 also on every SyncGroup it answers, Kafka 4 not on one it answers from a stable
 * generation. A member that gets a successful answer to a Heartbeat it sent at `sentAt` therefore knows the
 * timer restarted at or after `sentAt`: it cannot be expelled before `sentAt + session`. For an assignment
 * the bound is the JoinGroup's `sentAt` when it started a new generation (that join phase ended after it was
 * sent), and only the last confirmation when it gave back the generation the member had (no join phase). The lease ends
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
  #confirmedAt = 0;

  constructor(lostAfterMs: number, onChange: (expiresAt: number) => void) {
    this.#lostAfterMs = lostAfterMs;
    this.#onChange = onChange;
  }

  /** The deadline on the `now()` clock (possibly already past), or 0 when there is no lease. */
  get expiresAt(): number {
    return this.#expiresAt;
  }

  /**
   * When the latest request that confirmed membership was sent (0: none yet): the coordinator restarted
   * the member's session timer no earlier. It survives `end()`: the coordinator's timer does not care.
   */
  get confirmedAt(): number {
    return this.#confirmedAt;
  }

  /**
   * An assignment arrived and the coordinator restarted the session timer no earlier than `sentAt` (see
   * `KafkaGroupMember`): the lease starts, or goes on.
   */
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
    this.#confirmedAt = Math.max(this.#confirmedAt, sentAt);
    const expiresAt = sentAt + this.#lostAfterMs;
    if (expiresAt <= this.#expiresAt) return;
    this.#expiresAt = expiresAt;
    this.#onChange(expiresAt);
  }
}
