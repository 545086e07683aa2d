import { ConfigDef, invalidValue, type ConnectRecord, type Transformation } from '@sluice/sdk';
import { Configurable } from '../base/configurable.js';
import { javaRegex } from '../config/validators.js';
import { JavaPattern, JavaReplacement } from '../java/regex.js';

const REGEX = 'regex';
const REPLACEMENT = 'replacement';

const CONFIG_DEF = new ConfigDef()
  .define({
    name: REGEX,
    type: 'STRING',
    validator: javaRegex(),
    importance: 'HIGH',
    documentation:
      'A Java regular expression that must match the whole topic name for the topic to be renamed.',
  })
  .define({
    name: REPLACEMENT,
    type: 'STRING',
    importance: 'HIGH',
    documentation:
      'The new topic name, in Java replacement syntax: $1 or ${name} inserts a group, \\ quotes a character.',
  });

interface Settings {
  readonly pattern: JavaPattern;
  readonly replacement: JavaReplacement;
}

/**
 * Renames topics that match a regular expression (Apache's `RegexRouter`), e.g. `regex=(.*)-raw`,
 * `replacement=$1`. Records of other topics pass unchanged.
 */
export class RegexRouter extends Configurable<Settings> implements Transformation {
  config(): ConfigDef {
    return CONFIG_DEF;
  }

  protected settingsFrom(props: Readonly<Record<string, unknown>>): Settings {
    const config = CONFIG_DEF.parse(props);
    const pattern = new JavaPattern(config.get(REGEX));
    const replacement = config.get(REPLACEMENT);
    try {
      return { pattern, replacement: new JavaReplacement(replacement, pattern) };
    } catch (error) {
      throw invalidValue(REPLACEMENT, replacement, (error as Error).message);
    }
  }

  apply<R extends ConnectRecord>(record: R): R {
    const { pattern, replacement } = this.settings;
    if (!pattern.matches(record.topic)) return record;
    return record.newRecord({ topic: replacement.replaceFirst(pattern, record.topic) });
  }
}
