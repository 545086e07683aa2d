import { ConfigDef, DataError, SchemaBuilder, Struct, type ConnectRecord, type Schema } from '@sluice/sdk';
import { OperandTransformation } from '../base/operand-transformation.js';
import { describeType } from '../data/describe-type.js';
import { requireMap, requireStructOrNull } from '../data/requirements.js';
import { isSchemalessMap, mapEntries, mapOfKind, type SchemalessMap } from '../data/schemaless-map.js';
import { builderLike, copySchemaBasics, SchemaCache } from '../data/schemas.js';

const DELIMITER = 'delimiter';
const PURPOSE = 'flattening';

const CONFIG_DEF = new ConfigDef().define({
  name: DELIMITER,
  type: 'STRING',
  defaultValue: '.',
  importance: 'MEDIUM',
  documentation: 'Text put between the names of a nested field and its parents to name the flattened field.',
});

interface Settings {
  readonly delimiter: string;
}

/**
 * Flattens nested Structs or Maps into one level, naming each field by its path joined with the delimiter
 * (`a.b.c`) (Apache's `Flatten`). Arrays are kept as they are. Null keys/values pass unchanged.
 */
export class Flatten extends OperandTransformation<Settings> {
  readonly #schemas = new SchemaCache();

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  protected settingsFrom(props: Readonly<Record<string, unknown>>): Settings {
    return { delimiter: CONFIG_DEF.parse(props).get(DELIMITER) };
  }

  apply<R extends ConnectRecord>(record: R): R {
    const value = this.operand.value(record);
    if (value === null) return record;
    const schema = this.operand.schema(record);
    if (schema === null) {
      const map = requireMap(value, PURPOSE);
      const flattened: [string, unknown][] = [];
      this.#flattenMap(map, '', flattened);
      return this.operand.replace(record, null, mapOfKind(map, flattened));
    }
    const struct = requireStructOrNull(value, PURPOSE);
    const flatSchema = this.#schemas.get(schema, (source) => {
      const builder = copySchemaBasics(source, SchemaBuilder.struct());
      this.#flattenSchema(source, '', builder, source.optional, source.defaultValue as Struct | null);
      return builder.build();
    });
    if (struct === null) return this.operand.replace(record, flatSchema, null);
    const flattened = new Struct(flatSchema);
    this.#flattenStruct(struct, '', flattened);
    return this.operand.replace(record, flatSchema, flattened);
  }

  #name(prefix: string, name: string): string {
    return prefix === '' ? name : `${prefix}${this.settings.delimiter}${name}`;
  }

  #flattenMap(map: SchemalessMap, prefix: string, into: [string, unknown][]): void {
    for (const [key, value] of mapEntries(map)) {
      const name = this.#name(prefix, String(key));
      if (isSchemalessMap(value)) this.#flattenMap(value, name, into);
      else if (value === null || isFlatSchemalessValue(value)) into.push([name, value]);
      else {
        throw new DataError(
          `Flatten transformation does not support ${describeType(value)} for record without schemas (for field ${name}).`,
        );
      }
    }
  }

  /** Adds the flattened fields of `schema`; a field is optional when it or any parent is, and keeps a default. */
  #flattenSchema(
    schema: Schema,
    prefix: string,
    into: SchemaBuilder,
    optional: boolean,
    parentDefault: Struct | null,
  ): void {
    for (const field of schema.fields) {
      const name = this.#name(prefix, field.name);
      const fieldOptional = optional || field.schema.optional;
      const defaultValue = field.schema.defaultValue ?? parentDefault?.get(field.name) ?? null;
      if (field.schema.type === 'STRUCT') {
        this.#flattenSchema(field.schema, name, into, fieldOptional, defaultValue as Struct | null);
        continue;
      }
      const builder = builderLike(field.schema);
      if (fieldOptional) builder.optional();
      if (defaultValue !== null) builder.defaultValue(defaultValue);
      into.field(name, builder.build());
    }
  }

  #flattenStruct(struct: Struct, prefix: string, into: Struct): void {
    for (const field of struct.schema.fields) {
      const name = this.#name(prefix, field.name);
      if (field.schema.type !== 'STRUCT') into.put(name, struct.get(field.name));
      else {
        const nested = struct.getStruct(field.name);
        if (nested !== null) this.#flattenStruct(nested, name, into);
      }
    }
  }
}

/** Values Flatten keeps as they are without a schema: primitives, bytes and arrays. */
function isFlatSchemalessValue(value: unknown): boolean {
  return (
    ['boolean', 'number', 'bigint', 'string'].includes(typeof value) ||
    value instanceof Uint8Array ||
    Array.isArray(value)
  );
}
