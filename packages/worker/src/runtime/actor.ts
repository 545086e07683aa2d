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
}

export interface Actor {
  /** Stops the actor; the owner waits for it only up to its shutdown timeout. */
  stop(): Promise<void>;
}

export type ActorFactory = (context: ActorContext) => Actor | Promise<Actor>;
