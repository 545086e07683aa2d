import { ConfigDef, type ConnectRecord, type Transformation } from '@sluice/sdk';
import { Configurable } from '../base/configurable.js';

const CONFIG_DEF = new ConfigDef();

/**
 * Drops every record (Apache's `Filter`). Useful with a predicate: `transforms.x.predicate` limits it to the
 * records to drop, e.g. tombstones or a topic.
 */
export class Filter extends Configurable<void> implements Transformation {
  config(): ConfigDef {
    return CONFIG_DEF;
  }

  protected settingsFrom(props: Readonly<Record<string, unknown>>): void {
    CONFIG_DEF.parse(props);
  }

  apply<R extends ConnectRecord>(_record: R): R | null {
    return null;
  }
}
