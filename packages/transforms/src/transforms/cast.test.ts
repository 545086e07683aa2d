import {
  ConnectDate,
  ConnectTimestamp,
  DataError,
  Decimal,
  DecimalValue,
  Schema,
  SchemaBuilder,
  Struct,
} from '@sluice/sdk';
import { describe, expect, it } from 'vitest';
import { VALUE } from '../base/operand.js';
import { configured, OPERANDS, recordWith } from '../test-records.test-helpers.js';
import { Cast } from './cast.js';

const cast = (spec: string, schema: Schema | null, value: unknown, extra: Record<string, unknown> = {}) =>
  configured(new Cast(VALUE), { spec, ...extra }).apply(recordWith(VALUE, schema, value));

describe.each(OPERANDS)('Cast$%s', (_variant, operand) => {
  it('casts fields of a struct, keeping optionality and casting defaults', () => {
    const schema = SchemaBuilder.struct()
      .name('Row')
      .field('big', Schema.INT64_SCHEMA)
      .field('flag', Schema.STRING_SCHEMA)
      .field('ratio', SchemaBuilder.float64().optional().defaultValue(2.5).build())
      .field('kept', Schema.STRING_SCHEMA)
      .build();
    const transform = configured(new Cast(operand), { spec: 'big:int8,flag:boolean,ratio:string' });
    const result = transform.apply(
      recordWith(operand, schema, new Struct(schema).put('big', 300n).put('flag', 'TRUE').put('kept', 'k')),
    );
    const castSchema = operand.schema(result);
    expect(castSchema?.name).toBe('Row');
    expect(
      castSchema?.fields.map((f) => [f.name, f.schema.type, f.schema.optional, f.schema.defaultValue]),
    ).toEqual([
      ['big', 'INT8', false, null],
      ['flag', 'BOOLEAN', false, null],
      ['ratio', 'STRING', true, '2.5'],
      ['kept', 'STRING', false, null],
    ]);
    const struct = operand.value(result) as Struct;
    // 300 wraps to 44 in a byte, as Java's (byte) cast does.
    expect([struct.get('big'), struct.get('flag'), struct.get('ratio'), struct.get('kept')]).toEqual([
      44,
      true,
      '2.5',
      'k',
    ]);
  });

  it('casts fields of a map, keeping its kind', () => {
    const transform = configured(new Cast(operand), { spec: 'a:int32,b:float32,c:string' });
    const result = transform.apply(recordWith(operand, null, { a: '12', b: 1n, c: 1.5, d: 'x' }));
    expect(operand.value(result)).toEqual({ a: 12, b: 1, c: '1.5', d: 'x' });
  });

  it('casts the whole key or value, keeping a non-logical schema name', () => {
    const schema = SchemaBuilder.int64().name('Id').optional().build();
    const result = configured(new Cast(operand), { spec: 'string' }).apply(recordWith(operand, schema, 123n));
    expect(operand.schema(result)).toMatchObject({ type: 'STRING', name: 'Id', optional: true });
    expect(operand.value(result)).toBe('123');
  });
});

describe('Cast', () => {
  it('narrows numbers as Java does', () => {
    expect(cast('int8', Schema.INT32_SCHEMA, 128).value).toBe(-128);
    expect(cast('int16', Schema.FLOAT64_SCHEMA, 1e10).value).toBe(-1);
    expect(cast('int32', Schema.FLOAT64_SCHEMA, -1e10).value).toBe(-2147483648);
    expect(cast('int64', Schema.FLOAT64_SCHEMA, 1e30).value).toBe(2n ** 63n - 1n);
    expect(cast('int32', Schema.FLOAT32_SCHEMA, NaN).value).toBe(0);
    expect(cast('int64', Decimal.schema(2), new DecimalValue(-12399n, 2)).value).toBe(-123n);
    expect(cast('float32', Schema.FLOAT64_SCHEMA, 0.1).value).toBe(Math.fround(0.1));
    expect(cast('float64', Schema.INT64_SCHEMA, 5n).value).toBe(5);
  });

  it('casts booleans to 1/0 and numbers to booleans by their integer part', () => {
    expect(cast('int64', Schema.BOOLEAN_SCHEMA, true).value).toBe(1n);
    expect(cast('float32', Schema.BOOLEAN_SCHEMA, false).value).toBe(0);
    expect(cast('boolean', Schema.FLOAT64_SCHEMA, 0.5).value).toBe(false);
    expect(cast('boolean', Schema.INT32_SCHEMA, -3).value).toBe(true);
    expect(cast('boolean', Schema.STRING_SCHEMA, 'yes').value).toBe(false);
  });

  it('parses strings strictly, and reports values out of range', () => {
    expect(cast('int16', Schema.STRING_SCHEMA, '-32768').value).toBe(-32768);
    expect(cast('float64', Schema.STRING_SCHEMA, ' 1.5e3d ').value).toBe(1500);
    expect(() => cast('int8', Schema.STRING_SCHEMA, '128')).toThrow(
      new DataError('Value (128) was out of range for requested data type'),
    );
    expect(() => cast('int32', Schema.STRING_SCHEMA, '1.5')).toThrow(/was out of range/);
    expect(() => cast('float64', Schema.STRING_SCHEMA, 'abc')).toThrow(/was out of range/);
  });

  it('writes strings as Java would: floats with a fraction digit, dates in ISO form, bytes in base64', () => {
    expect(cast('string', Schema.FLOAT64_SCHEMA, 1).value).toBe('1.0');
    expect(cast('string', Schema.FLOAT32_SCHEMA, 0.1).value).toBe('0.1');
    expect(cast('string', Schema.BYTES_SCHEMA, Buffer.from('hi')).value).toBe('aGk=');
    expect(cast('string', Decimal.schema(2), new DecimalValue(150n, 2)).value).toBe('1.50');
    const ts = cast('string', ConnectTimestamp.SCHEMA, new Date('2024-03-05T07:08:09.010Z'));
    expect(ts.value).toBe('2024-03-05T07:08:09.010Z');
    // The logical type's name is not carried over to the string schema.
    expect(ts.valueSchema?.name).toBeNull();
    expect(cast('string', ConnectDate.SCHEMA, new Date('2024-03-05T00:00:00Z')).value).toBe('2024-03-05');
  });

  it('casts dates and timestamps to numbers through their encoded form', () => {
    expect(cast('int64', ConnectTimestamp.SCHEMA, new Date(1234)).value).toBe(1234n);
    expect(cast('int32', ConnectDate.SCHEMA, new Date('1970-01-11T00:00:00Z')).value).toBe(10);
  });

  it('refuses types it cannot cast from', () => {
    const array = SchemaBuilder.array(Schema.INT32_SCHEMA).build();
    expect(() => cast('string', array, [1])).toThrow(
      new DataError(
        'Cast transformation does not support casting from ARRAY; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]',
      ),
    );
    expect(() => cast('int32', Schema.BYTES_SCHEMA, Buffer.from('x'))).toThrow(
      new DataError('Unexpected type in Cast transformation: Buffer'),
    );
    expect(() => cast('string', null, new Date(0))).toThrow(/value of type Date which is not supported/);
  });

  it('passes null keys and values through, and adds a missing map field as null', () => {
    const record = recordWith(VALUE, Schema.OPTIONAL_INT64_SCHEMA, null);
    expect(configured(new Cast(VALUE), { spec: 'int32' }).apply(record)).toBe(record);
    expect(cast('a:int8', null, { b: 1 }).value).toEqual({ b: 1, a: null });
  });

  it('keeps null struct fields null when replace.null.with.default is false', () => {
    const schema = SchemaBuilder.struct()
      .field('n', SchemaBuilder.int32().optional().defaultValue(5).build())
      .build();
    const read = (replace: string) =>
      (
        cast('n:int64', schema, new Struct(schema), { 'replace.null.with.default': replace }).value as Struct
      ).getWithoutDefault('n');
    expect(read('true')).toBe(5n);
    expect(read('false')).toBeNull();
  });

  it('validates the spec', () => {
    const error = (spec: string) => {
      try {
        new Cast(VALUE).configure({ spec });
      } catch (e) {
        return (e as Error).message;
      }
      return null;
    };
    expect(error('')).toBe(
      'Invalid value [] for configuration spec: Must specify at least one field to cast.',
    );
    expect(error('a:int8:x')).toMatch(/Invalid cast mapping: a:int8:x/);
    expect(error('a:number')).toMatch(/Invalid type found in casting spec: number/);
    expect(error('a:bytes')).toMatch(/does not support casting to BYTES/);
    expect(error('int8,a:int16')).toMatch(/may only specify a single cast/);
    expect(error('a:INT8, b : String')).toBeNull();
  });
});
