import { ConfigDef, DataError, LambdaValidator, type ConnectRecord, type Transformation } from '@sluice/sdk';
import { Configurable } from '../base/configurable.js';
import { SimpleDateFormat } from '../java/simple-date-format.js';

const TOPIC_FORMAT = 'topic.format';
const TIMESTAMP_FORMAT = 'timestamp.format';

const CONFIG_DEF = new ConfigDef()
  .define({
    name: TOPIC_FORMAT,
    type: 'STRING',
    defaultValue: '${topic}-${timestamp}',
    importance: 'HIGH',
    documentation:
      'The new topic name; ${topic} stands for the current topic and ${timestamp} for the formatted timestamp.',
  })
  .define({
    name: TIMESTAMP_FORMAT,
    type: 'STRING',
    defaultValue: 'yyyyMMdd',
    validator: LambdaValidator.with((_name, value) => {
      try {
        new SimpleDateFormat(value as string);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    }, 'a java.text.SimpleDateFormat pattern'),
    importance: 'HIGH',
    documentation: "A java.text.SimpleDateFormat pattern (evaluated in UTC) for the record's timestamp.",
  });

interface Settings {
  readonly topicFormat: string;
  readonly timestampFormat: SimpleDateFormat;
}

/**
 * Renames the topic from the current topic and the record's timestamp (Apache's `TimestampRouter`), e.g. to
 * send records to one index or table per day. A record without a timestamp is an error.
 */
export class TimestampRouter extends Configurable<Settings> implements Transformation {
  config(): ConfigDef {
    return CONFIG_DEF;
  }

  protected settingsFrom(props: Readonly<Record<string, unknown>>): Settings {
    const config = CONFIG_DEF.parse(props);
    return {
      topicFormat: config.get(TOPIC_FORMAT),
      timestampFormat: new SimpleDateFormat(config.get(TIMESTAMP_FORMAT)),
    };
  }

  apply<R extends ConnectRecord>(record: R): R {
    if (record.timestamp === null) throw new DataError(`Timestamp missing on record: topic ${record.topic}`);
    const { topicFormat, timestampFormat } = this.settings;
    const timestamp = timestampFormat.format(new Date(record.timestamp));
    // In this order, as Apache's: a topic name containing ${timestamp} has it replaced too.
    const topic = topicFormat.replaceAll('${topic}', record.topic).replaceAll('${timestamp}', timestamp);
    return record.newRecord({ topic });
  }
}
