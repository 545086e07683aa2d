import { ConnectDate, ConnectTime, ConnectTimestamp, Decimal, SchemaBuilder, type Schema, type Struct } from '@sluice/sdk';

/** Names of Connect's logical types, whose values are not of their schema type's plain kind. */
export const LOGICAL_TYPE_NAMES: ReadonlySet<string> = new Set([
  Decimal.LOGICAL_NAME,
  ConnectDate.LOGICAL_NAME,
  ConnectTime.LOGICAL_NAME,
  ConnectTimestamp.LOGICAL_NAME,
]);

/** Copies name, version, doc and parameters onto a builder (Connect's `SchemaUtil.copySchemaBasics`). */
export function copySchemaBasics(source: Schema, builder: SchemaBuilder): SchemaBuilder {
  if (source.name !== null) builder.name(source.name);
  if (source.version !== null) builder.version(source.version);
  if (source.doc !== null) builder.doc(source.doc);
  if (source.parameters !== null) builder.parameters(source.parameters);
  return builder;
}

/** A builder of the same type (and element schemas) as `source`, with its basics copied; no fields. */
export function builderLike(source: Schema): SchemaBuilder {
  const builder =
    source.type === 'ARRAY' || source.type === 'MAP'
      ? new SchemaBuilder(source.type, source.keySchema, source.valueSchema)
      : new SchemaBuilder(source.type);
  return copySchemaBasics(source, builder);
}

/**
 * A field's value, falling back to its schema's default only when `replaceNullWithDefault` is set (KIP-1040:
 * a transform must not turn an explicit null into the default when the converter was told not to).
 */
export function fieldValue(struct: Struct, name: string, replaceNullWithDefault: boolean): unknown {
  return replaceNullWithDefault ? struct.get(name) : struct.getWithoutDefault(name);
}

/**
 * Derived schemas by source schema, so a struct's new schema is built once per schema instead of per record.
 * Keyed by identity: converters reuse schema instances, and a weak key lets unused ones go.
 */
export class SchemaCache {
  readonly #cache = new WeakMap<Schema, Schema>();

  get(source: Schema, build: (source: Schema) => Schema): Schema {
    let derived = this.#cache.get(source);
    if (derived === undefined) {
      derived = build(source);
      this.#cache.set(source, derived);
    }
    return derived;
  }
}
