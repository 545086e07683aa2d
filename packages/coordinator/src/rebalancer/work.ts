import type { TaskRef } from './types.js';

/** Connectors and tasks are balanced separately: 0 = a connector instance, 1 = a task. */
export type Kind = 0 | 1;
export const CONNECTOR: Kind = 0;
export const TASK: Kind = 1;

/** One unit of work: a connector instance or a task. */
export interface WorkRef {
  kind: Kind;
  connector: string;
  /** The task number; −1 for a connector instance. */
  task: number;
}

/** A stable identity for a unit of work. */
export function workKey(kind: Kind, connector: string, task: number): string {
  return kind === CONNECTOR ? `c\u0000${connector}` : `t\u0000${task}\u0000${connector}`;
}

/** Code-unit order: the same everywhere, unlike `localeCompare`. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** By connector name, then the connector instance before its tasks, then task number. */
export function compareWork(a: WorkRef, b: WorkRef): number {
  return compareStrings(a.connector, b.connector) || a.kind - b.kind || a.task - b.task;
}

export function compareTaskRefs(a: TaskRef, b: TaskRef): number {
  return compareStrings(a.connector, b.connector) || a.task - b.task;
}

export function connectorWork(connector: string): WorkRef {
  return { kind: CONNECTOR, connector, task: -1 };
}

export function taskWork(connector: string, task: number): WorkRef {
  return { kind: TASK, connector, task };
}

export function keyOf(work: WorkRef): string {
  return workKey(work.kind, work.connector, work.task);
}

/** The connector names among `work`, sorted. */
export function sortedConnectors(work: Iterable<WorkRef>): string[] {
  const names: string[] = [];
  for (const w of work) if (w.kind === CONNECTOR) names.push(w.connector);
  return names.sort(compareStrings);
}

/** The tasks among `work`, sorted. */
export function sortedTasks(work: Iterable<WorkRef>): TaskRef[] {
  const tasks: TaskRef[] = [];
  for (const w of work) if (w.kind === TASK) tasks.push({ connector: w.connector, task: w.task });
  return tasks.sort(compareTaskRefs);
}

/** Connectors and tasks as units of work by key, each once, in a stable order. */
export function workOf(connectors: readonly string[], tasks: readonly TaskRef[]): Map<string, WorkRef> {
  const work = [...connectors.map(connectorWork), ...tasks.map((t) => taskWork(t.connector, t.task))].sort(
    compareWork,
  );
  return new Map(work.map((w) => [keyOf(w), w]));
}
