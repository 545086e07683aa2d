import type { ConfigDef } from '../config/config-def.js';
import { DataError } from '../errors.js';
import { Schema } from '../data/schema.js';
import { SchemaAndValue } from '../data/schema-and-value.js';
import { describeType } from '../data/validate-value.js';
import type { ConnectHeaders } from '../header/headers.js';
import type { Converter, HeaderConverter } from '../storage/converter.js';
import { converterConfigDef } from './converter-config.js';

/**
 * Bytes passed through (`org.apache.kafka.connect.converters.ByteArrayConverter`): the schema must be null or
 * BYTES; read back as an optional BYTES. Also usable as a header converter.
 */
export class ByteArrayConverter implements Converter, HeaderConverter {
  config(): ConfigDef {
    return converterConfigDef();
  }

  configure(): void {}

  fromConnectData(
    topic: string,
    headers: ConnectHeaders | null,
    schema: Schema | null,
    value: unknown,
  ): Buffer | null {
    if (schema !== null && schema.type !== 'BYTES') {
      throw new DataError(`Invalid schema type for ByteArrayConverter: ${schema.type}`);
    }
    if (value === null || value === undefined) return null;
    if (!(value instanceof Uint8Array)) {
      throw new DataError(`ByteArrayConverter is not compatible with objects of type ${describeType(value)}`);
    }
    return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }

  toConnectData(topic: string, headers: ConnectHeaders | null, value: Buffer | null): SchemaAndValue {
    return new SchemaAndValue(Schema.OPTIONAL_BYTES_SCHEMA, value);
  }

  fromConnectHeader(topic: string, headerKey: string, schema: Schema | null, value: unknown): Buffer | null {
    return this.fromConnectData(topic, null, schema, value);
  }

  toConnectHeader(topic: string, headerKey: string, value: Buffer | null): SchemaAndValue {
    return this.toConnectData(topic, null, value);
  }

  close(): void {}
}
