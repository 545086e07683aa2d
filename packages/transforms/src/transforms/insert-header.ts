import {
  ConfigDef,
  parseString,
  type ConnectRecord,
  type SchemaAndValue,
  type Transformation,
} from '@sluice/sdk';
import { Configurable } from '../base/configurable.js';
import { nonNull } from '../config/validators.js';

const HEADER = 'header';
const VALUE_LITERAL = 'value.literal';

const CONFIG_DEF = new ConfigDef()
  .define({
    name: HEADER,
    type: 'STRING',
    validator: nonNull(),
    importance: 'HIGH',
    documentation: 'Name of the header to add.',
  })
  .define({
    name: VALUE_LITERAL,
    type: 'STRING',
    validator: nonNull(),
    importance: 'HIGH',
    documentation:
      "The header's value, as text; its type is inferred as the SimpleHeaderConverter infers it (123 is a " +
      'number, true a boolean, anything unrecognised a string).',
  });

interface Settings {
  readonly header: string;
  readonly value: SchemaAndValue;
}

/** Adds a header with a fixed value to every record (Apache's `InsertHeader`); existing headers are kept. */
export class InsertHeader extends Configurable<Settings> implements Transformation {
  config(): ConfigDef {
    return CONFIG_DEF;
  }

  protected settingsFrom(props: Readonly<Record<string, unknown>>): Settings {
    const config = CONFIG_DEF.parse(props);
    return { header: config.get(HEADER), value: parseString(config.get(VALUE_LITERAL)) };
  }

  apply<R extends ConnectRecord>(record: R): R {
    const { header, value } = this.settings;
    const headers = record.headers.duplicate().add(header, value.schema, value.value);
    return record.newRecord({ headers });
  }
}
