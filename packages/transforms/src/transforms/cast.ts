import { ConfigDef, SCHEMA_TYPES, SchemaBuilder, Struct, type ConnectRecord, type Schema } from '@sluice/sdk';
import { OperandTransformation } from '../base/operand-transformation.js';
import { defineReplaceNullWithDefault, REPLACE_NULL_WITH_DEFAULT_CONFIG } from '../config/common-keys.js';
import { listParsedBy } from '../config/validators.js';
import { requireMap, requireStruct } from '../data/requirements.js';
import { editableCopy, mapGet, mapOfKind } from '../data/schemaless-map.js';
import { copySchemaBasics, fieldValue, LOGICAL_TYPE_NAMES, SchemaCache } from '../data/schemas.js';
import { splitLikeJava } from '../java/split.js';
import { CAST_TARGET_TYPES, castValue, type CastTargetType } from './cast-value.js';

const SPEC = 'spec';
const PURPOSE = 'cast types';

/** What `spec` asks for: one type for the whole value, or a type per field. */
type CastSpec = { readonly whole: CastTargetType } | { readonly fields: ReadonlyMap<string, CastTargetType> };

/** The cast type `text` names, or why it names none. */
function targetType(text: string): { type: CastTargetType } | { error: string } {
  const name = text.trim().toUpperCase();
  const type = CAST_TARGET_TYPES.find((candidate) => candidate === name);
  if (type !== undefined) return { type };
  if (!(SCHEMA_TYPES as readonly string[]).includes(name))
    return { error: `Invalid type found in casting spec: ${text.trim()}` };
  return {
    error: `Cast transformation does not support casting to ${name}; supported types are [${CAST_TARGET_TYPES.join(', ')}]`,
  };
}

/** The spec, or the message for what is wrong with it. */
function parseSpec(entries: readonly string[]): CastSpec | string {
  if (entries.length === 0) return 'Must specify at least one field to cast.';
  const fields = new Map<string, CastTargetType>();
  let whole: CastTargetType | null = null;
  for (const entry of entries) {
    const parts = splitLikeJava(entry, ':');
    if (parts.length > 2) return `Invalid cast mapping: ${entry}`;
    const [first = '', second] = parts;
    const target = targetType(second ?? first);
    if ('error' in target) return target.error;
    if (second === undefined) whole = target.type;
    else fields.set(first.trim(), target.type);
  }
  if (whole !== null && entries.length > 1) {
    return 'Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec';
  }
  return whole === null ? { fields } : { whole };
}

const CONFIG_DEF = defineReplaceNullWithDefault(
  new ConfigDef().define({
    name: SPEC,
    type: 'LIST',
    validator: listParsedBy(parseSpec, 'list of colon-delimited pairs, e.g. foo:bar,abc:xyz'),
    importance: 'HIGH',
    documentation:
      'What to cast: field:type pairs separated by commas to cast fields of a Struct or Map, or a single type ' +
      'to cast the whole key or value. Types: int8, int16, int32, int64, float32, float64, boolean, string. ' +
      'Bytes can be cast only to string (base64).',
  }),
);

interface Settings {
  readonly spec: CastSpec;
  readonly replaceNullWithDefault: boolean;
}

/**
 * Casts fields of a Struct or Map, or the whole key/value, to another primitive type (Apache's `Cast`), e.g.
 * an int64 id to a string or a string flag to a boolean. Null keys/values pass unchanged.
 */
export class Cast extends OperandTransformation<Settings> {
  readonly #schemas = new SchemaCache();

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  protected settingsFrom(props: Readonly<Record<string, unknown>>): Settings {
    const config = CONFIG_DEF.parse(props);
    return {
      spec: parseSpec(config.get(SPEC)) as CastSpec,
      replaceNullWithDefault: config.get(REPLACE_NULL_WITH_DEFAULT_CONFIG),
    };
  }

  apply<R extends ConnectRecord>(record: R): R {
    const value = this.operand.value(record);
    if (value === null) return record;
    const { spec } = this.settings;
    const schema = this.operand.schema(record);
    if (schema === null) {
      if ('whole' in spec) return this.operand.replace(record, null, castValue(null, value, spec.whole));
      const map = requireMap(value, PURPOSE);
      const updated = editableCopy(map);
      // As Apache's: a cast field missing from the map is added with a null value.
      for (const [field, type] of spec.fields) updated.set(field, castValue(null, mapGet(map, field), type));
      return this.operand.replace(record, null, mapOfKind(map, updated));
    }
    const updatedSchema = this.#schemas.get(schema, (source) => this.#castSchema(source));
    if ('whole' in spec)
      return this.operand.replace(record, updatedSchema, castValue(schema, value, spec.whole));
    return this.operand.replace(
      record,
      updatedSchema,
      this.#castStruct(requireStruct(value, PURPOSE), updatedSchema),
    );
  }

  /** The struct with its fields cast, under the cast schema. */
  #castStruct(struct: Struct, updatedSchema: Schema): Struct {
    const { spec, replaceNullWithDefault } = this.settings;
    const casts = 'fields' in spec ? spec.fields : new Map<string, CastTargetType>();
    const updated = new Struct(updatedSchema);
    for (const field of struct.schema.fields) {
      const original = fieldValue(struct, field.name, replaceNullWithDefault);
      const type = casts.get(field.name);
      updated.put(field.name, type === undefined ? original : castValue(field.schema, original, type));
    }
    return updated;
  }

  #castSchema(source: Schema): Schema {
    const { spec } = this.settings;
    let builder: SchemaBuilder;
    if ('whole' in spec) {
      builder = new SchemaBuilder(spec.whole);
      // A logical type's name would misdescribe the cast value (a Timestamp name on a string).
      if (source.name === null || !LOGICAL_TYPE_NAMES.has(source.name)) copySchemaBasics(source, builder);
    } else {
      builder = copySchemaBasics(source, SchemaBuilder.struct());
      for (const field of source.fields) {
        const type = spec.fields.get(field.name);
        builder.field(field.name, type === undefined ? field.schema : castFieldSchema(field.schema, type));
      }
    }
    if (source.optional) builder.optional();
    if (source.defaultValue !== null) {
      builder.defaultValue(
        'whole' in spec
          ? castValue(source, source.defaultValue, spec.whole)
          : this.#castStruct(source.defaultValue as Struct, builder.build()),
      );
    }
    return builder.build();
  }
}

/** The schema of a cast field: the target type, keeping optionality and the cast default. */
function castFieldSchema(schema: Schema, type: CastTargetType): Schema {
  const builder = new SchemaBuilder(type);
  if (schema.optional) builder.optional();
  if (schema.defaultValue !== null) builder.defaultValue(castValue(schema, schema.defaultValue, type));
  return builder.build();
}
