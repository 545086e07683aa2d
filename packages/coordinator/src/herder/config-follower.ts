import type { ConfigChange, ConfigStore } from '../stores/config-store.js';
import type { Reconciler } from './reconciler.js';

/**
 * Hands every change of the config topic to the reconciler, and says when the set of work changed
 * (connectors added or removed, a connector's task count changed): the cluster must then reassign.
 * Returns how to stop following.
 */
export function followConfigChanges(
  configs: ConfigStore,
  reconciler: Reconciler,
  onWorkChanged: () => void,
): () => void {
  const taskCounts = new Map<string, number>();
  for (const [name, tasks] of configs.snapshot().tasks) taskCounts.set(name, tasks.length);
  const handled = (operation: Promise<void>) => operation.catch(() => undefined);
  return configs.onChange((change: ConfigChange) => {
    const name = change.connector;
    switch (change.type) {
      case 'connector':
        void handled(reconciler.connectorConfigChanged(name));
        if (change.removed) taskCounts.delete(name);
        onWorkChanged();
        break;
      case 'target-state':
        void handled(reconciler.targetStateChanged(name));
        break;
      case 'tasks': {
        const count = configs.snapshot().tasks.get(name)?.length ?? 0;
        // Reassign before the reconciler looks at the tasks, so that new tasks are owned when it does.
        if (count !== taskCounts.get(name)) {
          taskCounts.set(name, count);
          onWorkChanged();
        }
        void handled(reconciler.taskConfigsCommitted(name));
        break;
      }
      case 'restart':
        void handled(
          reconciler.restartRequested(name, {
            includeTasks: change.includeTasks,
            onlyFailed: change.onlyFailed,
          }),
        );
        break;
    }
  });
}
