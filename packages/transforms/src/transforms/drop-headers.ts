import { ConfigDef, type ConnectRecord, type Transformation } from '@sluice/sdk';
import { Configurable } from '../base/configurable.js';
import { nonEmptyList } from '../config/validators.js';

const HEADERS = 'headers';

const CONFIG_DEF = new ConfigDef().define({
  name: HEADERS,
  type: 'LIST',
  validator: nonEmptyList(),
  importance: 'HIGH',
  documentation: 'Names of the headers to remove; every header with one of these names goes.',
});

interface Settings {
  readonly headers: ReadonlySet<string>;
}

/** Removes headers by name (Apache's `DropHeaders`). */
export class DropHeaders extends Configurable<Settings> implements Transformation {
  config(): ConfigDef {
    return CONFIG_DEF;
  }

  protected settingsFrom(props: Readonly<Record<string, unknown>>): Settings {
    return { headers: new Set(CONFIG_DEF.parse(props).get(HEADERS)) };
  }

  apply<R extends ConnectRecord>(record: R): R {
    const { headers } = this.settings;
    return record.newRecord({ headers: [...record.headers].filter((header) => !headers.has(header.key)) });
  }
}
