import { describe, expect, it } from 'vitest';
import { Schema } from '../data/schema.js';
import { DataError } from '../errors.js';
import { converterPlugins } from './plugins.js';
import {
  BooleanConverter,
  DoubleConverter,
  FloatConverter,
  IntegerConverter,
  LongConverter,
  ShortConverter,
} from './number-converters.js';

const hex = (buffer: Buffer | null) => buffer?.toString('hex') ?? null;

describe("Connect's number converters", () => {
  it.each([
    [new ShortConverter(), Schema.OPTIONAL_INT16_SCHEMA, -2, 'fffe'],
    [new IntegerConverter(), Schema.OPTIONAL_INT32_SCHEMA, 258, '00000102'],
    [new LongConverter(), Schema.OPTIONAL_INT64_SCHEMA, -(2n ** 63n), '8000000000000000'],
    [new FloatConverter(), Schema.OPTIONAL_FLOAT32_SCHEMA, 1.5, '3fc00000'],
    [new DoubleConverter(), Schema.OPTIONAL_FLOAT64_SCHEMA, -0.25, 'bfd0000000000000'],
  ] as const)(
    '%o writes big-endian bytes as Kafka’s serializer and reads its optional schema',
    (c, schema, value, bytes) => {
      c.configure();
      expect(hex(c.fromConnectData('t', null, schema, value))).toBe(bytes);
      expect(c.toConnectData('t', null, Buffer.from(bytes, 'hex'))).toEqual({ schema, value });
      expect(c.fromConnectData('t', null, schema, null)).toBeNull();
      expect(c.toConnectData('t', null, null)).toEqual({ schema, value: null });
      // As a header converter, the same.
      expect(hex(c.fromConnectHeader('t', 'h', null, value))).toBe(bytes);
      expect(c.toConnectHeader('t', 'h', Buffer.from(bytes, 'hex')).value).toEqual(value);
    },
  );

  it('refuses values of another type or out of range, as a failed Java cast', () => {
    expect(() => new ShortConverter().fromConnectData('t', null, null, 40_000)).toThrow(
      new DataError('Failed to serialize to short (was number)'),
    );
    expect(() => new IntegerConverter().fromConnectData('t', null, null, 1.5)).toThrow(DataError);
    expect(() => new IntegerConverter().fromConnectData('t', null, null, 1n)).toThrow(
      'Failed to serialize to int (was bigint)',
    );
    expect(() => new LongConverter().fromConnectData('t', null, null, 2n ** 63n)).toThrow(DataError);
    expect(() => new DoubleConverter().fromConnectData('t', null, null, '1')).toThrow(
      'Failed to serialize to double (was string)',
    );
    // The schema is not looked at, as Connect's NumberConverter does not.
    expect(hex(new IntegerConverter().fromConnectData('t', null, Schema.STRING_SCHEMA, 1))).toBe('00000001');
  });

  it('takes a safe-integer number as a long, and rounds a double to single precision as a float', () => {
    expect(hex(new LongConverter().fromConnectData('t', null, null, 42))).toBe('000000000000002a');
    const float = new FloatConverter();
    expect(float.toConnectData('t', null, float.fromConnectData('t', null, null, 0.1)).value).toBe(
      Math.fround(0.1),
    );
  });

  it('refuses bytes of the wrong size with the deserializer’s message', () => {
    expect(() => new ShortConverter().toConnectData('t', null, Buffer.alloc(3))).toThrow(
      new DataError('Failed to deserialize short: Size of data received by ShortDeserializer is not 2'),
    );
    expect(() => new LongConverter().toConnectData('t', null, Buffer.alloc(4))).toThrow(
      'Failed to deserialize long: Size of data received by LongDeserializer is not 8',
    );
  });
});

describe('BooleanConverter', () => {
  it('writes 1 or 0 and reads them back as an optional BOOLEAN', () => {
    const c = new BooleanConverter();
    c.configure();
    expect(hex(c.fromConnectData('t', null, Schema.BOOLEAN_SCHEMA, true))).toBe('01');
    expect(hex(c.fromConnectHeader('t', 'h', null, false))).toBe('00');
    expect(c.fromConnectData('t', null, null, null)).toBeNull();
    expect(c.toConnectData('t', null, Buffer.from([1]))).toEqual({
      schema: Schema.OPTIONAL_BOOLEAN_SCHEMA,
      value: true,
    });
    expect(c.toConnectHeader('t', 'h', Buffer.from([0])).value).toBe(false);
    expect(c.toConnectData('t', null, null).value).toBeNull();
  });

  it('refuses other schemas, values and bytes, with Connect’s messages', () => {
    const c = new BooleanConverter();
    expect(() => c.fromConnectData('t', null, Schema.INT8_SCHEMA, true)).toThrow(
      new DataError('Invalid schema type for BooleanConverter: INT8'),
    );
    expect(() => c.fromConnectData('t', null, null, 1)).toThrow(
      'BooleanConverter is not compatible with objects of type number',
    );
    expect(() => c.toConnectData('t', null, Buffer.from([0xff]))).toThrow(
      'Failed to deserialize boolean: Unexpected byte received by BooleanDeserializer: -1',
    );
    expect(() => c.toConnectData('t', null, Buffer.alloc(2))).toThrow(
      'Failed to deserialize boolean: Size of data received by BooleanDeserializer is not 1',
    );
  });
});

describe('converter plugins', () => {
  it('lists every converter Connect ships, and each again as a header converter', () => {
    const names = (kind: string) =>
      converterPlugins
        .filter((p) => p.kind === kind)
        .map((p) => p.className.slice(p.className.lastIndexOf('.') + 1))
        .sort();
    const converters = [
      'BooleanConverter',
      'ByteArrayConverter',
      'DoubleConverter',
      'FloatConverter',
      'IntegerConverter',
      'JsonConverter',
      'LongConverter',
      'ShortConverter',
      'StringConverter',
    ];
    expect(names('converter')).toEqual(converters);
    expect(names('header-converter')).toEqual([...converters, 'SimpleHeaderConverter'].sort());
  });
});
