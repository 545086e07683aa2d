import { ConfigDef, type ConnectRecord, type Predicate } from '@sluice/sdk';
import { Configurable } from '../base/configurable.js';

const CONFIG_DEF = new ConfigDef();

/** True for tombstones, records whose value is null (Apache's `RecordIsTombstone`). */
export class RecordIsTombstone extends Configurable<void> implements Predicate {
  config(): ConfigDef {
    return CONFIG_DEF;
  }

  protected settingsFrom(props: Readonly<Record<string, unknown>>): void {
    CONFIG_DEF.parse(props);
  }

  test(record: ConnectRecord): boolean {
    return record.value === null;
  }
}
