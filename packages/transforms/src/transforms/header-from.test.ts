import { DataError, Schema, SchemaBuilder, Struct } from '@sluice/sdk';
import { describe, expect, it } from 'vitest';
import { VALUE } from '../base/operand.js';
import { configured, OPERANDS, recordWith } from '../test-records.test-helpers.js';
import { HeaderFrom } from './header-from.js';

const SCHEMA = SchemaBuilder.struct()
  .name('Row')
  .field('id', Schema.INT64_SCHEMA)
  .field('tenant', SchemaBuilder.string().optional().defaultValue('default').build())
  .field('body', Schema.STRING_SCHEMA)
  .build();

const row = () => new Struct(SCHEMA).put('id', 1n).put('tenant', 'acme').put('body', 'b');

describe.each(OPERANDS)('HeaderFrom$%s', (_variant, operand) => {
  it('copies struct fields to headers with their schemas, leaving the struct as it is', () => {
    const transform = configured(new HeaderFrom(operand), {
      fields: 'id,tenant',
      headers: 'h-id,h-tenant',
      operation: 'copy',
    });
    const record = recordWith(operand, SCHEMA, row());
    record.headers.addString('old', 'o');
    const result = transform.apply(record);
    expect([...result.headers].map((h) => [h.key, h.value, h.schema])).toEqual([
      ['old', 'o', Schema.STRING_SCHEMA],
      ['h-id', 1n, Schema.INT64_SCHEMA],
      ['h-tenant', 'acme', SCHEMA.field('tenant')?.schema],
    ]);
    expect(operand.value(result)).toBe(operand.value(record));
    expect(record.headers.size).toBe(1);
  });

  it('moves struct fields, removing them from the schema', () => {
    const transform = configured(new HeaderFrom(operand), {
      fields: 'tenant',
      headers: 'tenant',
      operation: 'move',
    });
    const result = transform.apply(recordWith(operand, SCHEMA, row()));
    const schema = operand.schema(result);
    expect(schema?.name).toBe('Row');
    expect(schema?.fields.map((f) => f.name)).toEqual(['id', 'body']);
    expect((operand.value(result) as Struct).get('body')).toBe('b');
    expect(result.headers.lastWithName('tenant')?.value).toBe('acme');
  });

  it('moves or copies map entries as schemaless headers', () => {
    const moved = configured(new HeaderFrom(operand), {
      fields: 'a,z',
      headers: 'ha,hz',
      operation: 'move',
    }).apply(recordWith(operand, null, { a: 1n, b: 2n }));
    expect(operand.value(moved)).toEqual({ b: 2n });
    expect([...moved.headers].map((h) => [h.key, h.value, h.schema])).toEqual([
      ['ha', 1n, null],
      ['hz', null, null],
    ]);
    const copied = configured(new HeaderFrom(operand), {
      fields: 'a',
      headers: 'ha',
      operation: 'copy',
    }).apply(recordWith(operand, null, new Map([['a', 1n]])));
    expect(operand.value(copied)).toEqual(new Map([['a', 1n]]));
  });
});

describe('HeaderFrom', () => {
  it('reads a null field as its default only when replace.null.with.default is true', () => {
    const value = new Struct(SCHEMA).put('id', 1n).put('body', 'b');
    const header = (replace: boolean) =>
      configured(new HeaderFrom(VALUE), {
        fields: 'tenant',
        headers: 't',
        operation: 'copy',
        'replace.null.with.default': replace,
      })
        .apply(recordWith(VALUE, SCHEMA, value))
        .headers.lastWithName('t')?.value;
    expect(header(true)).toBe('default');
    expect(header(false)).toBeNull();
  });

  it('fails on a field the schema lacks, and on a value that is not a struct', () => {
    const transform = configured(new HeaderFrom(VALUE), { fields: 'nope', headers: 'h', operation: 'move' });
    expect(() => transform.apply(recordWith(VALUE, SCHEMA, row()))).toThrow(
      new DataError('nope is not a valid field name'),
    );
    expect(() => transform.apply(recordWith(VALUE, Schema.STRING_SCHEMA, 'x'))).toThrow(
      new DataError('Only Struct objects supported for [header move], found: string'),
    );
  });

  it('validates its config', () => {
    const configure = (config: Record<string, unknown>) => () => new HeaderFrom(VALUE).configure(config);
    expect(configure({ fields: 'a,b', headers: 'h', operation: 'copy' })).toThrow(
      "for configuration headers: 'fields' config must have the same number of elements as 'headers' config.",
    );
    expect(configure({ fields: 'a', headers: 'h', operation: 'cut' })).toThrow(
      'Invalid value cut for configuration operation: String must be one of: move, copy',
    );
    expect(configure({ fields: '', headers: 'h', operation: 'copy' })).toThrow(
      'configuration fields: Empty list',
    );
  });
});
