import type { Schema } from './schema.js';

/** A value with its schema, as a converter returns it; `schema` is null for schemaless data. */
export class SchemaAndValue {
  static readonly NULL = new SchemaAndValue(null, null);

  constructor(
    readonly schema: Schema | null,
    readonly value: unknown,
  ) {
    Object.freeze(this);
  }
}
