import { Schema, SchemaBuilder, Struct } from '@sluice/sdk';
import { describe, expect, it } from 'vitest';
import { VALUE } from '../base/operand.js';
import { configured, OPERANDS, recordWith } from '../test-records.test-helpers.js';
import { ReplaceField } from './replace-field.js';

const SCHEMA = SchemaBuilder.struct()
  .name('Row')
  .field('dont', Schema.STRING_SCHEMA)
  .field('abc', Schema.INT32_SCHEMA)
  .field('foo', Schema.BOOLEAN_SCHEMA)
  .field('etc', Schema.STRING_SCHEMA)
  .build();

const row = () =>
  new Struct(SCHEMA).put('dont', 'whatever').put('abc', 42).put('foo', true).put('etc', 'etc');

describe.each(OPERANDS)('ReplaceField$%s', (_variant, operand) => {
  it('drops excluded fields and renames the rest of a map', () => {
    const transform = configured(new ReplaceField(operand), { exclude: 'dont', renames: 'abc:xyz,foo:bar' });
    const input = new Map<string, unknown>([
      ['dont', 'whatever'],
      ['abc', 42],
      ['foo', true],
      ['etc', 'etc'],
    ]);
    expect(operand.value(transform.apply(recordWith(operand, null, input)))).toEqual(
      new Map<string, unknown>([
        ['xyz', 42],
        ['bar', true],
        ['etc', 'etc'],
      ]),
    );
  });

  it('keeps only included fields of a struct, renamed, on a schema with the same name', () => {
    const transform = configured(new ReplaceField(operand), {
      include: 'abc,foo',
      renames: 'abc:xyz,foo:bar',
    });
    const result = transform.apply(recordWith(operand, SCHEMA, row()));
    const schema = operand.schema(result);
    expect(schema?.name).toBe('Row');
    expect(schema?.fields.map((f) => f.name)).toEqual(['xyz', 'bar']);
    const struct = operand.value(result) as Struct;
    expect([struct.get('xyz'), struct.get('bar')]).toEqual([42, true]);
  });

  it('passes a null key or value through unchanged', () => {
    const record = recordWith(operand, SCHEMA, null);
    expect(configured(new ReplaceField(operand), { exclude: 'a' }).apply(record)).toBe(record);
  });
});

describe('ReplaceField', () => {
  it('lets exclude win over include, and keeps plain objects plain', () => {
    const transform = configured(new ReplaceField(VALUE), { include: 'a,b', exclude: 'b' });
    expect(transform.apply(recordWith(VALUE, null, { a: 1, b: 2, c: 3 })).value).toEqual({ a: 1 });
  });

  it('still reads the deprecated blacklist and whitelist keys, after exclude and include', () => {
    const deprecated = configured(new ReplaceField(VALUE), { blacklist: 'a', whitelist: 'a,b' });
    expect(deprecated.apply(recordWith(VALUE, null, { a: 1, b: 2, c: 3 })).value).toEqual({ b: 2 });
    const both = configured(new ReplaceField(VALUE), { exclude: 'b', blacklist: 'a' });
    expect(both.apply(recordWith(VALUE, null, { a: 1, b: 2 })).value).toEqual({ a: 1 });
  });

  it('rejects a rename that is not one old:new pair', () => {
    for (const renames of ['abc', 'a:b:c', 'a:']) {
      expect(() => new ReplaceField(VALUE).configure({ renames })).toThrow(
        `for configuration renames: Invalid rename mapping: ${renames}`,
      );
    }
    expect(new ReplaceField(VALUE).config().validate({ renames: 'x' })[4]?.errorMessages).toEqual([
      'Invalid value [x] for configuration renames: Invalid rename mapping: x',
    ]);
  });
});
