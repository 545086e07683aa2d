/**
 * The contract between the task host and what it runs. A task runner (source or sink) is an actor: a
 * module that exports a factory, started on a host thread, driving itself (its own async loop) until
 * stopped. Many actors share one thread, so an actor must never block the event loop for long; the
 * watchdog notices one that does.
 */
export interface ActorContext {
  readonly id: string;
  readonly config: unknown;
  /** Sends an event to the owner of this actor on the main thread. */
  emit(payload: unknown): void;
  /** Receives messages the owner sends to this actor. */
  onMessage(listener: (payload: unknown) => void): void;
  /**
   * Runs `callback` (connector code) marked as this actor's, so a blocked thread can be blamed on the
   * right actor. Cheap: one atomic store before and after.
   */
  enter<T>(callback: () => T): T;
  /** Reports that the actor failed on its own (outside `stop`); the host forgets it. */
  fail(error: unknown): void;
  /** The worker's lease on its tasks, shared by every thread of the process (see {@link ActorLease}). */
  readonly lease: ActorLease;
}

/**
 * The worker's lease, as a task thread sees it (`HostedTaskRuntime.setLease` sets it on the main thread).
 * While it is valid the worker may act on its tasks; once it has run out (the worker may have lost its
 * membership, another worker may run these tasks now) an actor makes no side effect visible to others and
 * moves no committed state until the lease is extended or it is told to stop.
 */
export interface ActorLease {
  /** Whether the lease has not run out. Synchronous (one atomic load): check it right before acting. */
  valid(): boolean;
  /** Resolves when the lease is set again (extended or fenced), or after `timeoutMs`. */
  changed(timeoutMs: number): Promise<void>;
}

export interface Actor {
  /** Stops the actor; the owner waits for it only up to its shutdown timeout. */
  stop(): Promise<void>;
}

export type ActorFactory = (context: ActorContext) => Actor | Promise<Actor>;
