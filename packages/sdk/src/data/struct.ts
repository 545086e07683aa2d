import { DataError } from '../errors.js';
import type { DecimalValue } from './decimal-value.js';
import { schemaEquals, valueEquals, type Field, type Schema, type SchemaType } from './schema.js';
import { validateValue } from './validate-value.js';

/**
 * A value of a STRUCT schema (Connect's `Struct`). `put` validates each value against its field's schema;
 * `validate` checks that every required field is set, which a converter or the runtime calls before use.
 */
export class Struct {
  readonly schema: Schema;
  readonly #values: unknown[];

  constructor(schema: Schema) {
    if (schema.type !== 'STRUCT') throw new DataError(`Not a struct schema: ${schema.type}`);
    this.schema = schema;
    this.#values = new Array<unknown>(schema.fields.length).fill(null);
  }

  #lookup(name: string): Field {
    const field = this.schema.field(name);
    if (field === null) throw new DataError(`${name} is not a valid field name`);
    return field;
  }

  /** Sets a field after validating the value against the field's schema. Returns this struct. */
  put(fieldName: string, value: unknown): this {
    const field = this.#lookup(fieldName);
    validateValue(field.schema, value, field.name);
    this.#values[field.index] = value ?? null;
    return this;
  }

  /** A field's value, or its schema's default when the value is null. */
  get(fieldName: string): unknown {
    const field = this.#lookup(fieldName);
    return this.#values[field.index] ?? field.schema.defaultValue ?? null;
  }

  /** A field's value as set, without falling back to the default. */
  getWithoutDefault(fieldName: string): unknown {
    return this.#values[this.#lookup(fieldName).index] ?? null;
  }

  #typed<T>(fieldName: string, type: SchemaType): T {
    const field = this.#lookup(fieldName);
    if (field.schema.type !== type) {
      throw new DataError(`Field '${fieldName}' is not of type ${type}, but ${field.schema.type}`);
    }
    return this.get(fieldName) as T;
  }

  getInt8(name: string): number | null {
    return this.#typed(name, 'INT8');
  }
  getInt16(name: string): number | null {
    return this.#typed(name, 'INT16');
  }
  getInt32(name: string): number | null {
    return this.#typed(name, 'INT32');
  }
  getInt64(name: string): bigint | null {
    return this.#typed(name, 'INT64');
  }
  getFloat32(name: string): number | null {
    return this.#typed(name, 'FLOAT32');
  }
  getFloat64(name: string): number | null {
    return this.#typed(name, 'FLOAT64');
  }
  getBoolean(name: string): boolean | null {
    return this.#typed(name, 'BOOLEAN');
  }
  getString(name: string): string | null {
    return this.#typed(name, 'STRING');
  }
  getBytes(name: string): Buffer | null {
    const value = this.#typed<Uint8Array | DecimalValue | null>(name, 'BYTES');
    return value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : null;
  }
  getArray<T = unknown>(name: string): T[] | null {
    return this.#typed(name, 'ARRAY');
  }
  getMap<K = unknown, V = unknown>(name: string): Map<K, V> | null {
    return this.#typed(name, 'MAP');
  }
  getStruct(name: string): Struct | null {
    return this.#typed(name, 'STRUCT');
  }

  /** Throws a {@link DataError} if a field's value does not match its schema, e.g. a required field is unset. */
  validate(): void {
    for (const field of this.schema.fields) validateValue(field.schema, this.#values[field.index], field.name);
  }

  equals(other: unknown): boolean {
    return (
      other instanceof Struct &&
      schemaEquals(this.schema, other.schema) &&
      this.#values.every((v, i) => valueEquals(v, other.#values[i]))
    );
  }

  /** `Struct{name=value,…}` with the fields that are set, as Connect prints it. */
  toString(): string {
    const parts = this.schema.fields
      .filter((f) => this.#values[f.index] !== null)
      .map((f) => `${f.name}=${String(this.#values[f.index])}`);
    return `Struct{${parts.join(',')}}`;
  }
}
