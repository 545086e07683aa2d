import { DataError, Schema, SchemaBuilder, Struct } from '@sluice/sdk';
import { describe, expect, it } from 'vitest';
import { configured, sourceRecord } from '../test-records.test-helpers.js';
import { ValueToKey } from './value-to-key.js';

describe('ValueToKey', () => {
  it('makes the key a map of some value fields, in the configured order', () => {
    const transform = configured(new ValueToKey(), { fields: 'b,a' });
    const value = new Map<string, unknown>([
      ['a', 1n],
      ['b', 'two'],
      ['c', true],
    ]);
    const result = transform.apply(sourceRecord({ key: 'old', value }));
    expect(result.keySchema).toBeNull();
    expect([...(result.key as Map<string, unknown>)]).toEqual([
      ['b', 'two'],
      ['a', 1n],
    ]);
    expect(result.value).toBe(value);
    expect(transform.apply(sourceRecord({ value: { a: 1 } })).key).toEqual({ b: null, a: 1 });
  });

  it('makes the key a struct of some value fields, with their schemas', () => {
    const schema = SchemaBuilder.struct()
      .field('a', Schema.INT32_SCHEMA)
      .field('b', Schema.INT32_SCHEMA)
      .field('c', Schema.OPTIONAL_STRING_SCHEMA)
      .build();
    const transform = configured(new ValueToKey(), { fields: 'a,b' });
    const result = transform.apply(
      sourceRecord({ valueSchema: schema, value: new Struct(schema).put('a', 1).put('b', 2) }),
    );
    expect(result.keySchema?.fields.map((f) => [f.name, f.schema])).toEqual([
      ['a', Schema.INT32_SCHEMA],
      ['b', Schema.INT32_SCHEMA],
    ]);
    const key = result.key as Struct;
    expect([key.get('a'), key.get('b')]).toEqual([1, 2]);
  });

  it('fails on a field the value schema lacks, or on a value that is not a struct or map', () => {
    const schema = SchemaBuilder.struct().field('a', Schema.INT32_SCHEMA).build();
    const transform = configured(new ValueToKey(), { fields: 'a,z' });
    expect(() =>
      transform.apply(sourceRecord({ valueSchema: schema, value: new Struct(schema).put('a', 1) })),
    ).toThrow(new DataError('Field does not exist: z'));
    expect(() => transform.apply(sourceRecord({ value: null }))).toThrow(
      new DataError(
        'Only Map objects supported in absence of schema for [copying fields from value to key], found: null',
      ),
    );
  });

  it('requires fields', () => {
    expect(() => new ValueToKey().configure({ fields: '' })).toThrow('configuration fields: Empty list');
  });
});
