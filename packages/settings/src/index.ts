import { ConfigError } from '@sluice/errors';

/**
 * Turns a setting's text into its value, or throws `ConfigError` naming `key` and what it must be. The
 * worker's and the REST Proxy's settings are validated with these, once, where they are read.
 */
export type Parse = (value: string, key: string) => unknown;

/** The value, trimmed. */
export const text: Parse = (value) => value.trim();

/** A comma-separated list, items trimmed, empty items dropped. */
export function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** An integer from `min` to `max`. */
export function int(min: number, max = Number.MAX_SAFE_INTEGER): Parse {
  return (value, key) => {
    const n = Number(value.trim());
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(key, `${key} must be an integer from ${min} to ${max}, got '${value}'`);
    }
    return n;
  };
}

/** `true` or `false`, in any case. */
export const bool: Parse = (value, key) => {
  const v = value.trim().toLowerCase();
  if (v !== 'true' && v !== 'false')
    throw new ConfigError(key, `${key} must be true or false, got '${value}'`);
  return v === 'true';
};

/** One of `values` (given in lower case), in any case; answers it in lower case. */
export function oneOf(...values: string[]): Parse {
  return (value, key) => {
    const v = value.trim().toLowerCase();
    if (!values.includes(v))
      throw new ConfigError(key, `${key} must be one of ${values.join(', ')}, got '${value}'`);
    return v;
  };
}
