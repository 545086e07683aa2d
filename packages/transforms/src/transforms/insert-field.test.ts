import { ConnectTimestamp, DataError, Schema, SchemaBuilder, Struct } from '@sluice/sdk';
import { describe, expect, it } from 'vitest';
import { KEY, VALUE } from '../base/operand.js';
import {
  configured,
  OPERANDS,
  recordWith,
  sinkRecord,
  sourceRecord,
  TIMESTAMP,
} from '../test-records.test-helpers.js';
import { InsertField } from './insert-field.js';

const ALL = {
  'topic.field': 'topic',
  'partition.field': 'partition!',
  'offset.field': 'offset?',
  'timestamp.field': 'ts',
  'static.field': 'source!',
  'static.value': 'sluice',
};

const VALUE_SCHEMA = SchemaBuilder.struct()
  .name('Order')
  .version(2)
  .field('id', Schema.INT64_SCHEMA)
  .field('note', SchemaBuilder.string().optional().defaultValue('none').build())
  .build();

describe.each(OPERANDS)('InsertField$%s', (_variant, operand) => {
  it('adds metadata and static fields to a schemaless map, keeping its kind', () => {
    const transform = configured(new InsertField(operand), ALL);
    const map = operand.value(
      transform.apply(
        sinkRecord(operand === KEY ? { key: new Map([['id', 1n]]) } : { value: new Map([['id', 1n]]) }),
      ),
    );
    expect(map).toEqual(
      new Map<string, unknown>([
        ['id', 1n],
        ['topic', 'orders'],
        ['partition', 3],
        ['offset', 42n],
        ['ts', BigInt(TIMESTAMP)],
        ['source', 'sluice'],
      ]),
    );
    const object = operand.value(
      configured(new InsertField(operand), { 'topic.field': 't' }).apply(
        recordWith(operand, null, { id: 1 }),
      ),
    );
    expect(object).toEqual({ id: 1, t: 'orders' });
  });

  it('adds typed fields to a struct, with optionality from the ! and ? suffixes', () => {
    const transform = configured(new InsertField(operand), ALL);
    const record = sinkRecord(
      operand === KEY
        ? { keySchema: VALUE_SCHEMA, key: new Struct(VALUE_SCHEMA).put('id', 7n) }
        : { valueSchema: VALUE_SCHEMA, value: new Struct(VALUE_SCHEMA).put('id', 7n) },
    );
    const result = transform.apply(record);
    const schema = operand.schema(result);
    expect(schema?.name).toBe('Order');
    expect(schema?.version).toBe(2);
    expect(schema?.fields.map((f) => [f.name, f.schema.type, f.schema.optional])).toEqual([
      ['id', 'INT64', false],
      ['note', 'STRING', true],
      ['topic', 'STRING', true],
      ['partition', 'INT32', false],
      ['offset', 'INT64', true],
      ['ts', 'INT64', true],
      ['source', 'STRING', false],
    ]);
    expect(schema?.field('ts')?.schema.name).toBe(ConnectTimestamp.LOGICAL_NAME);
    const struct = operand.value(result) as Struct;
    expect(struct.get('offset')).toBe(42n);
    expect(struct.get('ts')).toEqual(new Date(TIMESTAMP));
    expect(struct.get('partition')).toBe(3);
    expect(struct.get('source')).toBe('sluice');
    struct.validate();
    // The same input schema gives the same output schema instance.
    expect(operand.schema(transform.apply(record))).toBe(schema);
  });

  it('passes a null key or value through unchanged', () => {
    const record = recordWith(operand, null, null);
    expect(configured(new InsertField(operand), ALL).apply(record)).toBe(record);
  });
});

describe('InsertField', () => {
  it('refuses to insert an offset into a source record', () => {
    const transform = configured(new InsertField(VALUE), { 'offset.field': 'offset' });
    expect(() => transform.apply(sourceRecord({ value: { a: 1 } }))).toThrow(
      new DataError('Only SinkRecord supported for [field insertion], found: SourceRecord'),
    );
  });

  it('skips the partition and timestamp when the record has none', () => {
    const transform = configured(new InsertField(VALUE), { 'partition.field': 'p', 'timestamp.field': 't' });
    const result = transform.apply(sourceRecord({ kafkaPartition: null, timestamp: null, value: {} }));
    expect(result.value).toEqual({});
  });

  it('requires a struct with a schema, and a map without one', () => {
    const transform = configured(new InsertField(VALUE), { 'topic.field': 't' });
    expect(() => transform.apply(sourceRecord({ valueSchema: Schema.STRING_SCHEMA, value: 'x' }))).toThrow(
      new DataError('Only Struct objects supported for [field insertion], found: string'),
    );
    expect(() => transform.apply(sourceRecord({ value: 'x' }))).toThrow(
      new DataError('Only Map objects supported in absence of schema for [field insertion], found: string'),
    );
  });

  it('keeps null fields null when replace.null.with.default is false', () => {
    const value = new Struct(VALUE_SCHEMA).put('id', 1n);
    const read = (replace: string) =>
      (
        configured(new InsertField(VALUE), {
          'topic.field': 't',
          'replace.null.with.default': replace,
        }).apply(sourceRecord({ valueSchema: VALUE_SCHEMA, value })).value as Struct
      ).getWithoutDefault('note');
    expect(read('true')).toBe('none');
    expect(read('false')).toBeNull();
  });

  it('needs at least one field to insert, and a value for a static field', () => {
    expect(() => new InsertField(VALUE).configure({})).toThrow(/No field insertion configured/);
    expect(() => new InsertField(VALUE).configure({ 'static.field': 'source' })).toThrow(
      'Invalid value null for configuration static.value: No value specified for static field: source',
    );
  });

  it('defines Apache’s keys', () => {
    expect(new InsertField(VALUE).config().names()).toEqual([
      'topic.field',
      'partition.field',
      'offset.field',
      'timestamp.field',
      'static.field',
      'static.value',
      'replace.null.with.default',
    ]);
  });

  it('cannot be used before it is configured', () => {
    expect(() => new InsertField(VALUE).apply(sourceRecord({ value: {} }))).toThrow(
      'InsertField was used before configure()',
    );
  });
});
