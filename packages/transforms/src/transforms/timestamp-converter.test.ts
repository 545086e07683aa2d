import {
  ConnectDate,
  ConnectError,
  ConnectTime,
  ConnectTimestamp,
  DataError,
  Schema,
  SchemaBuilder,
  Struct,
} from '@sluice/sdk';
import { describe, expect, it } from 'vitest';
import { VALUE } from '../base/operand.js';
import { configured, OPERANDS, recordWith } from '../test-records.test-helpers.js';
import { TimestampConverter } from './timestamp-converter.js';

const INSTANT = new Date('2017-01-02T03:04:05.006Z');
const MS = BigInt(INSTANT.getTime());

const convert = (config: Record<string, unknown>, schema: Schema | null, value: unknown) =>
  configured(new TimestampConverter(VALUE), config).apply(recordWith(VALUE, schema, value));

describe.each(OPERANDS)('TimestampConverter$%s', (_variant, operand) => {
  it('converts a whole Timestamp to a formatted string', () => {
    const transform = configured(new TimestampConverter(operand), {
      'target.type': 'string',
      format: 'yyyy-MM-dd HH:mm:ss.SSS',
    });
    const result = transform.apply(recordWith(operand, ConnectTimestamp.SCHEMA, INSTANT));
    expect(operand.schema(result)).toBe(Schema.STRING_SCHEMA);
    expect(operand.value(result)).toBe('2017-01-02 03:04:05.006');
  });

  it('converts one field of a struct, keeping the others', () => {
    const schema = SchemaBuilder.struct()
      .name('Event')
      .field('ts', Schema.OPTIONAL_INT64_SCHEMA)
      .field('other', Schema.STRING_SCHEMA)
      .build();
    const transform = configured(new TimestampConverter(operand), {
      field: 'ts',
      'target.type': 'Timestamp',
    });
    const result = transform.apply(
      recordWith(operand, schema, new Struct(schema).put('ts', MS).put('other', 'o')),
    );
    const updated = operand.schema(result);
    expect(updated?.name).toBe('Event');
    expect(updated?.field('ts')?.schema).toMatchObject({
      name: ConnectTimestamp.LOGICAL_NAME,
      optional: true,
    });
    const struct = operand.value(result) as Struct;
    expect([struct.get('ts'), struct.get('other')]).toEqual([INSTANT, 'o']);
  });

  it('converts one field of a map, keeping its kind', () => {
    const transform = configured(new TimestampConverter(operand), { field: 'ts', 'target.type': 'unix' });
    expect(operand.value(transform.apply(recordWith(operand, null, { ts: INSTANT, x: 1 })))).toEqual({
      ts: MS,
      x: 1,
    });
  });
});

describe('TimestampConverter', () => {
  it('converts between every representation', () => {
    const types = { 'target.type': 'Date' };
    expect(convert(types, ConnectTimestamp.SCHEMA, INSTANT).value).toEqual(new Date('2017-01-02T00:00:00Z'));
    expect(convert(types, ConnectTimestamp.SCHEMA, INSTANT).valueSchema).toBe(ConnectDate.SCHEMA);
    expect(convert({ 'target.type': 'Time' }, Schema.INT64_SCHEMA, MS).value).toEqual(new Date(11_045_006));
    expect(convert({ 'target.type': 'Time' }, null, MS).value).toEqual(new Date(11_045_006));
    expect(convert({ 'target.type': 'Time' }, Schema.INT64_SCHEMA, MS).valueSchema).toBe(ConnectTime.SCHEMA);
    expect(
      convert({ 'target.type': 'unix' }, ConnectDate.SCHEMA, new Date('2017-01-02T00:00:00Z')).value,
    ).toBe(1_483_315_200_000n);
    expect(
      convert(
        { 'target.type': 'Timestamp', format: "yyyy-MM-dd'T'HH:mm:ss.SSSX" },
        Schema.STRING_SCHEMA,
        '2017-01-02T03:04:05.006Z',
      ).value,
    ).toEqual(INSTANT);
    expect(convert({ 'target.type': 'Timestamp', format: 'yyyy-MM-dd' }, null, '2017-01-02').value).toEqual(
      new Date('2017-01-02T00:00:00Z'),
    );
  });

  it('keeps the time of day of instants before 1970 positive', () => {
    expect(convert({ 'target.type': 'Time' }, null, new Date(-1000)).value).toEqual(new Date(86_399_000));
    expect(convert({ 'target.type': 'Date' }, null, new Date(-1000)).value).toEqual(new Date(-86_400_000));
  });

  it('reads and writes Unix time in the configured precision, truncating below a millisecond', () => {
    const to = (unixPrecision: string) =>
      convert({ 'target.type': 'unix', 'unix.precision': unixPrecision }, ConnectTimestamp.SCHEMA, INSTANT)
        .value;
    expect(to('seconds')).toBe(MS / 1000n);
    expect(to('microseconds')).toBe(MS * 1000n);
    expect(to('nanoseconds')).toBe(MS * 1_000_000n);
    const from = (unixPrecision: string, value: bigint) =>
      convert({ 'target.type': 'Timestamp', 'unix.precision': unixPrecision }, Schema.INT64_SCHEMA, value)
        .value;
    expect(from('seconds', 1_483_326_245n)).toEqual(new Date('2017-01-02T03:04:05Z'));
    expect(from('microseconds', MS * 1000n + 999n)).toEqual(INSTANT);
    expect(from('nanoseconds', -1_500_000n)).toEqual(new Date(-1));
  });

  it('keeps null timestamps null', () => {
    expect(convert({ 'target.type': 'unix' }, Schema.OPTIONAL_STRING_SCHEMA, null).value).toBeNull();
    expect(convert({ 'target.type': 'unix' }, Schema.OPTIONAL_STRING_SCHEMA, null).valueSchema).toBe(
      Schema.OPTIONAL_INT64_SCHEMA,
    );
    expect(convert({ 'target.type': 'unix', field: 'ts' }, null, {}).value).toEqual({ ts: null });
    expect(convert({ 'target.type': 'unix' }, null, null).value).toBeNull();
  });

  it('keeps null struct fields null when replace.null.with.default is false', () => {
    const schema = SchemaBuilder.struct()
      .field('ts', SchemaBuilder.int64().optional().defaultValue(0n).build())
      .build();
    const read = (replace: boolean) =>
      (
        convert(
          { field: 'ts', 'target.type': 'Timestamp', 'replace.null.with.default': replace },
          schema,
          new Struct(schema),
        ).value as Struct
      ).getWithoutDefault('ts');
    expect(read(true)).toEqual(new Date(0));
    expect(read(false)).toBeNull();
  });

  it('reports values it cannot read', () => {
    expect(() => convert({ 'target.type': 'unix', format: 'yyyy-MM-dd' }, null, '02/01/2017')).toThrow(
      new DataError('Could not parse timestamp: value (02/01/2017) does not match pattern (yyyy-MM-dd)'),
    );
    expect(() => convert({ 'target.type': 'unix' }, null, '2017-01-02')).toThrow(
      'TimestampConverter requires format option to be specified when using string timestamps',
    );
    expect(() => convert({ 'target.type': 'unix' }, null, true)).toThrow(
      new DataError('TimestampConverter does not support boolean objects as timestamps'),
    );
    expect(() => convert({ 'target.type': 'unix' }, Schema.BOOLEAN_SCHEMA, true)).toThrow(ConnectError);
    expect(() => convert({ 'target.type': 'unix' }, ConnectTimestamp.SCHEMA, 'x')).toThrow(
      new DataError('Expected Timestamp to be a Date, but found string'),
    );
  });

  it('validates its config', () => {
    const configure = (config: Record<string, unknown>) => () =>
      new TimestampConverter(VALUE).configure(config);
    expect(configure({})).toThrow('Missing required configuration "target.type"');
    expect(configure({ 'target.type': 'date' })).toThrow(
      'Invalid value date for configuration target.type: String must be one of: string, unix, Date, Time, Timestamp',
    );
    expect(configure({ 'target.type': 'string' })).toThrow(
      'for configuration format: TimestampConverter requires format option to be specified when using string timestamps',
    );
    expect(configure({ 'target.type': 'string', format: 'yyyy-qq' })).toThrow(
      "for configuration format: TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: Illegal pattern character 'q'",
    );
    expect(configure({ 'target.type': 'unix', 'unix.precision': 'minutes' })).toThrow(
      'for configuration unix.precision: String must be one of: nanoseconds, microseconds, milliseconds, seconds',
    );
    expect(new TimestampConverter(VALUE).config().names()).toEqual([
      'field',
      'target.type',
      'format',
      'unix.precision',
      'replace.null.with.default',
    ]);
  });
});
