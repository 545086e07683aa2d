import {
  ConnectDate,
  ConnectError,
  ConnectTime,
  ConnectTimestamp,
  DataError,
  Schema,
  invalidValue,
} from '@sluice/sdk';
import { describeType } from '../data/describe-type.js';
import type { SimpleDateFormat } from '../java/simple-date-format.js';

/** The representations TimestampConverter converts between, named as its `target.type` values. */
export const TIMESTAMP_TYPES = ['string', 'unix', 'Date', 'Time', 'Timestamp'] as const;
export type TimestampType = (typeof TIMESTAMP_TYPES)[number];

export const UNIX_PRECISIONS = ['nanoseconds', 'microseconds', 'milliseconds', 'seconds'] as const;
export type UnixPrecision = (typeof UNIX_PRECISIONS)[number];

/** What reading and writing a representation needs from the config. */
export interface TimestampSettings {
  /** Null when `format` is blank. */
  readonly format: SimpleDateFormat | null;
  readonly unixPrecision: UnixPrecision;
}

/** How one representation is read into an instant and written from one (Connect's `TimestampTranslator`). */
interface TimestampTranslator {
  toDate(value: unknown, settings: TimestampSettings): Date;
  fromDate(date: Date, settings: TimestampSettings): unknown;
  schema(optional: boolean): Schema;
}

const MS_PER_DAY = 86_400_000;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
/** Milliseconds per unit, or units per millisecond (negative), by precision. */
const UNIX_SCALE: Readonly<Record<UnixPrecision, bigint>> = {
  seconds: 1000n,
  milliseconds: 1n,
  microseconds: -1000n,
  nanoseconds: -1_000_000n,
};

function requireFormat(settings: TimestampSettings): SimpleDateFormat {
  if (settings.format === null) {
    throw invalidValue(
      'format',
      '',
      'TimestampConverter requires format option to be specified when using string timestamps',
    );
  }
  return settings.format;
}

function requireDate(value: unknown, what: string): Date {
  if (!(value instanceof Date))
    throw new DataError(`Expected ${what} to be a Date, but found ${describeType(value)}`);
  return value;
}

function dateFromMillis(ms: bigint): Date {
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) throw new DataError(`Timestamp ${ms} ms is outside the range of dates`);
  return date;
}

/** Floor modulo, so instants before 1970 keep a time of day in [0, 1 day). */
function timeOfDay(ms: number): number {
  return ((ms % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
}

function schemaPair(required: Schema, optional: Schema): (optional: boolean) => Schema {
  return (isOptional) => (isOptional ? optional : required);
}

export const TRANSLATORS: Readonly<Record<TimestampType, TimestampTranslator>> = {
  string: {
    toDate(value, settings) {
      if (typeof value !== 'string')
        throw new DataError(`Expected string timestamp to be a String, but found ${describeType(value)}`);
      const format = requireFormat(settings);
      const date = format.parse(value);
      if (date === null) {
        throw new DataError(
          `Could not parse timestamp: value (${value}) does not match pattern (${format.pattern})`,
        );
      }
      return date;
    },
    fromDate: (date, settings) => requireFormat(settings).format(date),
    schema: schemaPair(Schema.STRING_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA),
  },
  unix: {
    toDate(value, settings) {
      // Without a schema a safe integer `number` counts as a long, as a connector may produce one.
      const units = typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value;
      if (typeof units !== 'bigint')
        throw new DataError(`Expected Unix timestamp to be a Long, but found ${describeType(value)}`);
      const scale = UNIX_SCALE[settings.unixPrecision];
      // BigInt division truncates toward zero, as Java's TimeUnit conversions do.
      return dateFromMillis(scale > 0n ? units * scale : units / -scale);
    },
    fromDate(date, settings) {
      const ms = BigInt(date.getTime());
      const scale = UNIX_SCALE[settings.unixPrecision];
      if (scale > 0n) return ms / scale;
      const units = ms * -scale;
      // Java's TimeUnit saturates instead of overflowing.
      return units > INT64_MAX ? INT64_MAX : units < INT64_MIN ? INT64_MIN : units;
    },
    schema: schemaPair(Schema.INT64_SCHEMA, Schema.OPTIONAL_INT64_SCHEMA),
  },
  Date: {
    toDate: (value) => requireDate(value, 'Date'),
    fromDate: (date) => new Date(date.getTime() - timeOfDay(date.getTime())),
    schema: schemaPair(ConnectDate.SCHEMA, ConnectDate.builder().optional().build()),
  },
  Time: {
    toDate: (value) => requireDate(value, 'Time'),
    fromDate: (date) => new Date(timeOfDay(date.getTime())),
    schema: schemaPair(ConnectTime.SCHEMA, ConnectTime.builder().optional().build()),
  },
  Timestamp: {
    toDate: (value) => requireDate(value, 'Timestamp'),
    fromDate: (date) => date,
    schema: schemaPair(ConnectTimestamp.SCHEMA, ConnectTimestamp.builder().optional().build()),
  },
};

/** The representation a schema implies: its logical type, else STRING as text and INT64 as Unix time. */
export function timestampTypeOfSchema(schema: Schema): TimestampType {
  switch (schema.name) {
    case ConnectTimestamp.LOGICAL_NAME:
      return 'Timestamp';
    case ConnectDate.LOGICAL_NAME:
      return 'Date';
    case ConnectTime.LOGICAL_NAME:
      return 'Time';
  }
  if (schema.type === 'STRING') return 'string';
  if (schema.type === 'INT64') return 'unix';
  const described = schema.name === null ? schema.type : `${schema.name} (${schema.type})`;
  throw new ConnectError(`Schema ${described} does not correspond to a known timestamp type format`);
}

/** The representation of a schemaless value; a Date is read as a Timestamp (Date and Time look the same). */
export function timestampTypeOfValue(value: unknown): TimestampType {
  if (value instanceof Date) return 'Timestamp';
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value))) return 'unix';
  if (typeof value === 'string') return 'string';
  throw new DataError(`TimestampConverter does not support ${describeType(value)} objects as timestamps`);
}
