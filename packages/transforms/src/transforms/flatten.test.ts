import { DataError, Schema, SchemaBuilder, Struct } from '@sluice/sdk';
import { describe, expect, it } from 'vitest';
import { VALUE } from '../base/operand.js';
import { configured, OPERANDS, recordWith } from '../test-records.test-helpers.js';
import { Flatten } from './flatten.js';

const INNER = SchemaBuilder.struct()
  .field('int8', Schema.INT8_SCHEMA)
  .field('list', SchemaBuilder.array(Schema.STRING_SCHEMA).build())
  .build();
const OUTER = SchemaBuilder.struct()
  .name('Outer')
  .field('id', Schema.INT64_SCHEMA)
  .field('B', SchemaBuilder.struct().field('inner', INNER).optional().build())
  .build();

describe.each(OPERANDS)('Flatten$%s', (_variant, operand) => {
  it('flattens nested maps, joining names with the delimiter and keeping arrays', () => {
    const transform = configured(new Flatten(operand), { delimiter: '_' });
    const input = new Map<string, unknown>([
      ['A', new Map<string, unknown>([['B', { C: 1n, D: [1] }]])],
      ['top', 'x'],
      ['gone', null],
    ]);
    expect(operand.value(transform.apply(recordWith(operand, null, input)))).toEqual(
      new Map<string, unknown>([
        ['A_B_C', 1n],
        ['A_B_D', [1]],
        ['top', 'x'],
        ['gone', null],
      ]),
    );
  });

  it('flattens nested structs; fields under an optional struct become optional', () => {
    const transform = configured(new Flatten(operand), {});
    const b = new Struct(OUTER.field('B')?.schema ?? INNER).put(
      'inner',
      new Struct(INNER).put('int8', 8).put('list', ['a']),
    );
    const result = transform.apply(recordWith(operand, OUTER, new Struct(OUTER).put('id', 1n).put('B', b)));
    const schema = operand.schema(result);
    expect(schema?.name).toBe('Outer');
    expect(schema?.fields.map((f) => [f.name, f.schema.type, f.schema.optional])).toEqual([
      ['id', 'INT64', false],
      ['B.inner.int8', 'INT8', true],
      ['B.inner.list', 'ARRAY', true],
    ]);
    const struct = operand.value(result) as Struct;
    expect([struct.get('id'), struct.get('B.inner.int8'), struct.get('B.inner.list')]).toEqual([
      1n,
      8,
      ['a'],
    ]);
    const empty = transform.apply(recordWith(operand, OUTER, new Struct(OUTER).put('id', 2n)));
    expect((operand.value(empty) as Struct).get('B.inner.int8')).toBeNull();
  });

  it('passes a null key or value through unchanged', () => {
    const record = recordWith(operand, OUTER, null);
    expect(configured(new Flatten(operand), {}).apply(record)).toBe(record);
  });
});

describe('Flatten', () => {
  it('carries defaults of nested fields, and keeps plain objects plain', () => {
    const schema = SchemaBuilder.struct()
      .field('a', SchemaBuilder.struct().field('b', SchemaBuilder.int32().defaultValue(3).build()).build())
      .build();
    const transform = configured(new Flatten(VALUE), {});
    const result = transform.apply(
      recordWith(
        VALUE,
        schema,
        new Struct(schema).put('a', new Struct(schema.field('a')!.schema).put('b', 4)),
      ),
    );
    expect(result.valueSchema?.field('a.b')?.schema.defaultValue).toBe(3);
    expect((result.value as Struct).get('a.b')).toBe(4);
    expect(transform.apply(recordWith(VALUE, null, { a: { b: 1 } })).value).toEqual({ 'a.b': 1 });
  });

  it('refuses schemaless values outside the data model', () => {
    const transform = configured(new Flatten(VALUE), {});
    expect(() => transform.apply(recordWith(VALUE, null, { when: new Date(0) }))).toThrow(
      new DataError(
        'Flatten transformation does not support Date for record without schemas (for field when).',
      ),
    );
  });

  it('requires a struct with a schema, and a map without one', () => {
    const transform = configured(new Flatten(VALUE), {});
    expect(() => transform.apply(recordWith(VALUE, Schema.STRING_SCHEMA, 'x'))).toThrow(
      /Only Struct objects supported for \[flattening\]/,
    );
    expect(() => transform.apply(recordWith(VALUE, null, 'x'))).toThrow(/Only Map objects supported/);
  });
});
