import { ConfigDef } from '../config/config-def.js';
import { DataError } from '../errors.js';
import { Schema } from '../data/schema.js';
import { SchemaAndValue } from '../data/schema-and-value.js';
import { convertToString } from '../data/values-format.js';
import { parseString } from '../data/values-parse.js';
import type { HeaderConverter } from '../storage/converter.js';

/**
 * Connect's default header converter (`org.apache.kafka.connect.storage.SimpleHeaderConverter`): a header
 * value is written as UTF-8 text (strings as they are, numbers and booleans as their text, arrays, maps and
 * structs in a JSON-like form) and read back with its schema inferred from the text, so `42` comes back as
 * INT8 and `[1,2]` as an ARRAY of INT8.
 */
export class SimpleHeaderConverter implements HeaderConverter {
  config(): ConfigDef {
    return new ConfigDef();
  }

  configure(): void {}

  fromConnectHeader(topic: string, headerKey: string, schema: Schema | null, value: unknown): Buffer | null {
    const text = convertToString(schema, value);
    return text === null ? null : Buffer.from(text, 'utf8');
  }

  toConnectHeader(topic: string, headerKey: string, value: Buffer | null): SchemaAndValue {
    if (value === null) return SchemaAndValue.NULL;
    const text = value.toString('utf8');
    if (text === '') return new SchemaAndValue(Schema.STRING_SCHEMA, text);
    try {
      return parseString(text);
    } catch (cause) {
      throw new DataError(`Failed to deserialize value for header '${headerKey}' on topic '${topic}'`, {
        cause,
      });
    }
  }

  close(): void {}
}
