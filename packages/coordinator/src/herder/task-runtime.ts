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

/** Where tasks run: the herder decides what runs, the runtime runs it (task host threads). */
export interface TaskRuntime {
  startTask(spec: TaskSpec, events: TaskEvents): Promise<void>;
  /**
   * Stops a task; resolves once it can no longer act: it stopped, or it ignored stop for the shutdown
   * timeout and the thread it ran on was terminated.
   */
  stopTask(connector: string, task: number): Promise<void>;
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
