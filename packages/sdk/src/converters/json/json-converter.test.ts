import { describe, expect, it } from 'vitest';
import { DataError } from '../../errors.js';
import { DecimalValue } from '../../data/decimal-value.js';
import { ConnectDate, ConnectTime, ConnectTimestamp, Decimal } from '../../data/logical.js';
import { Schema, schemaEquals, valueEquals } from '../../data/schema.js';
import { SchemaBuilder } from '../../data/schema-builder.js';
import { Struct } from '../../data/struct.js';
import { JsonConverter } from './json-converter.js';

function converter(configs: Record<string, unknown> = {}): JsonConverter {
  const c = new JsonConverter();
  c.configure(configs, false);
  return c;
}

const inner = SchemaBuilder.struct().name('Inner').field('x', Schema.OPTIONAL_STRING_SCHEMA).build();
const all = SchemaBuilder.struct()
  .name('com.example.All')
  .version(2)
  .doc('all types')
  .parameter('p', 'v')
  .field('i8', Schema.INT8_SCHEMA)
  .field('i16', Schema.INT16_SCHEMA)
  .field('i32', Schema.INT32_SCHEMA)
  .field('i64', Schema.INT64_SCHEMA)
  .field('f32', Schema.FLOAT32_SCHEMA)
  .field('f64', Schema.FLOAT64_SCHEMA)
  .field('b', Schema.BOOLEAN_SCHEMA)
  .field('s', Schema.STRING_SCHEMA)
  .field('by', Schema.BYTES_SCHEMA)
  .field('arr', SchemaBuilder.array(Schema.INT32_SCHEMA))
  .field('m', SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA))
  .field('mi', SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).optional())
  .field('inner', inner)
  .field('opt', Schema.OPTIONAL_INT32_SCHEMA)
  .field('def', SchemaBuilder.int32().defaultValue(7))
  .field('dec', Decimal.schema(2))
  .field('date', ConnectDate.SCHEMA)
  .field('time', ConnectTime.SCHEMA)
  .field('ts', ConnectTimestamp.SCHEMA)
  .build();

function allValue(): Struct {
  return new Struct(all)
    .put('i8', -8)
    .put('i16', 300)
    .put('i32', 70000)
    .put('i64', 9007199254740993n)
    .put('f32', Math.fround(0.1))
    .put('f64', 1.0)
    .put('b', true)
    .put('s', 'hé"llo')
    .put('by', Buffer.from([0, 1, 255]))
    .put('arr', [1, 2])
    .put('m', new Map([['k', 1]]))
    .put('mi', new Map([[1, 'one']]))
    .put('inner', new Struct(inner).put('x', 'y'))
    .put('dec', DecimalValue.parse('-123.45'))
    .put('date', new Date(86_400_000 * 19000))
    .put('time', new Date(3723004))
    .put('ts', new Date(1700000000123));
}

// Expected texts are what Apache Kafka Connect 3.9.1's JsonConverter writes for the same data.
const SCHEMA_JSON =
  '{"type":"struct","fields":[{"type":"int8","optional":false,"field":"i8"},{"type":"int16","optional":false,"field":"i16"},{"type":"int32","optional":false,"field":"i32"},{"type":"int64","optional":false,"field":"i64"},{"type":"float","optional":false,"field":"f32"},{"type":"double","optional":false,"field":"f64"},{"type":"boolean","optional":false,"field":"b"},{"type":"string","optional":false,"field":"s"},{"type":"bytes","optional":false,"field":"by"},{"type":"array","items":{"type":"int32","optional":false},"optional":false,"field":"arr"},{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int32","optional":false},"optional":false,"field":"m"},{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"string","optional":false},"optional":true,"field":"mi"},{"type":"struct","fields":[{"type":"string","optional":true,"field":"x"}],"optional":false,"name":"Inner","field":"inner"},{"type":"int32","optional":true,"field":"opt"},{"type":"int32","optional":false,"default":7,"field":"def"},{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"},"field":"dec"},{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1,"field":"date"},{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1,"field":"time"},{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"ts"}],"optional":false,"name":"com.example.All","version":2,"doc":"all types","parameters":{"p":"v"}}';
const PAYLOAD_PREFIX =
  '{"i8":-8,"i16":300,"i32":70000,"i64":9007199254740993,"f32":0.1,"f64":1.0,"b":true,"s":"hé\\"llo","by":"AAH/","arr":[1,2],"m":{"k":1},"mi":[[1,"one"]],"inner":{"x":"y"},"opt":null,"def":7,';
const PAYLOAD = `${PAYLOAD_PREFIX}"dec":"z8c=","date":19000,"time":3723004,"ts":1700000000123}`;
const PAYLOAD_NUMERIC = `${PAYLOAD_PREFIX}"dec":-123.45,"date":19000,"time":3723004,"ts":1700000000123}`;

function text(buffer: Buffer | null): string | null {
  return buffer === null ? null : buffer.toString('utf8');
}

describe('JsonConverter with schemas', () => {
  it('writes the envelope exactly as Connect does, for every type', () => {
    expect(text(converter().fromConnectData('t', null, all, allValue()))).toBe(
      `{"schema":${SCHEMA_JSON},"payload":${PAYLOAD}}`,
    );
    expect(text(converter({ 'decimal.format': 'numeric' }).fromConnectData('t', null, all, allValue()))).toBe(
      `{"schema":${SCHEMA_JSON},"payload":${PAYLOAD_NUMERIC}}`,
    );
  });

  it('writes schema properties in Connect order, the default last', () => {
    const schema = SchemaBuilder.int32()
      .name('n')
      .version(3)
      .doc('dd')
      .parameter('a', 'b')
      .defaultValue(4)
      .optional()
      .build();
    expect(text(converter().fromConnectData('t', null, schema, 1))).toBe(
      '{"schema":{"type":"int32","optional":true,"name":"n","version":3,"doc":"dd","parameters":{"a":"b"},"default":4},"payload":1}',
    );
  });

  it('reads back every type, nested and logical ones included', () => {
    const c = converter();
    const result = c.toConnectData('t', null, c.fromConnectData('t', null, all, allValue()));
    expect(schemaEquals(result.schema, all)).toBe(true);
    const struct = result.value as Struct;
    expect(struct.equals(allValue().put('def', 7))).toBe(true);
    expect(struct.getInt64('i64')).toBe(9007199254740993n);
    expect(struct.getBytes('by')).toEqual(Buffer.from([0, 1, 255]));
    expect(struct.get('dec')).toEqual(new DecimalValue(-12345n, 2));
    const numeric = converter({ 'decimal.format': 'NUMERIC' });
    const back = numeric.toConnectData('t', null, numeric.fromConnectData('t', null, all, allValue()));
    expect((back.value as Struct).get('dec')).toEqual(new DecimalValue(-12345n, 2));
  });

  it('round-trips primitives, arrays and maps as top-level values', () => {
    const c = converter();
    const cases: [Schema, unknown][] = [
      [Schema.INT64_SCHEMA, -(2n ** 63n)],
      [Schema.FLOAT64_SCHEMA, 1e20],
      [Schema.FLOAT32_SCHEMA, Math.fround(3.3)],
      [Schema.STRING_SCHEMA, ''],
      [Schema.BOOLEAN_SCHEMA, false],
      [Schema.BYTES_SCHEMA, Buffer.alloc(0)],
      [SchemaBuilder.array(SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA)).build(), [['a', null], []]],
      [SchemaBuilder.map(Schema.INT64_SCHEMA, inner).build(), new Map([[5n, new Struct(inner)]])],
      [Decimal.schema(0), new DecimalValue(12345678901234567890123n, 0)],
    ];
    for (const [schema, value] of cases) {
      const back = c.toConnectData('t', null, c.fromConnectData('t', null, schema, value));
      expect(schemaEquals(back.schema, schema)).toBe(true);
      expect(valueEquals(back.value, value)).toBe(true);
    }
  });

  it('handles null: tombstones, optional values and defaults', () => {
    const c = converter();
    expect(c.fromConnectData('t', null, null, null)).toBeNull();
    expect(text(c.fromConnectData('t', null, Schema.OPTIONAL_STRING_SCHEMA, null))).toBe(
      '{"schema":{"type":"string","optional":true},"payload":null}',
    );
    const withDefault = SchemaBuilder.int32().optional().defaultValue(5).build();
    expect(text(c.fromConnectData('t', null, withDefault, null))).toBe(
      '{"schema":{"type":"int32","optional":true,"default":5},"payload":5}',
    );
    expect(
      text(converter({ 'replace.null.with.default': 'false' }).fromConnectData('t', null, withDefault, null)),
    ).toBe('{"schema":{"type":"int32","optional":true,"default":5},"payload":null}');
    const read = c.toConnectData(
      't',
      null,
      Buffer.from('{"schema":{"type":"int32","optional":true,"default":5},"payload":null}'),
    );
    expect(read.value).toBe(5);
    expect(c.toConnectData('t', null, null)).toEqual({ schema: null, value: null });
    expect(c.toConnectData('t', null, Buffer.from('{"schema":null,"payload":{"a":1}}')).value).toEqual(
      new Map([['a', 1n]]),
    );
  });

  it('rejects plain JSON without the envelope with Connect’s message', () => {
    const error = (() => {
      try {
        converter().toConnectData('t', null, Buffer.from('{"a":1}'));
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toBe(
      'JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.',
    );
    expect(() =>
      converter().toConnectData('t', null, Buffer.from('{"schema":null,"payload":1,"x":2}')),
    ).toThrow(/requires "schema" and "payload"/);
  });

  it('reports bad JSON, unknown schema types, missing fields and wrong value types', () => {
    const c = converter();
    const read = (json: string) => () => c.toConnectData('t', null, Buffer.from(json));
    expect(read('{bad')).toThrow(
      'Converting byte[] to Kafka Connect data failed due to serialization error: ',
    );
    expect(read('{"schema":{"type":"nope"},"payload":1}')).toThrow('Unknown schema type: nope');
    expect(read('{"schema":{"type":"struct","fields":[{"type":"int32","field":"a"}]},"payload":{}}')).toThrow(
      'Invalid null value for required INT32 field',
    );
    expect(read('{"schema":{"type":"array"},"payload":[]}')).toThrow(
      'Array schema did not specify the element type',
    );
    expect(read('{"schema":{"type":"int32"},"payload":"x"}')).toThrow(DataError);
    expect(read('{"schema":{"type":"int8"},"payload":300}')).toThrow(DataError);
    expect(() => c.fromConnectData('t', null, Schema.INT32_SCHEMA, 'x')).toThrow(
      'Invalid type for INT32: string',
    );
    expect(() => c.fromConnectData('t', null, Schema.INT32_SCHEMA, null)).toThrow(
      'Conversion error: null value for field that is required and has no default value',
    );
  });
});

describe('JsonConverter without schemas', () => {
  const plain = () => converter({ 'schemas.enable': false });

  it('writes plain JSON exactly as Connect does', () => {
    expect(text(plain().fromConnectData('t', null, all, allValue()))).toBe(PAYLOAD);
    expect(text(plain().fromConnectData('t', null, Schema.OPTIONAL_STRING_SCHEMA, null))).toBe('null');
    const schemaless = new Map<string, unknown>([
      ['a', 1n],
      ['b', 1.5],
      ['c', ['x', true]],
      ['d', null],
      ['e', Buffer.from([1, 2])],
      ['g', 7],
    ]);
    expect(text(plain().fromConnectData('t', null, null, schemaless))).toBe(
      '{"a":1,"b":1.5,"c":["x",true],"d":null,"e":"AQI=","g":7}',
    );
    expect(text(converter().fromConnectData('t', null, null, { a: 1 }))).toBe(
      '{"schema":null,"payload":{"a":1}}',
    );
    expect(
      text(
        plain().fromConnectData(
          't',
          null,
          null,
          new Map([
            [1, 'a'],
            [2, 'b'],
          ]),
        ),
      ),
    ).toBe('[[1,"a"],[2,"b"]]');
  });

  it('infers values when reading: integers as INT64 bigints, other numbers as doubles, objects as maps', () => {
    const c = plain();
    const read = (json: string) => c.toConnectData('t', null, Buffer.from(json));
    expect(read('{"a":1,"b":1.0,"c":[1,"x"],"d":null,"e":12345678901234567890}')).toEqual({
      schema: null,
      value: new Map<string, unknown>([
        ['a', 1n],
        ['b', 1],
        ['c', [1n, 'x']],
        ['d', null],
        // Connect wraps integers past the INT64 range (Jackson's longValue); so does Sluice.
        ['e', -6101065172474983726n],
      ]),
    });
    expect(read('123').value).toBe(123n);
    expect(read('1e3').value).toBe(1000);
    expect(read('"s"').value).toBe('s');
    expect(read('null').value).toBeNull();
    expect(read('').value).toBeNull();
    expect(read('9007199254740993').value).toBe(9007199254740993n);
  });

  it('round-trips schemaless values', () => {
    const c = plain();
    const value = new Map<string, unknown>([
      ['n', 9007199254740993n],
      ['f', 2.5],
      ['list', [new Map([['deep', [true, null]]])]],
    ]);
    expect(c.toConnectData('t', null, c.fromConnectData('t', null, null, value)).value).toEqual(value);
  });
});

describe('JsonConverter as a header converter', () => {
  it('writes and reads headers with the envelope', () => {
    const c = new JsonConverter();
    c.configure({});
    const bytes = c.fromConnectHeader('t', 'h', Schema.INT64_SCHEMA, 5n);
    expect(text(bytes)).toBe('{"schema":{"type":"int64","optional":false},"payload":5}');
    expect(c.toConnectHeader('t', 'h', bytes).value).toBe(5n);
  });
});
