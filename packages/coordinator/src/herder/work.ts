/** A task's key in sets and maps: `<connector>/<task>` (connector names never contain '/'). */
export function taskKey(connector: string, task: number): string {
  return `${connector}/${task}`;
}

/** The connector and task number of a task key. */
export function splitTaskKey(key: string): [string, number] {
  const at = key.lastIndexOf('/');
  return [key.slice(0, at), Number(key.slice(at + 1))];
}

/** What this worker is told to run: the full set, not a delta. */
export interface WorkAssignment {
  connectors: ReadonlySet<string>;
  /** Task keys (`taskKey`). */
  tasks: ReadonlySet<string>;
  /** The group generation of this assignment; statuses are written with it (0 without a group). */
  generation: number;
}

/** An assignment of nothing, as a worker has before it joins and after it lost its membership. */
export const NO_WORK: WorkAssignment = { connectors: new Set(), tasks: new Set(), generation: -1 };
