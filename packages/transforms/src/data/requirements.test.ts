import { DataError, Schema, SchemaBuilder, Struct } from '@sluice/sdk';
import { describe, expect, it } from 'vitest';
import { sinkRecord, sourceRecord } from '../test-records.test-helpers.js';
import { requireMap, requireMapOrNull, requireSchema, requireSinkRecord, requireStruct } from './requirements.js';

describe('requirements', () => {
  it('accepts Maps and plain objects as schemaless maps, and names what it found otherwise', () => {
    const map = new Map([['a', 1]]);
    expect(requireMap(map, 'x')).toBe(map);
    expect(requireMap({ a: 1 }, 'x')).toEqual({ a: 1 });
    expect(requireMapOrNull(null, 'x')).toBeNull();
    expect(() => requireMap('text', 'field insertion')).toThrow(
      new DataError('Only Map objects supported in absence of schema for [field insertion], found: string'),
    );
    expect(() => requireMap(new Date(0), 'x')).toThrow(/found: Date/);
    expect(() => requireMap(null, 'x')).toThrow(/found: null/);
  });

  it('requires structs, sink records and schemas', () => {
    const struct = new Struct(SchemaBuilder.struct().build());
    expect(requireStruct(struct, 'x')).toBe(struct);
    expect(() => requireStruct(new Map(), 'cast types')).toThrow(
      new DataError('Only Struct objects supported for [cast types], found: Map'),
    );
    expect(requireSinkRecord(sinkRecord(), 'x').kafkaOffset).toBe(42);
    expect(() => requireSinkRecord(sourceRecord(), 'field insertion')).toThrow(
      new DataError('Only SinkRecord supported for [field insertion], found: SourceRecord'),
    );
    expect(requireSchema(Schema.STRING_SCHEMA, 'x')).toBe(Schema.STRING_SCHEMA);
    expect(() => requireSchema(null, 'updating schema metadata')).toThrow(
      new DataError('Schema required for [updating schema metadata]'),
    );
  });
});
