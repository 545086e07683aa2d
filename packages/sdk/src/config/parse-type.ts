import { ConfigError } from '@sluice/errors';
import { integerText, javaDoubleToString } from '../data/java-format.js';
import { describeType } from '../data/validate-value.js';
import { Password } from './password.js';
import type { ConfigType } from './types.js';

/** Kafka's `ConfigException(name, value, message)`: "Invalid value V for configuration K: message". */
export function invalidValue(name: string, value: unknown, message?: string): ConfigError {
  const text = `Invalid value ${valueText(value)} for configuration ${name}`;
  return new ConfigError(name, message === undefined ? text : `${text}: ${message}`);
}

function valueText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(valueText).join(', ')}]`;
  return String(value);
}

const INT_RANGES = { INT: [-(2n ** 31n), 2n ** 31n - 1n], SHORT: [-(2n ** 15n), 2n ** 15n - 1n] } as const;
const LONG_RANGE = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const INTEGER = /^[+-]?\d+$/;
// What Java's Double.parseDouble reads, short of hexadecimal floats.
const DOUBLE = /^[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?)$/;
const COMMA = /\s*,\s*/;

/**
 * Parses one value with Kafka's rules (`ConfigDef.parseType`): text is trimmed (passwords too), booleans are
 * `true`/`false` in any case, integers are range-checked for their Java type, lists split on commas. Values
 * already of the right JavaScript type are accepted as they are.
 */
export function parseType(name: string, value: unknown, type: ConfigType): unknown {
  if (value === null || value === undefined) return null;
  const text = typeof value === 'string' ? value.trim() : null;
  switch (type) {
    case 'BOOLEAN':
      if (typeof value === 'boolean') return value;
      if (text?.toLowerCase() === 'true') return true;
      if (text?.toLowerCase() === 'false') return false;
      if (text !== null) throw invalidValue(name, value, 'Expected value to be either true or false');
      throw invalidValue(name, value, `Expected value to be a boolean, but it was a ${describeType(value)}`);
    case 'STRING':
    case 'CLASS':
      if (text !== null) return text;
      if (type === 'CLASS') throw invalidValue(name, value, 'Expected a Class instance or class name.');
      throw invalidValue(name, value, `Expected value to be a string, but it was a ${describeType(value)}`);
    case 'PASSWORD':
      if (value instanceof Password) return value;
      if (text !== null) return new Password(text);
      throw invalidValue(name, value, `Expected value to be a string, but it was a ${describeType(value)}`);
    case 'INT':
    case 'SHORT': {
      const bits = type === 'INT' ? 32 : 16;
      const parsed = integer(name, value, text, type, INT_RANGES[type], bits);
      return Number(parsed);
    }
    case 'LONG':
      return integer(name, value, text, type, LONG_RANGE, 64);
    case 'DOUBLE':
      if (typeof value === 'number') return value;
      if (text !== null) {
        if (!DOUBLE.test(text)) throw invalidValue(name, value, 'Not a number of type DOUBLE');
        return Number(text.replace(/[fFdD]$/, ''));
      }
      throw invalidValue(name, value, `Expected value to be a double, but it was a ${describeType(value)}`);
    case 'LIST':
      if (Array.isArray(value)) return value.map(String);
      if (text !== null) return text === '' ? [] : text.split(COMMA);
      throw invalidValue(name, value, 'Expected a comma separated list.');
  }
}

function integer(
  name: string,
  value: unknown,
  text: string | null,
  type: ConfigType,
  [min, max]: readonly [bigint, bigint],
  bits: number,
): bigint {
  let parsed: bigint | null = null;
  if (typeof value === 'bigint') parsed = value;
  else if (typeof value === 'number' && Number.isInteger(value)) parsed = BigInt(value);
  else if (text !== null) {
    if (!INTEGER.test(text)) throw invalidValue(name, value, `Not a number of type ${type}`);
    parsed = BigInt(text);
  }
  if (parsed === null) {
    throw invalidValue(
      name,
      value,
      `Expected value to be a ${bits}-bit integer, but it was a ${describeType(value)}`,
    );
  }
  if (parsed < min || parsed > max) throw invalidValue(name, value, `Not a number of type ${type}`);
  return parsed;
}

/** A parsed value as text, as Kafka's `ConfigDef.convertToString` (passwords as `[hidden]`, lists joined by `,`). */
export function convertToString(value: unknown, type: ConfigType | null): string | null {
  if (value === null || value === undefined) return null;
  if (type === 'LIST' && Array.isArray(value)) return value.map((v) => String(v)).join(',');
  if (type === 'DOUBLE' && typeof value === 'number') return javaDoubleToString(value);
  if (typeof value === 'number' && Number.isInteger(value)) return integerText(value);
  if (Array.isArray(value)) return value.map((v) => String(v)).join(',');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  // Passwords print as [hidden]; anything else a validator accepted, as JSON.
  return value instanceof Password ? value.toString() : (JSON.stringify(value) ?? null);
}
