import { DataError } from '../errors.js';
import { DecimalValue } from './decimal-value.js';
import {
  DATE_LOGICAL_NAME,
  DECIMAL_LOGICAL_NAME,
  TIME_LOGICAL_NAME,
  TIMESTAMP_LOGICAL_NAME,
} from './logical-names.js';
import { schemaEquals, type Schema, type SchemaType } from './schema.js';
import { Struct } from './struct.js';

const INT_RANGES: Partial<Record<SchemaType, readonly [number, number]>> = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
};
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A short description of a JavaScript value's type for error messages (Java prints the class). */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (Buffer.isBuffer(value)) return 'Buffer';
  if (typeof value === 'object') return (value.constructor as { name?: string } | undefined)?.name ?? 'object';
  return typeof value;
}

function isValidOfType(type: SchemaType, value: unknown): boolean {
  switch (type) {
    case 'INT8':
    case 'INT16':
    case 'INT32': {
      const [min, max] = INT_RANGES[type] ?? [0, 0];
      return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
    }
    case 'INT64':
      return typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX;
    case 'FLOAT32':
    case 'FLOAT64':
      return typeof value === 'number';
    case 'BOOLEAN':
      return typeof value === 'boolean';
    case 'STRING':
      return typeof value === 'string';
    case 'BYTES':
      return value instanceof Uint8Array;
    case 'ARRAY':
      return Array.isArray(value);
    case 'MAP':
      return value instanceof Map;
    case 'STRUCT':
      return value instanceof Struct;
  }
}

function isValidLogical(name: string, value: unknown): boolean | undefined {
  switch (name) {
    case DECIMAL_LOGICAL_NAME:
      return value instanceof DecimalValue;
    case DATE_LOGICAL_NAME:
    case TIME_LOGICAL_NAME:
    case TIMESTAMP_LOGICAL_NAME:
      return value instanceof Date;
    default:
      return undefined;
  }
}

/**
 * Checks a value against a schema, recursively (Connect's `ConnectSchema.validateValue`). Null is valid when
 * the schema is optional or has a default. Throws a {@link DataError} naming the field.
 */
export function validateValue(schema: Schema, value: unknown, field: string | null = null): void {
  const where = field === null ? '' : ` for field: "${field}"`;
  if (value === null || value === undefined) {
    if (schema.optional || schema.defaultValue !== null) return;
    throw new DataError(
      field === null
        ? `Invalid value: null used for required schema type: ${schema.type}`
        : `Invalid value: null used for required field: "${field}", schema type: ${schema.type}`,
    );
  }
  const logical = schema.name === null ? undefined : isValidLogical(schema.name, value);
  if (logical === false || (logical === undefined && !isValidOfType(schema.type, value))) {
    const named = schema.name === null ? '' : ` "${schema.name}"`;
    throw new DataError(
      `Invalid value for schema${named} with type ${schema.type}: ${describeType(value)}${where}`,
    );
  }
  if (logical) return;
  switch (schema.type) {
    case 'ARRAY':
      if (schema.valueSchema) for (const item of value as unknown[]) validateValue(schema.valueSchema, item, field);
      return;
    case 'MAP':
      for (const [k, v] of value as Map<unknown, unknown>) {
        if (schema.keySchema) validateValue(schema.keySchema, k, field);
        if (schema.valueSchema) validateValue(schema.valueSchema, v, field);
      }
      return;
    case 'STRUCT': {
      const struct = value as Struct;
      if (!schemaEquals(struct.schema, schema)) throw new DataError('Struct schemas do not match.');
      struct.validate();
      return;
    }
    default:
      return;
  }
}
