import { DataError } from '../errors.js';
import { DecimalValue } from './decimal-value.js';
import {
  DATE_LOGICAL_NAME,
  DECIMAL_LOGICAL_NAME,
  DECIMAL_SCALE_PARAMETER,
  TIME_LOGICAL_NAME,
  TIMESTAMP_LOGICAL_NAME,
} from './logical-names.js';
import type { Schema } from './schema.js';
import { SchemaBuilder } from './schema-builder.js';
import { fromTwosComplement, toTwosComplement } from './twos-complement.js';

const MS_PER_DAY = 86_400_000;

function expectName(schema: Schema, name: string, what: string): void {
  if (schema.name !== name) {
    throw new DataError(`Requested conversion of ${what} object but the schema does not match.`);
  }
}

/**
 * Connect's Decimal logical type: BYTES holding the unscaled value in two's complement, the scale in the
 * schema parameter `scale`. The JavaScript value is a {@link DecimalValue}.
 */
export const Decimal = Object.freeze({
  LOGICAL_NAME: DECIMAL_LOGICAL_NAME,
  SCALE_FIELD: DECIMAL_SCALE_PARAMETER,
  builder(scale: number): SchemaBuilder {
    return SchemaBuilder.bytes()
      .name(DECIMAL_LOGICAL_NAME)
      .parameter(DECIMAL_SCALE_PARAMETER, String(scale))
      .version(1);
  },
  schema(scale: number): Schema {
    return Decimal.builder(scale).build();
  },
  /** The scale from a Decimal schema's parameters. */
  scale(schema: Schema): number {
    const scale = schema.parameters?.[DECIMAL_SCALE_PARAMETER];
    if (scale === undefined || !/^-?\d+$/.test(scale)) {
      throw new DataError('Invalid Decimal schema: scale parameter not found.');
    }
    return Number(scale);
  },
  fromLogical(schema: Schema, value: DecimalValue): Buffer {
    expectName(schema, DECIMAL_LOGICAL_NAME, 'Decimal');
    const scale = Decimal.scale(schema);
    if (value.scale !== scale) {
      throw new DataError(
        `Decimal value has mismatching scale for given Decimal schema. Schema has scale ${scale}, value has scale ${value.scale}.`,
      );
    }
    return toTwosComplement(value.unscaled);
  },
  toLogical(schema: Schema, bytes: Uint8Array): DecimalValue {
    expectName(schema, DECIMAL_LOGICAL_NAME, 'Decimal');
    return new DecimalValue(fromTwosComplement(bytes), Decimal.scale(schema));
  },
});

/** Connect's Date logical type: INT32 days since the Unix epoch; the value is a `Date` at UTC midnight. */
export const ConnectDate = Object.freeze({
  LOGICAL_NAME: DATE_LOGICAL_NAME,
  builder(): SchemaBuilder {
    return SchemaBuilder.int32().name(DATE_LOGICAL_NAME).version(1);
  },
  SCHEMA: SchemaBuilder.int32().name(DATE_LOGICAL_NAME).version(1).build(),
  fromLogical(schema: Schema, value: Date): number {
    expectName(schema, DATE_LOGICAL_NAME, 'Date');
    const ms = value.getTime();
    if (ms % MS_PER_DAY !== 0) {
      throw new DataError('Kafka Connect Date type should not have any time fields set to non-zero values.');
    }
    return ms / MS_PER_DAY;
  },
  toLogical(schema: Schema, days: number): Date {
    expectName(schema, DATE_LOGICAL_NAME, 'Date');
    return new Date(days * MS_PER_DAY);
  },
});

/** Connect's Time logical type: INT32 milliseconds since midnight; the value is a `Date` on 1970-01-01 UTC. */
export const ConnectTime = Object.freeze({
  LOGICAL_NAME: TIME_LOGICAL_NAME,
  builder(): SchemaBuilder {
    return SchemaBuilder.int32().name(TIME_LOGICAL_NAME).version(1);
  },
  SCHEMA: SchemaBuilder.int32().name(TIME_LOGICAL_NAME).version(1).build(),
  fromLogical(schema: Schema, value: Date): number {
    expectName(schema, TIME_LOGICAL_NAME, 'Time');
    const ms = value.getTime();
    if (ms < 0 || ms >= MS_PER_DAY) {
      throw new DataError('Kafka Connect Time type should not have any date fields set to non-zero values.');
    }
    return ms;
  },
  toLogical(schema: Schema, ms: number): Date {
    expectName(schema, TIME_LOGICAL_NAME, 'Time');
    if (ms < 0 || ms >= MS_PER_DAY) {
      throw new DataError(
        'Time values must use number of milliseconds greater than 0 and less than 86400000',
      );
    }
    return new Date(ms);
  },
});

/** Connect's Timestamp logical type: INT64 milliseconds since the Unix epoch; the value is a `Date`. */
export const ConnectTimestamp = Object.freeze({
  LOGICAL_NAME: TIMESTAMP_LOGICAL_NAME,
  builder(): SchemaBuilder {
    return SchemaBuilder.int64().name(TIMESTAMP_LOGICAL_NAME).version(1);
  },
  SCHEMA: SchemaBuilder.int64().name(TIMESTAMP_LOGICAL_NAME).version(1).build(),
  fromLogical(schema: Schema, value: Date): bigint {
    expectName(schema, TIMESTAMP_LOGICAL_NAME, 'Timestamp');
    return BigInt(value.getTime());
  },
  toLogical(schema: Schema, ms: bigint | number): Date {
    expectName(schema, TIMESTAMP_LOGICAL_NAME, 'Timestamp');
    return new Date(Number(ms));
  },
});
