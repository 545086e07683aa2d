import {
  CompositeValidator,
  ConfigDef,
  NonEmptyString,
  type ConnectRecord,
  type Predicate,
} from '@sluice/sdk';
import { Configurable } from '../base/configurable.js';
import { javaRegex } from '../config/validators.js';
import { JavaPattern } from '../java/regex.js';

const PATTERN = 'pattern';

const CONFIG_DEF = new ConfigDef().define({
  name: PATTERN,
  type: 'STRING',
  validator: CompositeValidator.of(
    new NonEmptyString(),
    javaRegex('entry must be a Java-compatible regular expression'),
  ),
  importance: 'MEDIUM',
  documentation: "A Java regular expression that must match the whole of a record's topic name.",
});

/** True for records whose topic name matches a regular expression in full (Apache's `TopicNameMatches`). */
export class TopicNameMatches extends Configurable<JavaPattern> implements Predicate {
  config(): ConfigDef {
    return CONFIG_DEF;
  }

  protected settingsFrom(props: Readonly<Record<string, unknown>>): JavaPattern {
    return new JavaPattern(CONFIG_DEF.parse(props).get(PATTERN));
  }

  test(record: ConnectRecord): boolean {
    return this.settings.matches(record.topic);
  }
}
