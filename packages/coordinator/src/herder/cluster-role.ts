/**
 * This worker's place in its cluster, as the herder needs it to decide whether it serves a request or
 * another worker must: who leads, and (on the leader) who runs what.
 */
export interface ClusterRole {
  /** This worker's advertised REST URL (its id in the group). */
  readonly selfUrl: string;
  /**
   * Resolves once the worker is in a settled generation, so that who leads is known, or after `timeoutMs`
   * (a write that arrives during a rebalance waits for it rather than failing at once).
   */
  settled(timeoutMs: number): Promise<void>;
  /** Whether this worker leads the group now, in a settled generation, with a membership it may act on. */
  isLeader(): boolean;
  /**
   * Whether this worker led the last generation and its membership still holds, also while the group
   * rebalances: enough to write task configs, which must not wait for a rebalance (a follower's publication
   * could otherwise hold the rebalance up).
   */
  leadsLastGeneration(): boolean;
  /** The leader's REST URL; undefined while it is not known (before joining, during a rebalance). */
  leaderUrl(): string | undefined;
  /**
   * The REST URL of the worker that runs the connector instance (no `task`) or the task, as the leader
   * assigned it; undefined when unknown (not the leader, or not assigned).
   */
  ownerUrl(connector: string, task?: number): string | undefined;
  /**
   * Whether `workerId` (`host:port`, as statuses name workers) is a worker of the cluster now, as far as
   * this worker knows (the leader knows every member): a status written by a worker that is gone says
   * nothing about what runs.
   */
  isLiveWorker(workerId: string): boolean;
}

/** The role of a worker that is its whole cluster (embedded mode): it leads and runs everything. */
export function soleWorker(selfUrl: () => string): ClusterRole {
  return {
    get selfUrl() {
      return selfUrl();
    },
    settled: () => Promise.resolve(),
    isLeader: () => true,
    leadsLastGeneration: () => true,
    leaderUrl: () => selfUrl(),
    ownerUrl: () => selfUrl(),
    isLiveWorker: (workerId) => {
      try {
        return new URL(selfUrl()).host === workerId;
      } catch {
        return false;
      }
    },
  };
}
