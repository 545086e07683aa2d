import { DataError, Schema, type Struct } from '@sluice/sdk';
import { describe, expect, it } from 'vitest';
import { KEY, VALUE } from '../base/operand.js';
import { configured, OPERANDS, recordWith } from '../test-records.test-helpers.js';
import { HoistField } from './hoist-field.js';

describe.each(OPERANDS)('HoistField$%s', (_variant, operand) => {
  it('wraps a schemaless value in a map of one field', () => {
    const transform = configured(new HoistField(operand), { field: 'line' });
    expect(operand.value(transform.apply(recordWith(operand, null, 'hello')))).toEqual(
      new Map([['line', 'hello']]),
    );
  });

  it('wraps a value with a schema in a struct of one field of that schema', () => {
    const transform = configured(new HoistField(operand), { field: 'line' });
    const result = transform.apply(recordWith(operand, Schema.STRING_SCHEMA, 'hello'));
    const schema = operand.schema(result);
    expect(schema?.type).toBe('STRUCT');
    expect(schema?.field('line')?.schema).toBe(Schema.STRING_SCHEMA);
    expect((operand.value(result) as Struct).get('line')).toBe('hello');
  });
});

describe('HoistField', () => {
  it('cannot put a null into a required field', () => {
    const transform = configured(new HoistField(VALUE), { field: 'line' });
    expect(() => transform.apply(recordWith(VALUE, Schema.STRING_SCHEMA, null))).toThrow(DataError);
  });

  it('requires field', () => {
    expect(() => new HoistField(KEY).configure({})).toThrow('Missing required configuration "field"');
  });
});
