import {
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  DataError,
  DecimalValue,
  Struct,
  convertToString,
  type Schema,
  type SchemaType,
} from '@sluice/sdk';
import { describeType } from '../data/describe-type.js';
import { isJavaNumber, javaDoubleValue, javaIntegerValue } from '../data/java-numbers.js';
import { isSchemalessMap } from '../data/schemaless-map.js';

/** The types Cast converts to. */
export const CAST_TARGET_TYPES = [
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FLOAT32',
  'FLOAT64',
  'BOOLEAN',
  'STRING',
] as const;
export type CastTargetType = (typeof CAST_TARGET_TYPES)[number];

/** The types Cast converts from: the targets, and BYTES (to STRING only, as base64). */
const CAST_SOURCE_TYPES: ReadonlySet<SchemaType> = new Set<SchemaType>([...CAST_TARGET_TYPES, 'BYTES']);

const MS_PER_DAY = 86_400_000;

/** The schema type of a schemaless value, or null for a value outside Connect's data model (e.g. a Date). */
function schemalessType(value: unknown): SchemaType | null {
  if (typeof value === 'boolean') return 'BOOLEAN';
  if (typeof value === 'string') return 'STRING';
  if (typeof value === 'bigint') return 'INT64';
  if (typeof value === 'number') return Number.isInteger(value) ? 'INT64' : 'FLOAT64';
  if (value instanceof Uint8Array) return 'BYTES';
  if (value instanceof Struct) return 'STRUCT';
  if (Array.isArray(value)) return 'ARRAY';
  return isSchemalessMap(value) ? 'MAP' : null;
}

/** Date, Time and Timestamp values as their INT32/INT64 encoding, so they cast like numbers. */
function encodeLogical(schema: Schema, value: unknown): unknown {
  if (!(value instanceof Date)) return value;
  switch (schema.name) {
    case ConnectDate.LOGICAL_NAME:
      return ConnectDate.fromLogical(schema, value);
    case ConnectTime.LOGICAL_NAME:
      return ConnectTime.fromLogical(schema, value);
    case ConnectTimestamp.LOGICAL_NAME:
      return ConnectTimestamp.fromLogical(schema, value);
    default:
      return value;
  }
}

/**
 * A value converted to another primitive type as Apache's Cast converts it: numbers narrow like Java's
 * casts (wrapping), strings parse strictly, booleans are 1/0 and any non-zero integer part is true.
 */
export function castValue(schema: Schema | null, value: unknown, target: CastTargetType): unknown {
  if (value === null || value === undefined) return null;
  const sourceType = schema === null ? schemalessType(value) : schema.type;
  if (sourceType === null) {
    throw new DataError(
      `Cast transformation was passed a value of type ${describeType(value)} which is not supported by Connect's data API`,
    );
  }
  if (!CAST_SOURCE_TYPES.has(sourceType)) {
    throw new DataError(
      `Cast transformation does not support casting from ${sourceType}; supported types are [${[...CAST_SOURCE_TYPES].join(', ')}]`,
    );
  }
  const raw = schema?.name && target !== 'STRING' ? encodeLogical(schema, value) : value;
  // A JavaScript number is a Java float/double when its schema says so, or (schemaless) when it has a fraction.
  const floating =
    schema === null
      ? typeof raw === 'number' && !Number.isInteger(raw)
      : sourceType === 'FLOAT32' || sourceType === 'FLOAT64';
  switch (target) {
    case 'INT8':
    case 'INT16':
    case 'INT32':
    case 'INT64':
      return castToInteger(raw, target, floating);
    case 'FLOAT32':
      return Math.fround(castToDouble(raw));
    case 'FLOAT64':
      return castToDouble(raw);
    case 'BOOLEAN':
      return castToBoolean(raw, floating);
    case 'STRING':
      return castToString(schema, raw);
  }
}

function unexpected(value: unknown): DataError {
  return new DataError(`Unexpected type in Cast transformation: ${describeType(value)}`);
}

function outOfRange(value: unknown): DataError {
  return new DataError(`Value (${String(value)}) was out of range for requested data type`);
}

const INTEGER_TEXT = /^[+-]?\d+$/;
// What Java's Double.parseDouble reads (short of hexadecimal floats), after trimming.
const DOUBLE_TEXT = /^[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?)$/;

function castToInteger(
  value: unknown,
  type: 'INT8' | 'INT16' | 'INT32' | 'INT64',
  floating: boolean,
): number | bigint {
  if (isJavaNumber(value)) return javaIntegerValue(value, type, floating);
  if (typeof value === 'boolean') return type === 'INT64' ? BigInt(value) : Number(value);
  if (typeof value !== 'string') throw unexpected(value);
  // Java's Byte.parseByte … Long.parseLong: an optional sign and digits, in range, nothing else.
  if (!INTEGER_TEXT.test(value)) throw outOfRange(value);
  const parsed = BigInt(value);
  if (javaIntegerValue(parsed, type, false) !== (type === 'INT64' ? parsed : Number(parsed)))
    throw outOfRange(value);
  return type === 'INT64' ? parsed : Number(parsed);
}

function castToDouble(value: unknown): number {
  if (isJavaNumber(value)) return javaDoubleValue(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value !== 'string') throw unexpected(value);
  const text = value.trim();
  if (!DOUBLE_TEXT.test(text)) throw outOfRange(value);
  return Number(text.replace(/[fFdD]$/, ''));
}

function castToBoolean(value: unknown, floating: boolean): boolean {
  // Java tests `longValue() != 0`: 0.5 is false.
  if (isJavaNumber(value)) return javaIntegerValue(value, 'INT64', floating) !== 0n;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.toLowerCase() === 'true';
  throw unexpected(value);
}

function castToString(schema: Schema | null, value: unknown): string {
  if (value instanceof Date) return isoText(value);
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (value instanceof DecimalValue) return value.toString();
  return convertToString(schema, value) ?? '';
}

/** A date as Connect's `Values.dateFormatFor` writes it: a time, a date or a timestamp, by its value. */
function isoText(date: Date): string {
  const iso = date.toISOString();
  const ms = date.getTime();
  if (ms < MS_PER_DAY) return iso.slice(11);
  return ms % MS_PER_DAY === 0 ? iso.slice(0, 10) : iso;
}
