import { ConfigError } from '@sluice/errors';
import { describe, expect, it } from 'vitest';
import { DataError } from '../errors.js';
import { Schema } from '../data/schema.js';
import { configKeyInfos } from '../config/rest.js';
import { ByteArrayConverter } from './byte-array-converter.js';
import { jsonConverterConfigDef } from './json/json-converter.js';
import { StringConverter } from './string-converter.js';

describe('StringConverter', () => {
  it('writes strings in the configured encoding and reads optional strings', () => {
    const utf8 = new StringConverter();
    utf8.configure({}, false);
    expect(utf8.fromConnectData('t', null, Schema.STRING_SCHEMA, 'héllo')).toEqual(
      Buffer.from('héllo', 'utf8'),
    );
    expect(utf8.toConnectData('t', null, Buffer.from('héllo', 'utf8'))).toEqual({
      schema: Schema.OPTIONAL_STRING_SCHEMA,
      value: 'héllo',
    });
    const latin1 = new StringConverter();
    latin1.configure({ 'converter.encoding': 'ISO-8859-1' }, true);
    expect(latin1.fromConnectData('t', null, null, 'é')).toEqual(Buffer.from([0xe9]));
    expect(latin1.toConnectData('t', null, Buffer.from([0xe9])).value).toBe('é');
  });

  it('writes other values as text, and null as null', () => {
    const c = new StringConverter();
    c.configure({}, false);
    expect(c.fromConnectData('t', null, Schema.INT64_SCHEMA, 42n)?.toString()).toBe('42');
    expect(c.fromConnectData('t', null, Schema.FLOAT64_SCHEMA, 1)?.toString()).toBe('1.0');
    expect(c.fromConnectData('t', null, null, null)).toBeNull();
    expect(c.toConnectData('t', null, null)).toEqual({ schema: Schema.OPTIONAL_STRING_SCHEMA, value: null });
  });

  it('rejects an unknown encoding naming the key', () => {
    const c = new StringConverter();
    expect(() => c.configure({ 'converter.encoding': 'EBCDIC' }, false)).toThrow(ConfigError);
    expect(() => c.configure({ 'converter.encoding': 'EBCDIC' }, false)).toThrow(/converter\.encoding/);
  });
});

describe('ByteArrayConverter', () => {
  it('passes bytes through and reads optional bytes', () => {
    const c = new ByteArrayConverter();
    c.configure();
    const bytes = Buffer.from([1, 2, 3]);
    expect(c.fromConnectData('t', null, Schema.BYTES_SCHEMA, bytes)).toBe(bytes);
    expect(c.fromConnectData('t', null, null, new Uint8Array([4]))).toEqual(Buffer.from([4]));
    expect(c.fromConnectData('t', null, null, null)).toBeNull();
    expect(c.toConnectData('t', null, bytes)).toEqual({ schema: Schema.OPTIONAL_BYTES_SCHEMA, value: bytes });
  });

  it('rejects other schemas and values, as Connect does', () => {
    const c = new ByteArrayConverter();
    expect(() => c.fromConnectData('t', null, Schema.STRING_SCHEMA, 'x')).toThrow(
      new DataError('Invalid schema type for ByteArrayConverter: STRING'),
    );
    expect(() => c.fromConnectData('t', null, null, 'x')).toThrow(
      'ByteArrayConverter is not compatible with objects of type string',
    );
  });
});

describe('converter configs', () => {
  it('describes JsonConverter’s keys with Connect’s names, types, defaults and groups', () => {
    const keys = configKeyInfos(jsonConverterConfigDef()).map(({ documentation: _d, ...rest }) => rest);
    // As Connect 3.9.1 lists them, documentation aside.
    expect(keys).toEqual([
      {
        name: 'converter.type',
        type: 'STRING',
        required: true,
        default_value: null,
        importance: 'LOW',
        group: null,
        width: 'NONE',
        display_name: 'converter.type',
        dependents: [],
        order: -1,
      },
      {
        name: 'schemas.enable',
        type: 'BOOLEAN',
        required: false,
        default_value: 'true',
        importance: 'HIGH',
        group: 'Schemas',
        width: 'MEDIUM',
        display_name: 'Enable Schemas',
        dependents: [],
        order: 0,
      },
      {
        name: 'schemas.cache.size',
        type: 'INT',
        required: false,
        default_value: '1000',
        importance: 'HIGH',
        group: 'Schemas',
        width: 'MEDIUM',
        display_name: 'Schema Cache Size',
        dependents: [],
        order: 1,
      },
      {
        name: 'decimal.format',
        type: 'STRING',
        required: false,
        default_value: 'BASE64',
        importance: 'LOW',
        group: 'Serialization',
        width: 'MEDIUM',
        display_name: 'Decimal Format',
        dependents: [],
        order: 0,
      },
      {
        name: 'replace.null.with.default',
        type: 'BOOLEAN',
        required: false,
        default_value: 'true',
        importance: 'LOW',
        group: 'Serialization',
        width: 'MEDIUM',
        display_name: 'Replace null with default',
        dependents: [],
        order: 1,
      },
    ]);
  });
});
