import {
  ConfigDef,
  DataError,
  SchemaBuilder,
  Struct,
  type ConnectRecord,
  type Transformation,
} from '@sluice/sdk';
import { Configurable } from '../base/configurable.js';
import { nonEmptyList } from '../config/validators.js';
import { requireMap, requireStruct } from '../data/requirements.js';
import { mapGet, mapOfKind } from '../data/schemaless-map.js';
import { SchemaCache } from '../data/schemas.js';

const FIELDS = 'fields';
const PURPOSE = 'copying fields from value to key';

const CONFIG_DEF = new ConfigDef().define({
  name: FIELDS,
  type: 'LIST',
  validator: nonEmptyList(),
  importance: 'HIGH',
  documentation: 'Fields of the value to copy, in this order, into the new key.',
});

interface Settings {
  readonly fields: readonly string[];
}

/** Replaces the key with a Struct or Map of some of the value's fields (Apache's `ValueToKey`). */
export class ValueToKey extends Configurable<Settings> implements Transformation {
  readonly #schemas = new SchemaCache();

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  protected settingsFrom(props: Readonly<Record<string, unknown>>): Settings {
    return { fields: CONFIG_DEF.parse(props).get(FIELDS) };
  }

  apply<R extends ConnectRecord>(record: R): R {
    const { fields } = this.settings;
    if (record.valueSchema === null) {
      const value = requireMap(record.value, PURPOSE);
      const key = mapOfKind(
        value,
        fields.map((field) => [field, mapGet(value, field)]),
      );
      return record.newRecord({ keySchema: null, key });
    }
    const value = requireStruct(record.value, PURPOSE);
    const keySchema = this.#schemas.get(value.schema, (source) => {
      const builder = SchemaBuilder.struct();
      for (const name of fields) {
        const field = source.field(name);
        if (field === null) throw new DataError(`Field does not exist: ${name}`);
        builder.field(name, field.schema);
      }
      return builder.build();
    });
    const key = new Struct(keySchema);
    for (const field of fields) key.put(field, value.get(field));
    return record.newRecord({ keySchema, key });
  }
}
