import { ConfigDef, ConnectSchema, Struct, invalidValue, type ConnectRecord, type Schema } from '@sluice/sdk';
import { OperandTransformation } from '../base/operand-transformation.js';
import { defineReplaceNullWithDefault, REPLACE_NULL_WITH_DEFAULT_CONFIG } from '../config/common-keys.js';
import { requireSchema } from '../data/requirements.js';
import { fieldValue } from '../data/schemas.js';

const SCHEMA_NAME = 'schema.name';
const SCHEMA_VERSION = 'schema.version';
const PURPOSE = 'updating schema metadata';

const CONFIG_DEF = defineReplaceNullWithDefault(
  new ConfigDef()
    .define({
      name: SCHEMA_NAME,
      type: 'STRING',
      defaultValue: null,
      importance: 'HIGH',
      documentation: 'The name to give the schema; unset keeps the current name.',
    })
    .define({
      name: SCHEMA_VERSION,
      type: 'INT',
      defaultValue: null,
      importance: 'HIGH',
      documentation: 'The version to give the schema; unset keeps the current version.',
    }),
);

interface Settings {
  readonly name: string | null;
  readonly version: number | null;
  readonly replaceNullWithDefault: boolean;
}

/**
 * Sets the name and/or version of the key or value schema (Apache's `SetSchemaMetadata`); everything else
 * about the schema, and the data, stay the same. A Struct is rebuilt on the renamed schema.
 */
export class SetSchemaMetadata extends OperandTransformation<Settings> {
  config(): ConfigDef {
    return CONFIG_DEF;
  }

  protected settingsFrom(props: Readonly<Record<string, unknown>>): Settings {
    const config = CONFIG_DEF.parse(props);
    const settings = {
      name: config.get(SCHEMA_NAME),
      version: config.get(SCHEMA_VERSION),
      replaceNullWithDefault: config.get(REPLACE_NULL_WITH_DEFAULT_CONFIG),
    };
    if (settings.name === null && settings.version === null) {
      throw invalidValue(
        SCHEMA_NAME,
        null,
        `Neither schema name nor version configured: set ${SCHEMA_NAME} or ${SCHEMA_VERSION}`,
      );
    }
    return settings;
  }

  apply<R extends ConnectRecord>(record: R): R {
    const schema = requireSchema(this.operand.schema(record), PURPOSE);
    const { name, version } = this.settings;
    const updated = new ConnectSchema({
      type: schema.type,
      optional: schema.optional,
      defaultValue: schema.defaultValue,
      name: name ?? schema.name,
      version: version ?? schema.version,
      doc: schema.doc,
      parameters: schema.parameters,
      fields: schema.fields,
      keySchema: schema.type === 'MAP' ? schema.keySchema : null,
      valueSchema: schema.type === 'MAP' || schema.type === 'ARRAY' ? schema.valueSchema : null,
    });
    return this.operand.replace(record, updated, this.#onSchema(this.operand.value(record), updated));
  }

  /** A Struct rebuilt on the updated schema (a Struct carries its schema); any other value as it is. */
  #onSchema(value: unknown, schema: Schema): unknown {
    if (!(value instanceof Struct)) return value;
    const updated = new Struct(schema);
    for (const field of schema.fields)
      updated.put(field.name, fieldValue(value, field.name, this.settings.replaceNullWithDefault));
    return updated;
  }
}
