import {
  ConfigDef,
  SchemaBuilder,
  Struct,
  ValidString,
  invalidValue,
  type ConnectRecord,
  type Schema,
} from '@sluice/sdk';
import { OperandTransformation } from '../base/operand-transformation.js';
import { defineReplaceNullWithDefault, REPLACE_NULL_WITH_DEFAULT_CONFIG } from '../config/common-keys.js';
import { requireMap, requireStructOrNull } from '../data/requirements.js';
import { editableCopy, mapGet, mapOfKind } from '../data/schemaless-map.js';
import { copySchemaBasics, fieldValue, SchemaCache } from '../data/schemas.js';
import { SimpleDateFormat } from '../java/simple-date-format.js';
import {
  TIMESTAMP_TYPES,
  TRANSLATORS,
  UNIX_PRECISIONS,
  timestampTypeOfSchema,
  timestampTypeOfValue,
  type TimestampSettings,
  type TimestampType,
  type UnixPrecision,
} from './timestamp-types.js';

const FIELD = 'field';
const TARGET_TYPE = 'target.type';
const FORMAT = 'format';
const UNIX_PRECISION = 'unix.precision';
const PURPOSE = 'converting timestamp formats';

const CONFIG_DEF = defineReplaceNullWithDefault(
  new ConfigDef()
    .define({
      name: FIELD,
      type: 'STRING',
      defaultValue: '',
      importance: 'HIGH',
      documentation: 'The field holding the timestamp; empty when the whole key or value is the timestamp.',
    })
    .define({
      name: TARGET_TYPE,
      type: 'STRING',
      validator: ValidString.in(...TIMESTAMP_TYPES),
      importance: 'HIGH',
      documentation:
        'The representation to convert to: string (formatted with format), unix (a long in unix.precision ' +
        'units since the epoch), or the Connect logical types Date, Time or Timestamp.',
    })
    .define({
      name: FORMAT,
      type: 'STRING',
      defaultValue: '',
      importance: 'MEDIUM',
      documentation:
        'A java.text.SimpleDateFormat pattern (evaluated in UTC), to write timestamps when target.type is ' +
        'string and to read timestamps that are strings.',
    })
    .define({
      name: UNIX_PRECISION,
      type: 'STRING',
      defaultValue: 'milliseconds',
      validator: ValidString.in(...UNIX_PRECISIONS),
      importance: 'LOW',
      documentation:
        'The unit of Unix timestamps, written when target.type is unix and read from longs: seconds, ' +
        'milliseconds, microseconds or nanoseconds. Units below a millisecond are truncated.',
    }),
);

interface Settings extends TimestampSettings {
  /** Empty for the whole key or value. */
  readonly field: string;
  readonly target: TimestampType;
  readonly replaceNullWithDefault: boolean;
}

/**
 * Converts a timestamp, the whole key/value or one field of a Struct or Map, between text, Unix time and the
 * Date, Time and Timestamp logical types (Apache's `TimestampConverter`). Null timestamps stay null.
 */
export class TimestampConverter extends OperandTransformation<Settings> {
  readonly #schemas = new SchemaCache();

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  protected settingsFrom(props: Readonly<Record<string, unknown>>): Settings {
    const config = CONFIG_DEF.parse(props);
    const target = config.get(TARGET_TYPE) as TimestampType;
    const pattern = config.get(FORMAT);
    if (target === 'string' && pattern.trim() === '') {
      throw invalidValue(
        FORMAT,
        pattern,
        'TimestampConverter requires format option to be specified when using string timestamps',
      );
    }
    return {
      field: config.get(FIELD),
      target,
      format: pattern.trim() === '' ? null : compileFormat(pattern),
      unixPrecision: config.get(UNIX_PRECISION) as UnixPrecision,
      replaceNullWithDefault: config.get(REPLACE_NULL_WITH_DEFAULT_CONFIG),
    };
  }

  apply<R extends ConnectRecord>(record: R): R {
    const { field, target } = this.settings;
    const schema = this.operand.schema(record);
    const value = this.operand.value(record);
    if (schema === null) {
      if (value === null || field === '')
        return this.operand.replace(record, null, this.#convert(value, null));
      const map = requireMap(value, PURPOSE);
      const updated = editableCopy(map);
      updated.set(field, this.#convert(mapGet(map, field), null));
      return this.operand.replace(record, null, mapOfKind(map, updated));
    }
    if (field === '') {
      const converted = this.#convert(value, timestampTypeOfSchema(schema));
      return this.operand.replace(record, TRANSLATORS[target].schema(schema.optional), converted);
    }
    const struct = requireStructOrNull(value, PURPOSE);
    const updatedSchema = this.#schemas.get(schema, (source) => this.#convertedSchema(source));
    return this.operand.replace(record, updatedSchema, struct && this.#convertStruct(struct, updatedSchema));
  }

  /** A timestamp in the target representation; `from` is null when it must be inferred from the value. */
  #convert(value: unknown, from: TimestampType | null): unknown {
    if (value === null) return null;
    const date = TRANSLATORS[from ?? timestampTypeOfValue(value)].toDate(value, this.settings);
    return TRANSLATORS[this.settings.target].fromDate(date, this.settings);
  }

  #convertedSchema(source: Schema): Schema {
    const { field, target } = this.settings;
    const builder = copySchemaBasics(source, SchemaBuilder.struct());
    for (const f of source.fields)
      builder.field(f.name, f.name === field ? TRANSLATORS[target].schema(f.schema.optional) : f.schema);
    if (source.optional) builder.optional();
    if (source.defaultValue !== null)
      builder.defaultValue(this.#convertStruct(source.defaultValue as Struct, builder.build()));
    return builder.build();
  }

  #convertStruct(struct: Struct, updatedSchema: Schema): Struct {
    const { field, replaceNullWithDefault } = this.settings;
    const updated = new Struct(updatedSchema);
    for (const f of struct.schema.fields) {
      const original = fieldValue(struct, f.name, replaceNullWithDefault);
      updated.put(
        f.name,
        f.name === field ? this.#convert(original, timestampTypeOfSchema(f.schema)) : original,
      );
    }
    return updated;
  }
}

function compileFormat(pattern: string): SimpleDateFormat {
  try {
    return new SimpleDateFormat(pattern);
  } catch (error) {
    throw invalidValue(
      FORMAT,
      pattern,
      `TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: ${(error as Error).message}`,
    );
  }
}
