import { ConnectError } from '@sluice/sdk';
import type { ConnectorConfig } from '../stores/config-store.js';

/**
 * The most tasks one connector may have (`tasks.max`). Connect has no bound, and `tasks.max=1000000000`
 * makes a connector build a billion task configs, which takes any worker down. Each task is an actor with
 * its own connections and buffers, so a worker runs a few hundred at most; more than 1,000 per connector
 * is more than the partitions of nearly any topic, and almost always a typo.
 */
export const MAX_TASKS = 1000;

/**
 * The most a connector's task configs may hold together (UTF-16 code units of keys and values), so a large
 * config copied into many tasks cannot fill the worker's memory and the config topic.
 */
export const MAX_TASK_CONFIGS_SIZE = 32 * 1024 * 1024;

/**
 * How long a connector's `start`, `taskConfigs` and `stop` may take. Connector instances run on the
 * worker's main thread, in the reconciler's one-at-a-time queue: a call that never settles would hold up
 * every other connector. After this the connector is FAILED and the call's outcome is ignored.
 */
export const CONNECTOR_CALL_TIMEOUT_MS = 60_000;

/**
 * A connector's `tasks.max` as the runtime uses it: validation refuses anything else, but a config stored
 * by an older version (or another runtime) can hold it, and it must fail that connector, not the worker.
 */
export function tasksMax(name: string, config: Readonly<ConnectorConfig>): number {
  const text = (config['tasks.max'] ?? '1').trim();
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > MAX_TASKS) {
    throw new ConnectError(
      `The connector ${name} has tasks.max=${text.slice(0, 40)}, which is not an integer from 1 to ${MAX_TASKS}; ` +
        'set tasks.max with PUT /connectors/<name>/config',
    );
  }
  return value;
}

/**
 * Checks what a connector's `taskConfigs` returned: a list of string maps, at most `maxTasks` of them (or, with
 * `tasks.max.enforce=false`, `MAX_TASKS`: `onTooMany` is told), `MAX_TASK_CONFIGS_SIZE` in all. Anything else
 * is the connector's bug, a `ConnectError` that fails it. Looked at item by item, so a huge answer is
 * refused without being copied.
 */
export function checkedTaskConfigs(
  name: string,
  generated: unknown,
  maxTasks: number,
  enforce: boolean,
  onTooMany: (message: string) => void,
): ConnectorConfig[] {
  if (!Array.isArray(generated)) {
    throw new ConnectError(
      `The connector ${name} returned ${describe(generated)} from taskConfigs(), not a list of task configs`,
    );
  }
  if (generated.length > maxTasks) {
    const message =
      `The connector ${name} has generated ${generated.length} tasks, which is greater than ${maxTasks}, ` +
      'the maximum number of tasks it is configured to create.';
    // More tasks than tasks.max is the connector's bug: it fails (tasks.max.enforce, Connect 3.8+), or,
    // with tasks.max.enforce=false, the extra tasks run as they did before 3.8, up to Sluice's bound.
    if (enforce || generated.length > MAX_TASKS) {
      throw new ConnectError(
        enforce ? message : `${message} Sluice runs at most ${MAX_TASKS} tasks per connector.`,
      );
    }
    onTooMany(message);
  }
  let size = 0;
  const configs: ConnectorConfig[] = [];
  for (const [task, config] of (generated as unknown[]).entries()) {
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      throw new ConnectError(
        `The connector ${name} generated ${describe(config)} as the config of task ${task}, not a map of strings`,
      );
    }
    const checked: ConnectorConfig = {};
    for (const [key, value] of Object.entries(config)) {
      if (typeof value !== 'string') {
        throw new ConnectError(
          `The connector ${name} generated a task config (task ${task}) whose value of '${key}' is ${describe(value)}, not a string`,
        );
      }
      size += key.length + value.length;
      if (size > MAX_TASK_CONFIGS_SIZE) {
        throw new ConnectError(
          `The connector ${name} generated task configs of more than ${MAX_TASK_CONFIGS_SIZE} characters in all`,
        );
      }
      checked[key] = value;
    }
    configs.push(checked);
  }
  return configs;
}

/**
 * `call`'s outcome, or a rejection with `timedOut()` (by default a `ConnectError` saying `what` took too long)
 * once `timeoutMs` passed without one; the call goes on, ignored. A call that throws synchronously rejects.
 */
export async function withinTimeout<T>(
  call: () => T | Promise<T>,
  timeoutMs: number,
  what: string,
  timedOut: (message: string) => Error = (message) => new ConnectError(message),
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(call), expired]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'a list';
  return `a value of type ${typeof value}`;
}
