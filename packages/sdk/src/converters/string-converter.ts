import { ConfigError } from '@sluice/errors';
import type { ConfigDef } from '../config/config-def.js';
import { Schema } from '../data/schema.js';
import { SchemaAndValue } from '../data/schema-and-value.js';
import type { ConnectHeaders } from '../header/headers.js';
import type { Converter, HeaderConverter } from '../storage/converter.js';
import { convertToString } from '../data/values-format.js';
import { converterConfigDef, withConverterType } from './converter-config.js';

/** Java charset names (and Node's own names) mapped to Node encodings. */
const ENCODINGS: Record<string, BufferEncoding> = {
  'UTF-8': 'utf8',
  UTF8: 'utf8',
  'UTF-16LE': 'utf16le',
  UTF16LE: 'utf16le',
  'ISO-8859-1': 'latin1',
  LATIN1: 'latin1',
  'US-ASCII': 'ascii',
  ASCII: 'ascii',
};

export function stringConverterConfigDef() {
  return converterConfigDef().define({
    name: 'converter.encoding',
    type: 'STRING',
    defaultValue: 'UTF-8',
    importance: 'HIGH',
    documentation:
      'The character set used to turn strings into bytes and back (UTF-8, UTF-16LE, ISO-8859-1, US-ASCII).',
    width: 'MEDIUM',
    displayName: 'Encoding',
  });
}

/**
 * Values as text (`org.apache.kafka.connect.storage.StringConverter`): strings as they are, other values as
 * their text form; read back always as an optional STRING. Also usable as a header converter.
 */
export class StringConverter implements Converter, HeaderConverter {
  #encoding: BufferEncoding = 'utf8';

  config(): ConfigDef {
    return stringConverterConfigDef();
  }

  configure(configs: Record<string, unknown>, isKey?: boolean): void {
    const name = stringConverterConfigDef()
      .parse(withConverterType(configs, isKey))
      .get('converter.encoding');
    const encoding = ENCODINGS[name.toUpperCase()];
    if (encoding === undefined) {
      throw new ConfigError(
        'converter.encoding',
        `Invalid value ${name} for configuration converter.encoding: unsupported encoding`,
      );
    }
    this.#encoding = encoding;
  }

  fromConnectData(
    topic: string,
    headers: ConnectHeaders | null,
    schema: Schema | null,
    value: unknown,
  ): Buffer | null {
    const text = typeof value === 'string' ? value : convertToString(schema, value);
    return text === null ? null : Buffer.from(text, this.#encoding);
  }

  toConnectData(topic: string, headers: ConnectHeaders | null, value: Buffer | null): SchemaAndValue {
    return new SchemaAndValue(
      Schema.OPTIONAL_STRING_SCHEMA,
      value === null ? null : value.toString(this.#encoding),
    );
  }

  fromConnectHeader(topic: string, headerKey: string, schema: Schema | null, value: unknown): Buffer | null {
    return this.fromConnectData(topic, null, schema, value);
  }

  toConnectHeader(topic: string, headerKey: string, value: Buffer | null): SchemaAndValue {
    return this.toConnectData(topic, null, value);
  }

  close(): void {}
}
