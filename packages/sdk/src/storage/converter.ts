import type { ConfigDef } from '../config/config-def.js';
import type { Schema } from '../data/schema.js';
import type { SchemaAndValue } from '../data/schema-and-value.js';
import type { ConnectHeaders } from '../header/headers.js';

/** Which part of a record a converter handles; converters receive it as `converter.type`. */
export type ConverterType = 'key' | 'value' | 'header';

/**
 * Turns Connect data into the bytes of a Kafka record key or value and back (Connect's `Converter`).
 * Synchronous: it runs per record on the task's thread. Errors are `DataError`s.
 */
export interface Converter {
  /** Called once with `key.converter.*` or `value.converter.*` (prefix removed); `isKey` tells which. */
  configure(configs: Record<string, unknown>, isKey: boolean): void;
  /** The bytes for a value; null for a tombstone. `headers` may be changed (e.g. to carry a schema id). */
  fromConnectData(
    topic: string,
    headers: ConnectHeaders | null,
    schema: Schema | null,
    value: unknown,
  ): Buffer | null;
  /** The data from bytes; null bytes (a tombstone) give a null value. */
  toConnectData(topic: string, headers: ConnectHeaders | null, value: Buffer | null): SchemaAndValue;
  config(): ConfigDef;
  close?(): void;
}

/** Turns header values into bytes and back (Connect's `HeaderConverter`). */
export interface HeaderConverter {
  /** Called once with `header.converter.*` (prefix removed). */
  configure(configs: Record<string, unknown>): void;
  fromConnectHeader(topic: string, headerKey: string, schema: Schema | null, value: unknown): Buffer | null;
  toConnectHeader(topic: string, headerKey: string, value: Buffer | null): SchemaAndValue;
  config(): ConfigDef;
  close(): void;
}
