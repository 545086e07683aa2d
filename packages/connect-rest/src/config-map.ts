import { HttpError, numberText } from '@sluice/rest';

/** A config map as Connect's REST layer reads one (`Map<String, String>`): numbers and booleans as text. */
export type ConfigMap = Record<string, string | null>;

/**
 * Reads a JSON object as a config map; `null` values are kept only where `allowNull` says so. A number
 * keeps the text it was sent as (`1.0`, `99999999999999999999`), as Jackson gives it to Connect.
 */
export function configMap(value: unknown, what: string, allowNull = false): ConfigMap {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, `${what} must be a JSON object of string values`);
  }
  const config: ConfigMap = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'string') config[key] = item;
    else if (typeof item === 'number') config[key] = numberText(value, key) ?? String(item);
    else if (typeof item === 'boolean') config[key] = String(item);
    else if (item === null && allowNull) config[key] = null;
    else throw new HttpError(400, `${what}: the value of '${key}' must be a string`);
  }
  return config;
}
