import type { MessagePort } from 'node:worker_threads';
import type { SerializedError } from '@sluice/errors';

// Messages between the main thread and a task host thread, over the MessagePort each host owns.
// Structured-clone values only.

/** Main thread → host. */
export type ToHost =
  | { type: 'start'; id: string; slot: number; module: string; export: string; config: unknown }
  | { type: 'stop'; id: string }
  | { type: 'message'; id: string; payload: unknown }
  /**
   * Import these actor modules now, and run each one's `warmUp` export if it has one, so that the first
   * actors of each start without waiting for it; the host answers `preloaded`.
   */
  | { type: 'preload'; modules: string[] }
  | { type: 'shutdown' };

/** Host → main thread. */
export type FromHost =
  | { type: 'hello'; threadId: number }
  | { type: 'heartbeat' }
  /** The host begins (`loading`) or ends (`loaded`) importing an actor's module for the first time. */
  | { type: 'loading' }
  | { type: 'loaded' }
  /** The modules of a `preload` are imported and warmed up (or failed to, which their actors will say). */
  | { type: 'preloaded' }
  | { type: 'started'; id: string }
  | { type: 'stopped'; id: string }
  | { type: 'failed'; id: string; error: SerializedError }
  | { type: 'event'; id: string; payload: unknown };

/** What a host job is given when Piscina starts it on a thread. */
export interface HostJob {
  port: MessagePort;
  /** Shared with the main thread: slot 0 holds the slot of the actor whose code is running now (0 = none). */
  current: SharedArrayBuffer;
  /** Shared with the main thread and every host: the worker's task lease (see `WorkerLease`). */
  lease: SharedArrayBuffer;
  heartbeatIntervalMs: number;
}
