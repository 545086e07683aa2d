import { DataError, Schema, SchemaBuilder, Struct } from '@sluice/sdk';
import { describe, expect, it } from 'vitest';
import { VALUE } from '../base/operand.js';
import { configured, OPERANDS, recordWith } from '../test-records.test-helpers.js';
import { SetSchemaMetadata } from './set-schema-metadata.js';

const SCHEMA = SchemaBuilder.struct()
  .name('old')
  .version(1)
  .doc('a row')
  .field('n', SchemaBuilder.int32().optional().defaultValue(5).build())
  .build();

describe.each(OPERANDS)('SetSchemaMetadata$%s', (_variant, operand) => {
  it('renames and re-versions the schema, and rebuilds the struct on it', () => {
    const transform = configured(new SetSchemaMetadata(operand), {
      'schema.name': 'new',
      'schema.version': '3',
    });
    const result = transform.apply(recordWith(operand, SCHEMA, new Struct(SCHEMA).put('n', 1)));
    const schema = operand.schema(result);
    expect(schema).toMatchObject({ type: 'STRUCT', name: 'new', version: 3, doc: 'a row' });
    const struct = operand.value(result) as Struct;
    expect(struct.schema).toBe(schema);
    expect(struct.get('n')).toBe(1);
    struct.validate();
  });

  it('keeps what is not configured, and non-struct values as they are', () => {
    const map = SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).name('m').version(7).build();
    const value = new Map([['a', 1]]);
    const result = configured(new SetSchemaMetadata(operand), { 'schema.version': 8 }).apply(
      recordWith(operand, map, value),
    );
    expect(operand.schema(result)).toMatchObject({
      type: 'MAP',
      name: 'm',
      version: 8,
      keySchema: Schema.STRING_SCHEMA,
    });
    expect(operand.value(result)).toBe(value);
  });
});

describe('SetSchemaMetadata', () => {
  it('requires a schema', () => {
    const transform = configured(new SetSchemaMetadata(VALUE), { 'schema.name': 'x' });
    expect(() => transform.apply(recordWith(VALUE, null, {}))).toThrow(
      new DataError('Schema required for [updating schema metadata]'),
    );
  });

  it('keeps null fields null when replace.null.with.default is false', () => {
    const read = (replace: boolean) =>
      (
        configured(new SetSchemaMetadata(VALUE), {
          'schema.name': 'x',
          'replace.null.with.default': replace,
        }).apply(recordWith(VALUE, SCHEMA, new Struct(SCHEMA))).value as Struct
      ).getWithoutDefault('n');
    expect(read(true)).toBe(5);
    expect(read(false)).toBeNull();
  });

  it('needs a name or a version, and an integer version', () => {
    expect(() => new SetSchemaMetadata(VALUE).configure({})).toThrow(
      /Neither schema name nor version configured/,
    );
    expect(() => new SetSchemaMetadata(VALUE).configure({ 'schema.version': 'one' })).toThrow(
      'Invalid value one for configuration schema.version: Not a number of type INT',
    );
  });
});
