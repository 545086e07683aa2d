/**
 * Connect's data model: a schema describes a value, and the same shapes travel through converters, transforms
 * and tasks. Values of each type:
 *
 * | type | JavaScript value |
 * | --- | --- |
 * | INT8, INT16, INT32 | `number` (an integer in range) |
 * | INT64 | `bigint` (exact over the whole 64-bit range; a `number` loses precision past 2^53) |
 * | FLOAT32, FLOAT64 | `number` |
 * | BOOLEAN | `boolean` |
 * | STRING | `string` |
 * | BYTES | `Buffer` (any `Uint8Array` is accepted) |
 * | ARRAY | an array |
 * | MAP | a `Map` (keys may be any schema type, as in Connect) |
 * | STRUCT | a {@link Struct} |
 *
 * Logical types change the JavaScript value: Decimal is a {@link DecimalValue}, Date/Time/Timestamp a `Date`.
 */
export type SchemaType =
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FLOAT32'
  | 'FLOAT64'
  | 'BOOLEAN'
  | 'STRING'
  | 'BYTES'
  | 'ARRAY'
  | 'MAP'
  | 'STRUCT';

export const SCHEMA_TYPES: readonly SchemaType[] = [
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FLOAT32',
  'FLOAT64',
  'BOOLEAN',
  'STRING',
  'BYTES',
  'ARRAY',
  'MAP',
  'STRUCT',
];

/** A field of a STRUCT schema. */
export interface Field {
  readonly name: string;
  /** Position in the struct, from 0. */
  readonly index: number;
  readonly schema: Schema;
}

/** An immutable schema; build one with `SchemaBuilder` or use the predefined `Schema.*_SCHEMA`. */
export interface Schema {
  readonly type: SchemaType;
  readonly optional: boolean;
  /** The value used in place of null; `null` when there is none. */
  readonly defaultValue: unknown;
  readonly name: string | null;
  readonly version: number | null;
  readonly doc: string | null;
  readonly parameters: Readonly<Record<string, string>> | null;
  /** Fields of a STRUCT, in order; empty for other types. */
  readonly fields: readonly Field[];
  /** Key schema of a MAP; null for other types (and for a MAP whose keys were inferred as mixed). */
  readonly keySchema: Schema | null;
  /** Element schema of an ARRAY or value schema of a MAP; null for other types (or when inferred as mixed). */
  readonly valueSchema: Schema | null;
  /** The field of a STRUCT by name, or null. */
  field(name: string): Field | null;
}

export interface ConnectSchemaInit {
  type: SchemaType;
  optional?: boolean;
  defaultValue?: unknown;
  name?: string | null;
  version?: number | null;
  doc?: string | null;
  parameters?: Readonly<Record<string, string>> | null;
  fields?: readonly Field[];
  keySchema?: Schema | null;
  valueSchema?: Schema | null;
}

/** The frozen implementation of {@link Schema}. Prefer `SchemaBuilder`, which validates the default value. */
export class ConnectSchema implements Schema {
  readonly type: SchemaType;
  readonly optional: boolean;
  readonly defaultValue: unknown;
  readonly name: string | null;
  readonly version: number | null;
  readonly doc: string | null;
  readonly parameters: Readonly<Record<string, string>> | null;
  readonly fields: readonly Field[];
  readonly keySchema: Schema | null;
  readonly valueSchema: Schema | null;
  readonly #byName: ReadonlyMap<string, Field>;

  constructor(init: ConnectSchemaInit) {
    this.type = init.type;
    this.optional = init.optional ?? false;
    this.defaultValue = init.defaultValue ?? null;
    this.name = init.name ?? null;
    this.version = init.version ?? null;
    this.doc = init.doc ?? null;
    this.parameters = init.parameters ? Object.freeze({ ...init.parameters }) : null;
    this.fields = Object.freeze([...(init.fields ?? [])]);
    this.keySchema = init.keySchema ?? null;
    this.valueSchema = init.valueSchema ?? null;
    this.#byName = new Map(this.fields.map((f) => [f.name, f]));
    Object.freeze(this);
  }

  field(name: string): Field | null {
    return this.#byName.get(name) ?? null;
  }

  toString(): string {
    return this.name === null ? `Schema{${this.type}}` : `Schema{${this.name}:${this.type}}`;
  }
}

/** Structural equality of two schemas (Connect's `ConnectSchema.equals`), default values included. */
export function schemaEquals(a: Schema | null, b: Schema | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return (
    a.type === b.type &&
    a.optional === b.optional &&
    a.name === b.name &&
    a.version === b.version &&
    a.doc === b.doc &&
    recordEquals(a.parameters, b.parameters) &&
    valueEquals(a.defaultValue, b.defaultValue) &&
    a.fields.length === b.fields.length &&
    a.fields.every((f, i) => {
      const other = b.fields[i];
      return other !== undefined && f.name === other.name && schemaEquals(f.schema, other.schema);
    }) &&
    schemaEquals(a.keySchema, b.keySchema) &&
    schemaEquals(a.valueSchema, b.valueSchema)
  );
}

function recordEquals(a: Readonly<Record<string, string>> | null, b: Readonly<Record<string, string>> | null) {
  if (a === b) return true;
  if (a === null || b === null) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** Deep equality of Connect values: bytes by content, maps by entries, structs by schema and values. */
export function valueEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => valueEquals(v, b[i]));
  }
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    const entries = [...b.entries()];
    return [...a.entries()].every(([k, v]) => entries.some(([k2, v2]) => valueEquals(k, k2) && valueEquals(v, v2)));
  }
  const equals = (a as { equals?: unknown }).equals;
  if (typeof equals === 'function') return (equals as (o: unknown) => boolean).call(a, b);
  return false;
}

function predefined(type: SchemaType, optional: boolean): Schema {
  return new ConnectSchema({ type, optional });
}

/** Predefined schemas of the primitive types, required and optional (Connect's `Schema.*_SCHEMA`). */
export const Schema = Object.freeze({
  INT8_SCHEMA: predefined('INT8', false),
  INT16_SCHEMA: predefined('INT16', false),
  INT32_SCHEMA: predefined('INT32', false),
  INT64_SCHEMA: predefined('INT64', false),
  FLOAT32_SCHEMA: predefined('FLOAT32', false),
  FLOAT64_SCHEMA: predefined('FLOAT64', false),
  BOOLEAN_SCHEMA: predefined('BOOLEAN', false),
  STRING_SCHEMA: predefined('STRING', false),
  BYTES_SCHEMA: predefined('BYTES', false),
  OPTIONAL_INT8_SCHEMA: predefined('INT8', true),
  OPTIONAL_INT16_SCHEMA: predefined('INT16', true),
  OPTIONAL_INT32_SCHEMA: predefined('INT32', true),
  OPTIONAL_INT64_SCHEMA: predefined('INT64', true),
  OPTIONAL_FLOAT32_SCHEMA: predefined('FLOAT32', true),
  OPTIONAL_FLOAT64_SCHEMA: predefined('FLOAT64', true),
  OPTIONAL_BOOLEAN_SCHEMA: predefined('BOOLEAN', true),
  OPTIONAL_STRING_SCHEMA: predefined('STRING', true),
  OPTIONAL_BYTES_SCHEMA: predefined('BYTES', true),
});
