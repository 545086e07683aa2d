import { ConfigDef, NonEmptyString, type ConnectRecord, type Predicate } from '@sluice/sdk';
import { Configurable } from '../base/configurable.js';

const NAME = 'name';

const CONFIG_DEF = new ConfigDef().define({
  name: NAME,
  type: 'STRING',
  validator: new NonEmptyString(),
  importance: 'MEDIUM',
  documentation: 'The header name to look for.',
});

/** True for records with at least one header of a given name (Apache's `HasHeaderKey`). */
export class HasHeaderKey extends Configurable<string> implements Predicate {
  config(): ConfigDef {
    return CONFIG_DEF;
  }

  protected settingsFrom(props: Readonly<Record<string, unknown>>): string {
    return CONFIG_DEF.parse(props).get(NAME);
  }

  test(record: ConnectRecord): boolean {
    return record.headers.lastWithName(this.settings) !== null;
  }
}
