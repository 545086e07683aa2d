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
  const handled = (operation: Promise<void>) => void operation.catch(() => undefined);
  const countChanged = (name: string, count: number) => {
    if (count === (taskCounts.get(name) ?? 0)) return false;
    taskCounts.set(name, count);
    return true;
  };
  return configs.onChange((change: ConfigChange) => {
    switch (change.type) {
      case 'connector-added':
        // Reassign first, so that the connector is owned when the reconciler looks at it.
        onWorkChanged();
        handled(reconciler.connectorConfigChanged(change.connector));
        break;
      case 'connector-updated':
        handled(reconciler.connectorConfigChanged(change.connector));
        break;
      case 'connector-removed':
        taskCounts.delete(change.connector);
        handled(reconciler.connectorConfigChanged(change.connector));
        onWorkChanged();
        break;
      case 'target-state':
        handled(reconciler.targetStateChanged(change.connector));
        break;
      case 'tasks-committed':
      case 'tasks-inconsistent':
        if (countChanged(change.connector, change.type === 'tasks-committed' ? change.tasks.length : 0))
          onWorkChanged();
        handled(reconciler.taskConfigsCommitted(change.connector));
        break;
      case 'restart-request':
        handled(reconciler.restartRequested(change.request.connector, change.request));
        break;
      case 'session-key':
        break;
    }
  });
}
