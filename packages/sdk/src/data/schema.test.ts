import { describe, expect, it } from 'vitest';
import { DataError } from '../errors.js';
import { DecimalValue } from './decimal-value.js';
import { javaDoubleToString, javaFloatToString } from './java-format.js';
import { ConnectDate, ConnectTime, ConnectTimestamp, Decimal } from './logical.js';
import { Schema, schemaEquals } from './schema.js';
import { SchemaBuilder } from './schema-builder.js';
import { Struct } from './struct.js';

const address = SchemaBuilder.struct().name('Address').field('city', Schema.STRING_SCHEMA).build();
const person = SchemaBuilder.struct()
  .name('com.example.Person')
  .version(1)
  .doc('A person')
  .field('id', Schema.INT64_SCHEMA)
  .field('name', Schema.OPTIONAL_STRING_SCHEMA)
  .field('age', SchemaBuilder.int8().defaultValue(18))
  .field('tags', SchemaBuilder.array(Schema.STRING_SCHEMA))
  .field('scores', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.FLOAT64_SCHEMA).optional())
  .field('address', address)
  .build();

describe('SchemaBuilder', () => {
  it('builds frozen schemas with every property', () => {
    expect(person).toMatchObject({ type: 'STRUCT', name: 'com.example.Person', version: 1, doc: 'A person', optional: false });
    expect(person.fields.map((f) => [f.name, f.index, f.schema.type])).toEqual([
      ['id', 0, 'INT64'],
      ['name', 1, 'STRING'],
      ['age', 2, 'INT8'],
      ['tags', 3, 'ARRAY'],
      ['scores', 4, 'MAP'],
      ['address', 5, 'STRUCT'],
    ]);
    expect(person.field('tags')?.schema.valueSchema).toBe(Schema.STRING_SCHEMA);
    expect(person.field('scores')?.schema).toMatchObject({ optional: true, keySchema: Schema.STRING_SCHEMA });
    expect(person.field('nope')).toBeNull();
    expect(Object.isFrozen(person)).toBe(true);
    expect(schemaEquals(person, person)).toBe(true);
    expect(schemaEquals(SchemaBuilder.int32().build(), Schema.INT32_SCHEMA)).toBe(true);
    expect(schemaEquals(SchemaBuilder.int32().optional().build(), Schema.INT32_SCHEMA)).toBe(false);
  });

  // Messages follow Connect 3.9.1's.
  it('rejects invalid builder calls', () => {
    expect(() => SchemaBuilder.int32().defaultValue('x')).toThrow(new DataError('Invalid default value'));
    expect(() => SchemaBuilder.int64().defaultValue(5)).toThrow('Invalid default value');
    expect(() => SchemaBuilder.int32().field('a', Schema.INT32_SCHEMA)).toThrow('Cannot create fields on type INT32');
    expect(() => SchemaBuilder.struct().field('a', Schema.INT32_SCHEMA).field('a', Schema.INT32_SCHEMA)).toThrow(
      'Cannot create field because of field name duplication a',
    );
    expect(() => SchemaBuilder.string().name('a').name('b')).toThrow('Invalid SchemaBuilder call: name has already been set.');
    expect(SchemaBuilder.int64().defaultValue(5n).build().defaultValue).toBe(5n);
  });
});

describe('Struct', () => {
  function valid(): Struct {
    return new Struct(person)
      .put('id', 1n)
      .put('tags', ['a'])
      .put('address', new Struct(address).put('city', 'Oslo'));
  }

  it('puts and gets values, with defaults for unset fields', () => {
    const struct = valid().put('scores', new Map([['x', 1.5]]));
    struct.validate();
    expect(struct.getInt64('id')).toBe(1n);
    expect(struct.get('age')).toBe(18);
    expect(struct.getWithoutDefault('age')).toBeNull();
    expect(struct.getString('name')).toBeNull();
    expect(struct.getStruct('address')?.getString('city')).toBe('Oslo');
    expect(struct.getMap('scores')?.get('x')).toBe(1.5);
    expect(() => struct.getInt32('id')).toThrow("Field 'id' is not of type INT32, but INT64");
    expect(String(new Struct(address).put('city', 'Oslo'))).toBe('Struct{city=Oslo}');
  });

  // Connect's messages, with JavaScript types where Connect names Java classes.
  it('rejects values that do not match the schema, naming the field', () => {
    const struct = new Struct(person);
    expect(() => struct.put('nope', 1)).toThrow(new DataError('nope is not a valid field name'));
    expect(() => struct.put('id', 1)).toThrow('Invalid value for schema with type INT64: number for field: "id"');
    expect(() => struct.put('age', 200)).toThrow('Invalid value for schema with type INT8: number for field: "age"');
    expect(() => struct.put('age', 1.5)).toThrow(DataError);
    expect(() => struct.put('tags', ['a', 1])).toThrow('Invalid value for schema with type STRING: number for field: "tags"');
    expect(() => struct.put('scores', { x: 1 })).toThrow('Invalid value for schema with type MAP: Object for field: "scores"');
    expect(() => struct.put('address', new Struct(SchemaBuilder.struct().build()))).toThrow('Struct schemas do not match.');
    expect(() => struct.validate()).toThrow('Invalid value: null used for required field: "id", schema type: INT64');
    expect(() => new Struct(Schema.INT32_SCHEMA)).toThrow(DataError);
  });

  it('validates nested structs', () => {
    expect(() => valid().put('address', new Struct(address))).toThrow(
      'Invalid value: null used for required field: "city", schema type: STRING',
    );
  });

  it('compares by schema and values', () => {
    expect(valid().equals(valid())).toBe(true);
    expect(valid().equals(valid().put('name', 'x'))).toBe(false);
  });
});

describe('logical types', () => {
  it('have Connect’s names, types and versions', () => {
    expect(Decimal.schema(2)).toMatchObject({ type: 'BYTES', name: 'org.apache.kafka.connect.data.Decimal', version: 1, parameters: { scale: '2' } });
    expect(ConnectDate.SCHEMA).toMatchObject({ type: 'INT32', name: 'org.apache.kafka.connect.data.Date', version: 1 });
    expect(ConnectTime.SCHEMA).toMatchObject({ type: 'INT32', name: 'org.apache.kafka.connect.data.Time', version: 1 });
    expect(ConnectTimestamp.SCHEMA).toMatchObject({ type: 'INT64', name: 'org.apache.kafka.connect.data.Timestamp', version: 1 });
  });

  it('encode decimals as two’s complement unscaled bytes', () => {
    const schema = Decimal.schema(2);
    expect(Decimal.fromLogical(schema, DecimalValue.parse('-123.45')).toString('base64')).toBe('z8c=');
    expect([...Decimal.fromLogical(schema, DecimalValue.parse('1.28'))]).toEqual([0x00, 0x80]);
    expect([...Decimal.fromLogical(schema, DecimalValue.parse('-1.28'))]).toEqual([0x80]);
    expect(Decimal.toLogical(schema, Buffer.from([0xcf, 0xc7]))).toEqual(new DecimalValue(-12345n, 2));
    expect(() => Decimal.fromLogical(schema, DecimalValue.parse('1.5'))).toThrow(
      'Decimal value has mismatching scale for given Decimal schema. Schema has scale 2, value has scale 1.',
    );
  });

  it('check dates and times like Connect', () => {
    expect(ConnectDate.fromLogical(ConnectDate.SCHEMA, new Date(86_400_000 * 3))).toBe(3);
    expect(() => ConnectDate.fromLogical(ConnectDate.SCHEMA, new Date(1))).toThrow(
      'Kafka Connect Date type should not have any time fields set to non-zero values.',
    );
    expect(() => ConnectTime.fromLogical(ConnectTime.SCHEMA, new Date(86_400_000))).toThrow(
      'Kafka Connect Time type should not have any date fields set to non-zero values.',
    );
    expect(ConnectTimestamp.fromLogical(ConnectTimestamp.SCHEMA, new Date(5))).toBe(5n);
    expect(() => ConnectDate.fromLogical(Schema.INT32_SCHEMA, new Date(0))).toThrow(
      'Requested conversion of Date object but the schema does not match.',
    );
  });

  it('validate logical values in structs by type', () => {
    const schema = SchemaBuilder.struct().field('d', Decimal.schema(1)).field('t', ConnectTimestamp.SCHEMA).build();
    expect(() => new Struct(schema).put('t', 5n)).toThrow(
      'Invalid value for schema "org.apache.kafka.connect.data.Timestamp" with type INT64: bigint for field: "t"',
    );
    expect(() => new Struct(schema).put('d', Buffer.from([1]))).toThrow(DataError);
    new Struct(schema).put('d', DecimalValue.parse('1.5')).put('t', new Date());
  });
});

describe('DecimalValue', () => {
  it.each([
    ['-123.45', -12345n, 2, '-123.45'],
    ['0.001', 1n, 3, '0.001'],
    ['1.5E+3', 15n, -2, '1.5E+3'],
    ['0.00000001', 1n, 8, '1E-8'],
    ['100', 100n, 0, '100'],
  ])('parses %s exactly and prints it as Java’s BigDecimal does', (text, unscaled, scale, printed) => {
    const value = DecimalValue.parse(text);
    expect([value.unscaled, value.scale]).toEqual([unscaled, scale]);
    expect(value.toString()).toBe(printed);
  });

  it('rescales without rounding', () => {
    expect(DecimalValue.parse('1.5').setScale(3)).toEqual(new DecimalValue(1500n, 3));
    expect(() => DecimalValue.parse('1.55').setScale(1)).toThrow(DataError);
  });
});

describe('Java number text', () => {
  it.each([
    [1, '1.0'],
    [1e20, '1.0E20'],
    [1e-4, '1.0E-4'],
    [12345678, '1.2345678E7'],
    [0.5, '0.5'],
    [-1.5, '-1.5'],
    [0.001, '0.001'],
    [1234567.5, '1234567.5'],
    [0, '0.0'],
    [NaN, 'NaN'],
  ])('prints the double %d as %s', (value, text) => {
    expect(javaDoubleToString(value)).toBe(text);
  });

  it('prints floats with the shortest digits of their 32-bit value', () => {
    expect(javaFloatToString(Math.fround(0.1))).toBe('0.1');
    expect(javaFloatToString(Math.fround(3.14159265358979))).toBe('3.1415927');
    expect(javaFloatToString(1e10)).toBe('1.0E10');
  });
});
