import {
  ConfigDef,
  ConnectTimestamp,
  Schema,
  SchemaBuilder,
  Struct,
  invalidValue,
  type ConnectRecord,
} from '@sluice/sdk';
import { OperandTransformation } from '../base/operand-transformation.js';
import { defineReplaceNullWithDefault, REPLACE_NULL_WITH_DEFAULT_CONFIG } from '../config/common-keys.js';
import { requireMap, requireSinkRecord, requireStruct } from '../data/requirements.js';
import { editableCopy, mapOfKind } from '../data/schemaless-map.js';
import { copySchemaBasics, fieldValue, SchemaCache } from '../data/schemas.js';

const TOPIC_FIELD = 'topic.field';
const PARTITION_FIELD = 'partition.field';
const OFFSET_FIELD = 'offset.field';
const TIMESTAMP_FIELD = 'timestamp.field';
const STATIC_FIELD = 'static.field';
const STATIC_VALUE = 'static.value';

const PURPOSE = 'field insertion';
const OPTIONALITY =
  'End the name with ! to make the inserted field required in the new schema, or ? (the default) to make it optional.';

function nameKey<const N extends string>(name: N, what: string) {
  return {
    name,
    type: 'STRING' as const,
    defaultValue: null,
    importance: 'MEDIUM' as const,
    documentation: `Name of the field to hold ${what}. ${OPTIONALITY}`,
  };
}

const CONFIG_DEF = defineReplaceNullWithDefault(
  new ConfigDef()
    .define(nameKey(TOPIC_FIELD, "the record's topic"))
    .define(nameKey(PARTITION_FIELD, "the record's Kafka partition"))
    .define(nameKey(OFFSET_FIELD, "the record's Kafka offset (sink connectors only)"))
    .define(nameKey(TIMESTAMP_FIELD, "the record's timestamp"))
    .define(nameKey(STATIC_FIELD, 'the static value'))
    .define({
      name: STATIC_VALUE,
      type: 'STRING',
      defaultValue: null,
      importance: 'MEDIUM',
      documentation: `The text to put in the field named by ${STATIC_FIELD}.`,
    }),
);

const OPTIONAL_TIMESTAMP_SCHEMA = ConnectTimestamp.builder().optional().build();

/** A field to insert: its name, and whether its schema is optional (`name?`, `name`) or required (`name!`). */
interface InsertionSpec {
  readonly name: string;
  readonly optional: boolean;
}

function insertionSpec(text: string | null): InsertionSpec | null {
  if (text === null) return null;
  if (text.endsWith('?')) return { name: text.slice(0, -1), optional: true };
  if (text.endsWith('!')) return { name: text.slice(0, -1), optional: false };
  return { name: text, optional: true };
}

interface Settings {
  readonly topic: InsertionSpec | null;
  readonly partition: InsertionSpec | null;
  readonly offset: InsertionSpec | null;
  readonly timestamp: InsertionSpec | null;
  readonly static: InsertionSpec | null;
  readonly staticValue: string | null;
  readonly replaceNullWithDefault: boolean;
}

/** A field the transform adds: its spec, its schema type, and its value in a given record (null to skip). */
interface Insertion {
  readonly spec: InsertionSpec;
  readonly required: Schema;
  readonly optional: Schema;
  /** The value to insert, in schemaless (`false`) or schema (`true`) form; null leaves the field unset. */
  value(record: ConnectRecord, withSchema: boolean): unknown;
}

/**
 * Adds fields from the record's metadata (topic, partition, offset, timestamp) or a static text to a
 * Struct or Map key/value (Apache's `InsertField`). Null keys/values (tombstones) pass unchanged.
 */
export class InsertField extends OperandTransformation<Settings> {
  readonly #schemas = new SchemaCache();

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  protected settingsFrom(props: Readonly<Record<string, unknown>>): Settings {
    const config = CONFIG_DEF.parse(props);
    const settings: Settings = {
      topic: insertionSpec(config.get(TOPIC_FIELD)),
      partition: insertionSpec(config.get(PARTITION_FIELD)),
      offset: insertionSpec(config.get(OFFSET_FIELD)),
      timestamp: insertionSpec(config.get(TIMESTAMP_FIELD)),
      static: insertionSpec(config.get(STATIC_FIELD)),
      staticValue: config.get(STATIC_VALUE),
      replaceNullWithDefault: config.get(REPLACE_NULL_WITH_DEFAULT_CONFIG),
    };
    if (
      !settings.topic &&
      !settings.partition &&
      !settings.offset &&
      !settings.timestamp &&
      !settings.static
    ) {
      throw invalidValue(
        TOPIC_FIELD,
        null,
        `No field insertion configured: set at least one of ${TOPIC_FIELD}, ${PARTITION_FIELD}, ${OFFSET_FIELD}, ${TIMESTAMP_FIELD} or ${STATIC_FIELD}`,
      );
    }
    if (settings.static && settings.staticValue === null) {
      throw invalidValue(STATIC_VALUE, null, `No value specified for static field: ${settings.static.name}`);
    }
    return settings;
  }

  apply<R extends ConnectRecord>(record: R): R {
    const value = this.operand.value(record);
    if (value === null) return record;
    return this.operand.schema(record) === null
      ? this.operand.replace(record, null, this.#insertSchemaless(record, value))
      : this.#applyWithSchema(record, value);
  }

  #insertions(): Insertion[] {
    const { topic, partition, offset, timestamp, static: constant, staticValue } = this.settings;
    const insertions: (Insertion | null)[] = [
      topic && {
        spec: topic,
        required: Schema.STRING_SCHEMA,
        optional: Schema.OPTIONAL_STRING_SCHEMA,
        value: (record) => record.topic,
      },
      partition && {
        spec: partition,
        required: Schema.INT32_SCHEMA,
        optional: Schema.OPTIONAL_INT32_SCHEMA,
        value: (record) => record.kafkaPartition,
      },
      offset && {
        spec: offset,
        required: Schema.INT64_SCHEMA,
        optional: Schema.OPTIONAL_INT64_SCHEMA,
        value: (record) => BigInt(requireSinkRecord(record, PURPOSE).kafkaOffset),
      },
      timestamp && {
        spec: timestamp,
        required: ConnectTimestamp.SCHEMA,
        optional: OPTIONAL_TIMESTAMP_SCHEMA,
        // Schemaless maps get the epoch milliseconds as a long; structs a Timestamp.
        value: (record, withSchema) =>
          record.timestamp === null
            ? null
            : withSchema
              ? new Date(record.timestamp)
              : BigInt(record.timestamp),
      },
      constant && {
        spec: constant,
        required: Schema.STRING_SCHEMA,
        optional: Schema.OPTIONAL_STRING_SCHEMA,
        value: () => staticValue,
      },
    ];
    return insertions.filter((insertion): insertion is Insertion => insertion !== null);
  }

  #insertSchemaless(record: ConnectRecord, value: unknown): unknown {
    const map = requireMap(value, PURPOSE);
    const updated = editableCopy(map);
    for (const insertion of this.#insertions()) {
      const inserted = insertion.value(record, false);
      if (inserted !== null) updated.set(insertion.spec.name, inserted);
    }
    return mapOfKind(map, updated);
  }

  #applyWithSchema<R extends ConnectRecord>(record: R, value: unknown): R {
    const struct = requireStruct(value, PURPOSE);
    const insertions = this.#insertions();
    const schema = this.#schemas.get(struct.schema, (source) => {
      const builder = copySchemaBasics(source, SchemaBuilder.struct());
      for (const field of source.fields) builder.field(field.name, field.schema);
      for (const { spec, required, optional } of insertions)
        builder.field(spec.name, spec.optional ? optional : required);
      return builder.build();
    });
    const updated = new Struct(schema);
    for (const field of struct.schema.fields)
      updated.put(field.name, fieldValue(struct, field.name, this.settings.replaceNullWithDefault));
    for (const insertion of insertions) {
      const inserted = insertion.value(record, true);
      if (inserted !== null) updated.put(insertion.spec.name, inserted);
    }
    return this.operand.replace(record, schema, updated);
  }
}
