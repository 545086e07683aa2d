import { DataError } from '../../errors.js';
import { DecimalValue } from '../../data/decimal-value.js';
import { integerText, javaDoubleToString, javaFloatToString } from '../../data/java-format.js';
import { ConnectDate, ConnectTime, ConnectTimestamp, Decimal } from '../../data/logical.js';
import {
  DATE_LOGICAL_NAME,
  DECIMAL_LOGICAL_NAME,
  TIME_LOGICAL_NAME,
  TIMESTAMP_LOGICAL_NAME,
} from '../../data/logical-names.js';
import { schemaEquals, type Schema, type SchemaType } from '../../data/schema.js';
import { Struct } from '../../data/struct.js';
import { describeType } from '../../data/validate-value.js';
import { isJsonObject, JsonNumber, type JsonNode, type JsonObject } from './json-text.js';

export interface JsonDataOptions {
  decimalFormat: 'BASE64' | 'NUMERIC';
  replaceNullWithDefault: boolean;
}

const INT_RANGES: Partial<Record<SchemaType, readonly [number, number]>> = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
};

function invalidType(type: string, value: unknown): DataError {
  return new DataError(`Invalid type for ${type}: ${describeType(value)}`);
}

function floatNode(value: number, text: string): JsonNode {
  // Jackson writes non-finite numbers as quoted strings by default.
  return Number.isFinite(value) ? new JsonNumber(text) : text;
}

/** The schema type of a schemaless value: integers are INT64, other numbers FLOAT64, objects MAP. */
function inferType(value: unknown): SchemaType {
  if (typeof value === 'boolean') return 'BOOLEAN';
  if (typeof value === 'string') return 'STRING';
  if (typeof value === 'bigint') return 'INT64';
  if (typeof value === 'number') return Number.isInteger(value) ? 'INT64' : 'FLOAT64';
  if (value instanceof Uint8Array) return 'BYTES';
  if (Array.isArray(value)) return 'ARRAY';
  if (value instanceof Struct) return 'STRUCT';
  if (value instanceof Map || Object.getPrototypeOf(value) === Object.prototype) return 'MAP';
  throw new DataError(`A value of type ${describeType(value)} does not have a corresponding schema type.`);
}

/** Connect data → JSON node (Connect's `JsonConverter.convertToJson`). */
export function toJson(schema: Schema | null, value: unknown, options: JsonDataOptions): JsonNode {
  if (value === null || value === undefined) {
    if (schema === null) return null;
    if (schema.defaultValue !== null && options.replaceNullWithDefault) {
      return toJson(schema, schema.defaultValue, options);
    }
    if (schema.optional) return null;
    throw new DataError('Conversion error: null value for field that is required and has no default value');
  }
  const logical = schema?.name ? logicalToJson(schema, value, options) : undefined;
  if (logical !== undefined) return logical;
  const type = schema?.type ?? inferType(value);
  switch (type) {
    case 'INT8':
    case 'INT16':
    case 'INT32':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidType(type, value);
      return new JsonNumber(String(value));
    case 'INT64':
      if (typeof value === 'bigint') return new JsonNumber(value.toString());
      if (schema === null && typeof value === 'number') return new JsonNumber(integerText(value));
      throw invalidType(type, value);
    case 'FLOAT32':
      if (typeof value !== 'number') throw invalidType(type, value);
      return floatNode(value, javaFloatToString(value));
    case 'FLOAT64':
      if (typeof value !== 'number') throw invalidType(type, value);
      return floatNode(value, javaDoubleToString(value));
    case 'BOOLEAN':
      if (typeof value !== 'boolean') throw invalidType(type, value);
      return value;
    case 'STRING':
      if (typeof value !== 'string') throw invalidType(type, value);
      return value;
    case 'BYTES':
      if (!(value instanceof Uint8Array)) throw invalidType(type, value);
      return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
    case 'ARRAY':
      if (!Array.isArray(value)) throw invalidType(type, value);
      return value.map((item) => toJson(schema?.valueSchema ?? null, item, options));
    case 'MAP':
      return mapToJson(schema, value, options);
    case 'STRUCT':
      return structToJson(schema, value, options);
  }
}

function mapToJson(schema: Schema | null, value: unknown, options: JsonDataOptions): JsonNode {
  if (value === null || typeof value !== 'object' || (schema !== null && !(value instanceof Map))) {
    throw invalidType('MAP', value);
  }
  const keySchema = schema?.keySchema ?? null;
  const valueSchema = schema?.valueSchema ?? null;
  // Iterated in place, without intermediate arrays: this runs for every record of a JSON converter.
  const entries: Iterable<[unknown, unknown]> =
    value instanceof Map ? (value as Map<unknown, unknown>) : Object.entries(value);
  // String keys make a JSON object; any other key type an array of [key, value] pairs.
  const asObject = schema === null ? allKeysAreStrings(entries) : keySchema?.type === 'STRING';
  if (asObject) {
    const json: JsonObject = new Map();
    for (const [k, v] of entries) json.set(String(k), toJson(valueSchema, v, options));
    return json;
  }
  const pairs: JsonNode[] = [];
  for (const [k, v] of entries) pairs.push([toJson(keySchema, k, options), toJson(valueSchema, v, options)]);
  return pairs;
}

function allKeysAreStrings(entries: Iterable<[unknown, unknown]>): boolean {
  for (const [k] of entries) if (typeof k !== 'string') return false;
  return true;
}

function structToJson(schema: Schema | null, value: unknown, options: JsonDataOptions): JsonNode {
  if (!(value instanceof Struct)) throw invalidType('STRUCT', value);
  if (schema !== null && !schemaEquals(value.schema, schema)) throw new DataError('Mismatching schema.');
  const json: JsonObject = new Map();
  for (const field of value.schema.fields) {
    const fieldValue = options.replaceNullWithDefault
      ? value.get(field.name)
      : value.getWithoutDefault(field.name);
    json.set(field.name, toJson(field.schema, fieldValue, options));
  }
  return json;
}

function logicalToJson(schema: Schema, value: unknown, options: JsonDataOptions): JsonNode | undefined {
  switch (schema.name) {
    case DECIMAL_LOGICAL_NAME: {
      if (!(value instanceof DecimalValue)) throw invalidType('Decimal', value);
      const bytes = Decimal.fromLogical(schema, value);
      return options.decimalFormat === 'NUMERIC'
        ? new JsonNumber(value.toString())
        : bytes.toString('base64');
    }
    case DATE_LOGICAL_NAME:
      if (!(value instanceof Date)) throw invalidType('Date', value);
      return new JsonNumber(String(ConnectDate.fromLogical(schema, value)));
    case TIME_LOGICAL_NAME:
      if (!(value instanceof Date)) throw invalidType('Time', value);
      return new JsonNumber(String(ConnectTime.fromLogical(schema, value)));
    case TIMESTAMP_LOGICAL_NAME:
      if (!(value instanceof Date)) throw invalidType('Timestamp', value);
      return new JsonNumber(ConnectTimestamp.fromLogical(schema, value).toString());
    default:
      return undefined;
  }
}

function nodeType(node: JsonNode | undefined): string {
  if (node === undefined) return 'MISSING';
  if (node === null) return 'NULL';
  if (node instanceof JsonNumber) return 'NUMBER';
  if (Array.isArray(node)) return 'ARRAY';
  if (isJsonObject(node)) return 'OBJECT';
  return typeof node === 'string' ? 'STRING' : 'BOOLEAN';
}

function mismatch(type: string, node: JsonNode | undefined): DataError {
  return new DataError(`Invalid JSON value for ${type}: expected ${type} but found ${nodeType(node)}`);
}

/** A schemaless JSON node as Connect data: integers INT64 (`bigint`), other numbers FLOAT64, objects `Map`s. */
function inferFromJson(node: JsonNode | undefined): unknown {
  if (node === null || node === undefined) return null;
  if (node instanceof JsonNumber) {
    // As Connect (Jackson's longValue), integers past the INT64 range wrap.
    return node.integral ? BigInt.asIntN(64, BigInt(node.text)) : Number(node.text);
  }
  if (Array.isArray(node)) return node.map(inferFromJson);
  if (isJsonObject(node)) {
    const map = new Map<string, unknown>();
    for (const [key, value] of node) map.set(key, inferFromJson(value));
    return map;
  }
  return node;
}

/** JSON node → Connect data (Connect's `JsonConverter.convertToConnect`); types are checked strictly. */
export function toConnect(
  schema: Schema | null,
  node: JsonNode | undefined,
  options: JsonDataOptions,
): unknown {
  if (schema === null) return inferFromJson(node);
  if (node === null || node === undefined) {
    if (schema.defaultValue !== null && options.replaceNullWithDefault) return schema.defaultValue;
    if (schema.optional) return null;
    throw new DataError(`Invalid null value for required ${schema.type} field`);
  }
  const logical = schema.name ? logicalToConnect(schema, node) : undefined;
  if (logical !== undefined) return logical;
  switch (schema.type) {
    case 'INT8':
    case 'INT16':
    case 'INT32': {
      const [min, max] = INT_RANGES[schema.type] ?? [0, 0];
      const n = node instanceof JsonNumber ? Number(node.text) : NaN;
      if (!Number.isInteger(n) || n < min || n > max) throw mismatch(schema.type, node);
      return n;
    }
    case 'INT64':
      return int64(node);
    case 'FLOAT32':
    case 'FLOAT64': {
      const n = node instanceof JsonNumber ? Number(node.text) : nonFinite(node);
      if (n === null) throw mismatch(schema.type, node);
      return schema.type === 'FLOAT32' ? Math.fround(n) : n;
    }
    case 'BOOLEAN':
      if (typeof node !== 'boolean') throw mismatch(schema.type, node);
      return node;
    case 'STRING':
      if (typeof node !== 'string') throw mismatch(schema.type, node);
      return node;
    case 'BYTES':
      if (typeof node !== 'string') throw mismatch(schema.type, node);
      return Buffer.from(node, 'base64');
    case 'ARRAY':
      if (!Array.isArray(node)) throw mismatch(schema.type, node);
      return node.map((item) => toConnect(schema.valueSchema, item, options));
    case 'MAP':
      return mapToConnect(schema, node, options);
    case 'STRUCT': {
      if (!isJsonObject(node)) {
        throw new DataError(`Structs should be encoded as JSON objects, but found ${nodeType(node)}`);
      }
      const struct = new Struct(schema);
      for (const field of schema.fields)
        struct.put(field.name, toConnect(field.schema, node.get(field.name), options));
      return struct;
    }
  }
}

function int64(node: JsonNode): bigint {
  if (node instanceof JsonNumber) {
    const value = node.integral
      ? BigInt(node.text)
      : Number.isInteger(Number(node.text))
        ? BigInt(Number(node.text))
        : null;
    if (value !== null && BigInt.asIntN(64, value) === value) return value;
  }
  throw mismatch('INT64', node);
}

function nonFinite(node: JsonNode): number | null {
  if (node === 'NaN') return NaN;
  if (node === 'Infinity') return Infinity;
  if (node === '-Infinity') return -Infinity;
  return null;
}

function mapToConnect(schema: Schema, node: JsonNode, options: JsonDataOptions): Map<unknown, unknown> {
  if (schema.keySchema?.type === 'STRING') {
    if (!isJsonObject(node)) throw mismatch('MAP', node);
    return new Map([...node].map(([k, v]) => [k, toConnect(schema.valueSchema, v, options)]));
  }
  if (!Array.isArray(node)) {
    throw new DataError(
      'Maps with non-string fields should be encoded as JSON array of tuples, but found ' + nodeType(node),
    );
  }
  return new Map(
    node.map((entry) => {
      if (!Array.isArray(entry))
        throw new DataError(`Found invalid map entry instead of array tuple: ${nodeType(entry)}`);
      if (entry.length !== 2)
        throw new DataError(`Found invalid map entry, expected length 2 but found :${entry.length}`);
      return [
        toConnect(schema.keySchema, entry[0], options),
        toConnect(schema.valueSchema, entry[1], options),
      ];
    }),
  );
}

function logicalToConnect(schema: Schema, node: JsonNode): unknown {
  const integral = node instanceof JsonNumber && node.integral ? node.text : null;
  switch (schema.name) {
    case DECIMAL_LOGICAL_NAME:
      if (node instanceof JsonNumber) return DecimalValue.parse(node.text).setScale(Decimal.scale(schema));
      if (typeof node === 'string') return Decimal.toLogical(schema, Buffer.from(node, 'base64'));
      throw new DataError(
        `Invalid type for Decimal, underlying representation should be numeric or bytes but was ${nodeType(node)}`,
      );
    case DATE_LOGICAL_NAME:
      if (integral === null) throw mismatch('Date', node);
      return ConnectDate.toLogical(schema, Number(integral));
    case TIME_LOGICAL_NAME:
      if (integral === null) throw mismatch('Time', node);
      return ConnectTime.toLogical(schema, Number(integral));
    case TIMESTAMP_LOGICAL_NAME:
      if (integral === null) throw mismatch('Timestamp', node);
      return ConnectTimestamp.toLogical(schema, BigInt(integral));
    default:
      return undefined;
  }
}
