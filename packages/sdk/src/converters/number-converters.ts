import type { ConfigDef } from '../config/config-def.js';
import { DataError } from '../errors.js';
import { Schema } from '../data/schema.js';
import { SchemaAndValue } from '../data/schema-and-value.js';
import { describeType } from '../data/validate-value.js';
import type { ConnectHeaders } from '../header/headers.js';
import type { Converter, HeaderConverter } from '../storage/converter.js';
import { converterConfigDef } from './converter-config.js';

/** How one fixed-size type is written, as Kafka's serializers write it: big-endian, `size` bytes. */
interface NumberFormat<T> {
  /** The type's name in messages, as Connect's (`short`, `int`, …). */
  typeName: string;
  /** Kafka's deserializer, named in the size message. */
  deserializer: string;
  schema: Schema;
  size: number;
  /** The value as this type, or undefined when it is not one (Java's failed cast). */
  accept(value: unknown): T | undefined;
  write(buffer: Buffer, value: T): void;
  read(buffer: Buffer): T;
}

function integral(min: number, max: number) {
  return (value: unknown): number | undefined =>
    typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : undefined;
}

/**
 * Base of Connect's number converters (`org.apache.kafka.connect.converters.NumberConverter`): a value of
 * one numeric type as Kafka's serializer for it writes it; null is null. Reading always gives the type's
 * optional schema. The schema given to `fromConnectData` is not checked, as in Connect; a value of another
 * type is a `DataError`. Also usable as a header converter.
 */
abstract class NumberConverter<T> implements Converter, HeaderConverter {
  readonly #format: NumberFormat<T>;

  protected constructor(format: NumberFormat<T>) {
    this.#format = format;
  }

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
    if (value === null || value === undefined) return null;
    const format = this.#format;
    const accepted = format.accept(value);
    if (accepted === undefined) {
      throw new DataError(`Failed to serialize to ${format.typeName} (was ${describeType(value)})`);
    }
    const buffer = Buffer.alloc(format.size);
    format.write(buffer, accepted);
    return buffer;
  }

  toConnectData(topic: string, headers: ConnectHeaders | null, value: Buffer | null): SchemaAndValue {
    const format = this.#format;
    if (value === null) return new SchemaAndValue(format.schema, null);
    if (value.length !== format.size) {
      throw new DataError(
        `Failed to deserialize ${format.typeName}: Size of data received by ${format.deserializer} is not ${format.size}`,
      );
    }
    return new SchemaAndValue(format.schema, format.read(value));
  }

  fromConnectHeader(topic: string, headerKey: string, schema: Schema | null, value: unknown): Buffer | null {
    return this.fromConnectData(topic, null, schema, value);
  }

  toConnectHeader(topic: string, headerKey: string, value: Buffer | null): SchemaAndValue {
    return this.toConnectData(topic, null, value);
  }

  close(): void {}
}

/** `org.apache.kafka.connect.converters.ShortConverter`: INT16 as 2 bytes. */
export class ShortConverter extends NumberConverter<number> {
  constructor() {
    super({
      typeName: 'short',
      deserializer: 'ShortDeserializer',
      schema: Schema.OPTIONAL_INT16_SCHEMA,
      size: 2,
      accept: integral(-(2 ** 15), 2 ** 15 - 1),
      write: (buffer, value) => buffer.writeInt16BE(value),
      read: (buffer) => buffer.readInt16BE(0),
    });
  }
}

/** `org.apache.kafka.connect.converters.IntegerConverter`: INT32 as 4 bytes. */
export class IntegerConverter extends NumberConverter<number> {
  constructor() {
    super({
      typeName: 'int',
      deserializer: 'IntegerDeserializer',
      schema: Schema.OPTIONAL_INT32_SCHEMA,
      size: 4,
      accept: integral(-(2 ** 31), 2 ** 31 - 1),
      write: (buffer, value) => buffer.writeInt32BE(value),
      read: (buffer) => buffer.readInt32BE(0),
    });
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * `org.apache.kafka.connect.converters.LongConverter`: INT64 as 8 bytes, read as a bigint (the SDK's
 * INT64). A safe-integer number is taken too, as JavaScript code often holds a long in one.
 */
export class LongConverter extends NumberConverter<bigint> {
  constructor() {
    super({
      typeName: 'long',
      deserializer: 'LongDeserializer',
      schema: Schema.OPTIONAL_INT64_SCHEMA,
      size: 8,
      accept: (value) =>
        typeof value === 'bigint'
          ? value >= INT64_MIN && value <= INT64_MAX
            ? value
            : undefined
          : typeof value === 'number' && Number.isSafeInteger(value)
            ? BigInt(value)
            : undefined,
      write: (buffer, value) => buffer.writeBigInt64BE(value),
      read: (buffer) => buffer.readBigInt64BE(0),
    });
  }
}

/** `org.apache.kafka.connect.converters.FloatConverter`: FLOAT32 as 4 bytes (IEEE 754, rounded to single). */
export class FloatConverter extends NumberConverter<number> {
  constructor() {
    super({
      typeName: 'float',
      deserializer: 'FloatDeserializer',
      schema: Schema.OPTIONAL_FLOAT32_SCHEMA,
      size: 4,
      accept: (value) => (typeof value === 'number' ? value : undefined),
      write: (buffer, value) => buffer.writeFloatBE(value),
      read: (buffer) => buffer.readFloatBE(0),
    });
  }
}

/** `org.apache.kafka.connect.converters.DoubleConverter`: FLOAT64 as 8 bytes (IEEE 754). */
export class DoubleConverter extends NumberConverter<number> {
  constructor() {
    super({
      typeName: 'double',
      deserializer: 'DoubleDeserializer',
      schema: Schema.OPTIONAL_FLOAT64_SCHEMA,
      size: 8,
      accept: (value) => (typeof value === 'number' ? value : undefined),
      write: (buffer, value) => buffer.writeDoubleBE(value),
      read: (buffer) => buffer.readDoubleBE(0),
    });
  }
}

/**
 * `org.apache.kafka.connect.converters.BooleanConverter`: BOOLEAN as one byte, 1 or 0; any other byte is
 * refused on read. Unlike the number converters it checks the schema: it must be null or BOOLEAN.
 */
export class BooleanConverter implements Converter, HeaderConverter {
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
    if (schema !== null && schema.type !== 'BOOLEAN') {
      throw new DataError(`Invalid schema type for BooleanConverter: ${schema.type}`);
    }
    if (value === null || value === undefined) return null;
    if (typeof value !== 'boolean') {
      throw new DataError(`BooleanConverter is not compatible with objects of type ${describeType(value)}`);
    }
    return Buffer.from([value ? 1 : 0]);
  }

  toConnectData(topic: string, headers: ConnectHeaders | null, value: Buffer | null): SchemaAndValue {
    if (value === null) return new SchemaAndValue(Schema.OPTIONAL_BOOLEAN_SCHEMA, null);
    if (value.length !== 1) {
      throw new DataError(
        'Failed to deserialize boolean: Size of data received by BooleanDeserializer is not 1',
      );
    }
    const byte = value[0]!;
    if (byte !== 0 && byte !== 1) {
      // Java prints the byte signed.
      throw new DataError(
        `Failed to deserialize boolean: Unexpected byte received by BooleanDeserializer: ${byte > 127 ? byte - 256 : byte}`,
      );
    }
    return new SchemaAndValue(Schema.OPTIONAL_BOOLEAN_SCHEMA, byte === 1);
  }

  fromConnectHeader(topic: string, headerKey: string, schema: Schema | null, value: unknown): Buffer | null {
    return this.fromConnectData(topic, null, schema, value);
  }

  toConnectHeader(topic: string, headerKey: string, value: Buffer | null): SchemaAndValue {
    return this.toConnectData(topic, null, value);
  }

  close(): void {}
}
