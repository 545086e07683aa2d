import { containsVariable } from './variables.js';

/**
 * Connect's reverseTransform (AbstractHerder): a connector's task configs are generated from its resolved
 * config, so before they are stored, every key whose raw connector value holds a variable gets that raw
 * value back, whole. Keys the raw config does not share are kept as generated.
 */
export function reverseTransform(
  rawConnectorConfig: Readonly<Record<string, string>>,
  taskConfigs: readonly Readonly<Record<string, string>>[],
): Record<string, string>[] {
  const rawValues = new Map(
    Object.entries(rawConnectorConfig).filter(([, value]) => containsVariable(value)),
  );
  return taskConfigs.map((taskConfig) =>
    // fromEntries defines own properties, so a `__proto__` key stays a plain key.
    Object.fromEntries(Object.entries(taskConfig).map(([key, value]) => [key, rawValues.get(key) ?? value])),
  );
}
