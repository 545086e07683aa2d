import { DataError, Schema, SchemaBuilder, Struct } from '@sluice/sdk';
import { describe, expect, it } from 'vitest';
import { VALUE } from '../base/operand.js';
import { configured, OPERANDS, recordWith } from '../test-records.test-helpers.js';
import { ExtractField } from './extract-field.js';

const INNER = SchemaBuilder.struct()
  .field('id', SchemaBuilder.int64().optional().defaultValue(0n).build())
  .build();
const SCHEMA = SchemaBuilder.struct()
  .field('name', Schema.STRING_SCHEMA)
  .field('inner', INNER)
  .field('dotted.name', Schema.OPTIONAL_INT32_SCHEMA)
  .build();

const row = (id: bigint | null) =>
  new Struct(SCHEMA).put('name', 'n').put('inner', new Struct(INNER).put('id', id)).put('dotted.name', 9);

describe.each(OPERANDS)('ExtractField$%s', (_variant, operand) => {
  it('replaces a map with one of its fields, or null when missing', () => {
    const transform = configured(new ExtractField(operand), { field: 'magic' });
    expect(operand.value(transform.apply(recordWith(operand, null, new Map([['magic', 42n]]))))).toBe(42n);
    expect(operand.value(transform.apply(recordWith(operand, null, { other: 1 })))).toBeNull();
    expect(operand.value(transform.apply(recordWith(operand, null, null)))).toBeNull();
  });

  it('replaces a struct with one of its fields, and the schema with that field’s', () => {
    const transform = configured(new ExtractField(operand), { field: 'name' });
    const result = transform.apply(recordWith(operand, SCHEMA, row(1n)));
    expect(operand.schema(result)).toBe(Schema.STRING_SCHEMA);
    expect(operand.value(result)).toBe('n');
  });
});

describe('ExtractField', () => {
  it('reads dots as part of the name with V1, and as nesting with V2', () => {
    const v1 = configured(new ExtractField(VALUE), { field: 'dotted.name' });
    expect(v1.apply(recordWith(VALUE, SCHEMA, row(1n))).value).toBe(9);
    const v2 = configured(new ExtractField(VALUE), { field: 'inner.id', 'field.syntax.version': 'v2' });
    const result = v2.apply(recordWith(VALUE, SCHEMA, row(5n)));
    expect(result.valueSchema).toBe(INNER.field('id')?.schema);
    expect(result.value).toBe(5n);
    expect(v2.apply(recordWith(VALUE, null, { inner: { id: 6n } })).value).toBe(6n);
    const backticks = configured(new ExtractField(VALUE), {
      field: '`dotted.name`',
      'field.syntax.version': 'V2',
    });
    expect(backticks.apply(recordWith(VALUE, SCHEMA, row(1n))).value).toBe(9);
  });

  it('fails on a field the schema lacks, and on a value that is not a struct', () => {
    const transform = configured(new ExtractField(VALUE), { field: 'nope' });
    expect(() => transform.apply(recordWith(VALUE, SCHEMA, row(1n)))).toThrow(
      new DataError('Unknown field: nope'),
    );
    expect(() => transform.apply(recordWith(VALUE, Schema.STRING_SCHEMA, 'x'))).toThrow(
      new DataError('Only Struct objects supported for [field extraction], found: string'),
    );
  });

  it('returns the default of a null field only when replace.null.with.default is true', () => {
    const read = (replace: boolean) =>
      configured(new ExtractField(VALUE), {
        field: 'inner.id',
        'field.syntax.version': 'V2',
        'replace.null.with.default': replace,
      }).apply(recordWith(VALUE, SCHEMA, row(null))).value;
    expect(read(true)).toBe(0n);
    expect(read(false)).toBeNull();
  });

  it('validates the syntax version and V2 paths', () => {
    expect(() => new ExtractField(VALUE).configure({ field: 'a', 'field.syntax.version': 'V3' })).toThrow(
      'Invalid value V3 for configuration field.syntax.version: String must be one of (case insensitive): V1, V2',
    );
    expect(() => new ExtractField(VALUE).configure({ field: '`a', 'field.syntax.version': 'V2' })).toThrow(
      'Invalid value `a for configuration field: Incomplete backtick pair in path: [`a]',
    );
    expect(new ExtractField(VALUE).config().names()).toEqual([
      'field',
      'field.syntax.version',
      'replace.null.with.default',
    ]);
  });
});
