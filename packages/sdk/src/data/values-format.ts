import { DecimalValue } from './decimal-value.js';
import { integerText, javaDoubleToString, javaFloatToString } from './java-format.js';
import { DATE_LOGICAL_NAME, TIME_LOGICAL_NAME } from './logical-names.js';
import type { Schema } from './schema.js';
import { Struct } from './struct.js';

/**
 * A Connect value as text, the way Connect's `Values.convertToString` writes it (header values, for one):
 * strings as they are, numbers as Java prints them, bytes in base64, dates in ISO-8601, and arrays, maps and
 * structs in a JSON-like form whose strings are quoted.
 */
export function convertToString(schema: Schema | null, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return render(schema, value, false);
}

function render(schema: Schema | null, value: unknown, embedded: boolean): string {
  if (value === null || value === undefined) return 'null';
  const logical = renderLogical(schema?.name ?? null, value);
  if (logical !== undefined) return logical;
  if (typeof value === 'string') return embedded ? quote(value) : value;
  if (typeof value === 'number') return renderNumber(schema, value);
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Uint8Array) {
    const base64 = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
    return embedded ? quote(base64) : base64;
  }
  if (value instanceof Struct) {
    const fields = value.schema.fields.map((f) => `${quote(f.name)}:${render(f.schema, value.get(f.name), true)}`);
    return `{${fields.join(',')}}`;
  }
  if (Array.isArray(value)) {
    return `[${value.map((v) => render(schema?.valueSchema ?? null, v, true)).join(',')}]`;
  }
  const entries = value instanceof Map ? [...(value as Map<unknown, unknown>)] : Object.entries(value);
  const rendered = entries.map(
    ([k, v]) => `${render(schema?.keySchema ?? null, k, true)}:${render(schema?.valueSchema ?? null, v, true)}`,
  );
  return `{${rendered.join(',')}}`;
}

function renderLogical(name: string | null, value: unknown): string | undefined {
  if (value instanceof DecimalValue) return value.toString();
  if (!(value instanceof Date)) return undefined;
  const iso = value.toISOString();
  if (name === DATE_LOGICAL_NAME) return iso.slice(0, 10);
  if (name === TIME_LOGICAL_NAME) return iso.slice(11);
  return iso;
}

function renderNumber(schema: Schema | null, value: number): string {
  switch (schema?.type) {
    case 'FLOAT32':
      return javaFloatToString(value);
    case 'FLOAT64':
      return javaDoubleToString(value);
    case undefined:
      return Number.isInteger(value) ? integerText(value) : javaDoubleToString(value);
    default:
      return String(value);
  }
}

/** Quotes an embedded string; only `"` is escaped, as Connect does. */
function quote(text: string): string {
  return `"${text.replaceAll('"', '\\"')}"`;
}
