import type { ConfigSnapshot } from '../stores/config-store.js';
import type { WorkAssignment } from './work.js';
import { taskKey } from './work.js';

/** Everything the config topic has: the assignment of a worker that is its whole cluster (embedded mode). */
export function everything(snapshot: ConfigSnapshot): WorkAssignment {
  const tasks = new Set<string>();
  for (const [name, configs] of snapshot.tasks) {
    if (snapshot.connectors.has(name)) configs.forEach((_, task) => tasks.add(taskKey(name, task)));
  }
  return { connectors: new Set(snapshot.connectors.keys()), tasks, generation: 0 };
}
