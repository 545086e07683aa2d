import type { PluginLocation } from '@sluice/plugins';
import type { ConnectorConfig } from '../stores/config-store.js';

export interface TaskSpec {
  connector: string;
  task: number;
  plugin: PluginLocation;
  connectorConfig: ConnectorConfig;
  taskConfig: ConnectorConfig;
  /** Start in the PAUSED target state: not started until resumed, as in Connect. */
  paused: boolean;
}

export interface TaskEvents {
  /** The task reached RUNNING or PAUSED, or FAILED with its stack. */
  onState(state: 'RUNNING' | 'PAUSED' | 'FAILED', trace?: string): void;
  /** The task used a topic for the first time (Connect's active topics). */
  onTopic(topic: string): void;
  /** Hides the task's secrets in text it sends out (log lines); the runtime applies it before logging. */
  redact?(text: string): string;
}

/** Which kind of stop it is, for what outlives the task (a sink task's place in its consumer group). */
export interface TaskStopOptions {
  /**
   * The task is gone for good: its connector was deleted or STOPPED, or it is no longer configured
   * (`tasks.max` lowered). A sink task then leaves `connect-<connector>` so its partitions move at once.
   * Without it (the task moves to another worker in a rebalance, restarts, or the worker stops) it keeps
   * its place for the copy that replaces it.
   * @default false
   */
  leaveGroup?: boolean;
}

/** Where tasks run: the herder decides what runs, the runtime runs it (task host threads). */
export interface TaskRuntime {
  startTask(spec: TaskSpec, events: TaskEvents): Promise<void>;
  /**
   * Stops a task; resolves once it can no longer act: it stopped, or it ignored stop for the shutdown
   * timeout and the thread it ran on was terminated.
   */
  stopTask(connector: string, task: number, options?: TaskStopOptions): Promise<void>;
  pauseTask(connector: string, task: number): void;
  resumeTask(connector: string, task: number): void;
  /**
   * Sets until when this worker's tasks may act (zombie safety): `expiresAt` on the main thread's
   * `performance.now()` clock, `Infinity` for always (the default, embedded mode), 0 to fence now. While
   * it has run out, tasks make no side effect visible and move no committed state; they resume once it
   * is extended. Optional: a runtime without task threads of its own may have nothing to fence.
   */
  setLease?(expiresAt: number): void;
  close(): Promise<void>;
}
