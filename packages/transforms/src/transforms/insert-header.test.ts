import { Schema } from '@sluice/sdk';
import { describe, expect, it } from 'vitest';
import { configured, sourceRecord } from '../test-records.test-helpers.js';
import { InsertHeader } from './insert-header.js';

describe('InsertHeader', () => {
  it('adds a header with the literal value and its inferred schema, keeping the others', () => {
    const record = sourceRecord({ value: 'v' });
    record.headers.addString('existing', 'e');
    const result = configured(new InsertHeader(), { header: 'source', 'value.literal': 'sluice' }).apply(
      record,
    );
    expect([...result.headers].map((h) => [h.key, h.value, h.schema])).toEqual([
      ['existing', 'e', Schema.STRING_SCHEMA],
      ['source', 'sluice', Schema.STRING_SCHEMA],
    ]);
    expect(record.headers.size).toBe(1);
    const number = configured(new InsertHeader(), { header: 'n', 'value.literal': '42' }).apply(record);
    expect(number.headers.lastWithName('n')).toMatchObject({ value: 42, schema: Schema.INT8_SCHEMA });
  });

  it('requires both keys', () => {
    expect(() => new InsertHeader().configure({ header: 'h' })).toThrow(
      'Missing required configuration "value.literal" which has no default value.',
    );
    expect(() => new InsertHeader().configure({ header: null, 'value.literal': 'x' })).toThrow(
      'Invalid value null for configuration header: entry must be non null',
    );
  });
});
