import {
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
import { MaskField } from './mask-field.js';

const SCHEMA = SchemaBuilder.struct()
  .field('magic', Schema.INT32_SCHEMA)
  .field('bool', Schema.BOOLEAN_SCHEMA)
  .field('byte', Schema.INT8_SCHEMA)
  .field('long', Schema.INT64_SCHEMA)
  .field('float', Schema.FLOAT32_SCHEMA)
  .field('string', Schema.STRING_SCHEMA)
  .field('date', ConnectTimestamp.SCHEMA)
  .field('decimal', Decimal.schema(2))
  .field('array', SchemaBuilder.array(Schema.INT32_SCHEMA).build())
  .field('map', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).build())
  .field('optional', Schema.OPTIONAL_STRING_SCHEMA)
  .build();

const MASKED = ['bool', 'byte', 'long', 'float', 'string', 'date', 'decimal', 'array', 'map', 'optional'];

function row(): Struct {
  return new Struct(SCHEMA)
    .put('magic', 42)
    .put('bool', true)
    .put('byte', 5)
    .put('long', 123n)
    .put('float', 1.5)
    .put('string', 'secret')
    .put('date', new Date(1000))
    .put('decimal', new DecimalValue(12345n, 2))
    .put('array', [1, 2])
    .put('map', new Map([['k', 'v']]))
    .put('optional', null);
}

describe.each(OPERANDS)('MaskField$%s', (_variant, operand) => {
  it("replaces struct fields with their type's empty value, by schema", () => {
    const transform = configured(new MaskField(operand), { fields: MASKED.join(',') });
    const result = transform.apply(recordWith(operand, SCHEMA, row()));
    const struct = operand.value(result) as Struct;
    expect(operand.schema(result)).toBe(SCHEMA);
    expect(Object.fromEntries(SCHEMA.fields.map((f) => [f.name, struct.get(f.name)]))).toEqual({
      magic: 42,
      bool: false,
      byte: 0,
      long: 0n,
      float: 0,
      string: '',
      date: new Date(0),
      decimal: new DecimalValue(0n, 2),
      array: [],
      map: new Map(),
      optional: null,
    });
    struct.validate();
  });

  it('masks schemaless values by their JavaScript type, keeping the map kind', () => {
    const transform = configured(new MaskField(operand), { fields: 'n,b,i,s,a,m,o' });
    const input = { n: 1.5, b: true, i: 9n, s: 'x', a: [1], m: { k: 1 }, o: new Map([['k', 1]]), keep: 'me' };
    expect(operand.value(transform.apply(recordWith(operand, null, input)))).toEqual({
      n: 0,
      b: false,
      i: 0n,
      s: '',
      a: [],
      m: {},
      o: new Map(),
      keep: 'me',
    });
  });
});

describe('MaskField', () => {
  it('puts a replacement converted to each numeric or string field type', () => {
    const transform = configured(new MaskField(VALUE), {
      fields: 'byte,long,float,string,decimal',
      replacement: '12',
    });
    const struct = transform.apply(recordWith(VALUE, SCHEMA, row())).value as Struct;
    expect([struct.get('byte'), struct.get('long'), struct.get('float'), struct.get('string')]).toEqual([
      12,
      12n,
      12,
      '12',
    ]);
    expect(struct.get('decimal')).toEqual(new DecimalValue(1200n, 2));
    const schemaless = configured(new MaskField(VALUE), { fields: 'n,i,s', replacement: '3.5' });
    expect(
      schemaless.apply(
        recordWith(
          VALUE,
          null,
          new Map<string, unknown>([
            ['n', 1],
            ['i', 1n],
            ['s', 'x'],
          ]),
        ),
      ).value,
    ).toEqual(
      new Map<string, unknown>([
        ['n', 3.5],
        ['i', 3n],
        ['s', '3.5'],
      ]),
    );
  });

  it('refuses a replacement for types that cannot take one, or that is not a number for a number', () => {
    const bool = configured(new MaskField(VALUE), { fields: 'bool', replacement: 'x' });
    expect(() => bool.apply(recordWith(VALUE, SCHEMA, row()))).toThrow(
      new DataError('Cannot mask value of type boolean with custom replacement.'),
    );
    const long = configured(new MaskField(VALUE), { fields: 'long', replacement: 'abc' });
    expect(() => long.apply(recordWith(VALUE, SCHEMA, row()))).toThrow(
      new DataError('Unable to convert abc (string) to number'),
    );
  });

  it('cannot mask bytes or structs, and adds a missing schemaless field as null', () => {
    const bytes = SchemaBuilder.struct().field('b', Schema.BYTES_SCHEMA).build();
    const transform = configured(new MaskField(VALUE), { fields: 'b' });
    expect(() =>
      transform.apply(recordWith(VALUE, bytes, new Struct(bytes).put('b', Buffer.from('x')))),
    ).toThrow(new DataError('Cannot mask value of type: Buffer'));
    expect(transform.apply(recordWith(VALUE, null, { a: 1 })).value).toEqual({ a: 1, b: null });
  });

  it('requires a non-empty field list and a non-empty replacement', () => {
    expect(() => new MaskField(VALUE).configure({ fields: '' })).toThrow(
      'Invalid value [] for configuration fields: Empty list',
    );
    expect(() => new MaskField(VALUE).configure({})).toThrow('Missing required configuration "fields"');
    expect(() => new MaskField(VALUE).configure({ fields: 'a', replacement: '' })).toThrow(
      'for configuration replacement: String must be non-empty',
    );
  });
});
