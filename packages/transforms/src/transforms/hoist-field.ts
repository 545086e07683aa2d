import { ConfigDef, SchemaBuilder, Struct, type ConnectRecord } from '@sluice/sdk';
import { OperandTransformation } from '../base/operand-transformation.js';
import { SchemaCache } from '../data/schemas.js';

const FIELD = 'field';

const CONFIG_DEF = new ConfigDef().define({
  name: FIELD,
  type: 'STRING',
  importance: 'MEDIUM',
  documentation: 'Name of the one field of the new Struct or Map that holds the original key or value.',
});

interface Settings {
  readonly field: string;
}

/**
 * Wraps the key or value in a Struct (with a schema) or Map (without) of one field (Apache's `HoistField`),
 * e.g. to give a plain string value a name that later transforms can refer to.
 */
export class HoistField extends OperandTransformation<Settings> {
  readonly #schemas = new SchemaCache();

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  protected settingsFrom(props: Readonly<Record<string, unknown>>): Settings {
    return { field: CONFIG_DEF.parse(props).get(FIELD) };
  }

  apply<R extends ConnectRecord>(record: R): R {
    const { field } = this.settings;
    const schema = this.operand.schema(record);
    const value = this.operand.value(record);
    if (schema === null) return this.operand.replace(record, null, new Map([[field, value]]));
    const hoisted = this.#schemas.get(schema, (source) =>
      SchemaBuilder.struct().field(field, source).build(),
    );
    return this.operand.replace(record, hoisted, new Struct(hoisted).put(field, value));
  }
}
