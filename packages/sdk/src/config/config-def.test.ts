import { ConfigError } from '@sluice/errors';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ConfigDef } from './config-def.js';
import { Password } from './password.js';
import {
  CaseInsensitiveValidString,
  CompositeValidator,
  LambdaValidator,
  NonEmptyString,
  Range,
  ValidList,
  ValidString,
} from './validators.js';

function allTypes() {
  return new ConfigDef()
    .define({
      name: 'i',
      type: 'INT',
      defaultValue: 1,
      validator: Range.between(0, 10),
      importance: 'HIGH',
      documentation: 'd',
    })
    .define({ name: 's', type: 'SHORT', defaultValue: 1, importance: 'HIGH', documentation: 'd' })
    .define({
      name: 'l',
      type: 'LONG',
      defaultValue: 1n,
      validator: Range.atLeast(0),
      importance: 'HIGH',
      documentation: 'd',
    })
    .define({ name: 'b', type: 'BOOLEAN', defaultValue: false, importance: 'HIGH', documentation: 'd' })
    .define({ name: 'd', type: 'DOUBLE', defaultValue: 0.5, importance: 'HIGH', documentation: 'd' })
    .define({
      name: 'str',
      type: 'STRING',
      defaultValue: 'x',
      validator: ValidString.in('x', 'y'),
      importance: 'HIGH',
      documentation: 'd',
    })
    .define({
      name: 'ci',
      type: 'STRING',
      defaultValue: 'x',
      validator: CaseInsensitiveValidString.in('x', 'y'),
      importance: 'HIGH',
      documentation: 'd',
    })
    .define({
      name: 'ne',
      type: 'STRING',
      defaultValue: 'x',
      validator: new NonEmptyString(),
      importance: 'HIGH',
      documentation: 'd',
    })
    .define({
      name: 'lst',
      type: 'LIST',
      defaultValue: 'a',
      validator: ValidList.in('a', 'b'),
      importance: 'HIGH',
      documentation: 'd',
    })
    .define({ name: 'pw', type: 'PASSWORD', defaultValue: 'p', importance: 'HIGH', documentation: 'd' })
    .define({ name: 'cls', type: 'CLASS', defaultValue: null, importance: 'LOW', documentation: 'd' });
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('ConfigDef.parse', () => {
  it('parses every type with Kafka rules and falls back to defaults', () => {
    const config = allTypes().parse({
      i: ' 5 ',
      s: '-300',
      l: '9223372036854775807',
      b: ' TRUE ',
      d: '1e3',
      str: ' y ',
      ci: 'X',
      lst: ' a , b ',
      pw: ' sec ',
      cls: ' org.example.Thing ',
      other: 'kept',
    });
    expect(config.values()).toEqual({
      i: 5,
      s: -300,
      l: 9223372036854775807n,
      b: true,
      d: 1000,
      str: 'y',
      ci: 'X',
      ne: 'x',
      lst: ['a', 'b'],
      pw: expect.any(Password),
      cls: 'org.example.Thing',
    });
    expect(config.get('pw').value()).toBe('sec');
    expect(config.originals().other).toBe('kept');
    expect(allTypes().parse({ lst: '' }).get('lst')).toEqual([]);
    expect(allTypes().parse({}).get('cls')).toBeNull();
  });

  it('types parsed values from the definitions', () => {
    const config = allTypes().parse({});
    expectTypeOf(config.get('i')).toEqualTypeOf<number>();
    expectTypeOf(config.get('l')).toEqualTypeOf<bigint>();
    expectTypeOf(config.get('lst')).toEqualTypeOf<string[]>();
    expectTypeOf(config.get('pw')).toEqualTypeOf<Password>();
    expectTypeOf(config.get('cls')).toEqualTypeOf<string | null>();
  });

  // Messages are those of Kafka 3.9.1's ConfigDef for the same inputs.
  it.each([
    ['i', '11', 'Invalid value 11 for configuration i: Value must be no more than 10'],
    ['i', '-1', 'Invalid value -1 for configuration i: Value must be at least 0'],
    ['i', 'abc', 'Invalid value abc for configuration i: Not a number of type INT'],
    ['i', '2147483648', 'Invalid value 2147483648 for configuration i: Not a number of type INT'],
    ['s', '40000', 'Invalid value 40000 for configuration s: Not a number of type SHORT'],
    [
      'l',
      '9223372036854775808',
      'Invalid value 9223372036854775808 for configuration l: Not a number of type LONG',
    ],
    ['l', '-1', 'Invalid value -1 for configuration l: Value must be at least 0'],
    ['b', 'yes', 'Invalid value yes for configuration b: Expected value to be either true or false'],
    ['d', 'x', 'Invalid value x for configuration d: Not a number of type DOUBLE'],
    ['str', 'z', 'Invalid value z for configuration str: String must be one of: x, y'],
    ['ci', 'Z', 'Invalid value Z for configuration ci: String must be one of (case insensitive): X, Y'],
    ['ne', '', 'Invalid value  for configuration ne: String must be non-empty'],
    ['lst', 'a, c', 'Invalid value c for configuration lst: String must be one of: a, b'],
  ])('rejects %s=%j with Kafka’s message', (key, value, message) => {
    const error = errorOf(() => allTypes().parse({ [key]: value }));
    expect(error.message).toBe(message);
    expect(error.key).toBe(key);
    expect(error.code).toBe('SLUICE_CONFIG_INVALID');
  });

  it('rejects values of the wrong JavaScript type', () => {
    expect(errorOf(() => allTypes().parse({ i: true })).message).toBe(
      'Invalid value true for configuration i: Expected value to be a 32-bit integer, but it was a boolean',
    );
    expect(errorOf(() => allTypes().parse({ str: 5 })).message).toBe(
      'Invalid value 5 for configuration str: Expected value to be a string, but it was a number',
    );
    expect(
      allTypes()
        .parse({ i: 7, l: 5, b: true, lst: ['b'] })
        .values(),
    ).toMatchObject({ i: 7, l: 5n, b: true, lst: ['b'] });
  });

  it('requires keys without a default', () => {
    const def = new ConfigDef().define({ name: 'r', type: 'STRING', importance: 'HIGH', documentation: 'd' });
    const error = errorOf(() => def.parse({}));
    expect(error.message).toBe('Missing required configuration "r" which has no default value.');
    expect(error.key).toBe('r');
    expect(def.parse({ r: 'v' }).get('r')).toBe('v');
  });

  it('checks defaults and duplicate names when defining', () => {
    expect(
      errorOf(() =>
        new ConfigDef().define({
          name: 'bad',
          type: 'INT',
          defaultValue: 20,
          validator: Range.between(0, 10),
          importance: 'HIGH',
          documentation: 'd',
        }),
      ).message,
    ).toBe('Invalid value 20 for configuration bad: Value must be no more than 10');
    const def = new ConfigDef().define({
      name: 'a',
      type: 'INT',
      defaultValue: 1,
      importance: 'LOW',
      documentation: 'd',
    });
    expect(
      errorOf(() =>
        def.define({ name: 'a', type: 'INT', defaultValue: 1, importance: 'LOW', documentation: 'd' }),
      ).message,
    ).toBe('Configuration a is defined twice.');
  });

  it('runs composite and lambda validators in order', () => {
    const def = new ConfigDef().define({
      name: 'port',
      type: 'INT',
      defaultValue: 8083,
      validator: CompositeValidator.of(
        Range.between(1, 65535),
        LambdaValidator.with((_name, value) => (value === 22 ? 'Port 22 is reserved' : undefined), 'not 22'),
      ),
      importance: 'HIGH',
      documentation: 'd',
    });
    expect(errorOf(() => def.parse({ port: '0' })).message).toBe(
      'Invalid value 0 for configuration port: Value must be at least 1',
    );
    expect(errorOf(() => def.parse({ port: '22' })).message).toBe(
      'Invalid value 22 for configuration port: Port 22 is reserved',
    );
    expect(def.parse({ port: '80' }).get('port')).toBe(80);
    expect(String(Range.between(1, 65535))).toBe('[1,...,65535]');
  });

  it('keeps passwords out of text and JSON', () => {
    const config = allTypes().parse({ pw: 'secret' });
    expect(String(config.get('pw'))).toBe('[hidden]');
    expect(JSON.stringify({ pw: config.get('pw') })).toBe('{"pw":"[hidden]"}');
  });

  it('gives prefixed originals with or without the prefix', () => {
    const config = new ConfigDef().parse({ 'producer.acks': 'all', 'producer.linger.ms': '5', other: 'x' });
    expect(config.originalsWithPrefix('producer.')).toEqual({ acks: 'all', 'linger.ms': '5' });
    expect(config.originalsWithPrefix('producer.', false)).toEqual({
      'producer.acks': 'all',
      'producer.linger.ms': '5',
    });
  });
});

describe('ConfigDef.validate', () => {
  it('collects every error per key instead of stopping at the first', () => {
    const values = allTypes().validate({ i: 'abc', b: 'maybe', str: 'x' });
    expect(values.map((v) => [v.name, v.errorMessages])).toEqual([
      [
        'i',
        [
          'Invalid value abc for configuration i: Not a number of type INT',
          'Invalid value null for configuration i: Value must be non-null',
        ],
      ],
      ['s', []],
      ['l', []],
      ['b', ['Invalid value maybe for configuration b: Expected value to be either true or false']],
      ['d', []],
      ['str', []],
      ['ci', []],
      ['ne', []],
      ['lst', []],
      ['pw', []],
      ['cls', []],
    ]);
  });

  it('asks recommenders with every parsed value, and reports their errors', () => {
    const seen: unknown[] = [];
    const def = new ConfigDef()
      .define({
        name: 'ssl',
        type: 'BOOLEAN',
        defaultValue: false,
        importance: 'HIGH',
        documentation: 'd',
        dependents: ['ssl.key'],
      })
      .define({
        name: 'ssl.key',
        type: 'STRING',
        defaultValue: null,
        importance: 'HIGH',
        documentation: 'd',
        recommender: {
          validValues: (_name, parsed) => {
            seen.push(parsed.ssl);
            return parsed.ssl ? ['k1', 'k2'] : [];
          },
          visible: (_name, parsed) => parsed.ssl === true,
        },
      })
      .define({
        name: 'broken',
        type: 'STRING',
        defaultValue: null,
        importance: 'LOW',
        documentation: 'd',
        recommender: {
          validValues: () => {
            throw new Error('lookup failed');
          },
          visible: () => true,
        },
      });
    const on = def.validateAll({ ssl: 'true' });
    expect(on.get('ssl.key')).toMatchObject({ recommendedValues: ['k1', 'k2'], visible: true });
    const off = def.validateAll({});
    expect(off.get('ssl.key')).toMatchObject({ recommendedValues: [], visible: false });
    expect(off.get('broken')?.errorMessages).toEqual(['lookup failed']);
    expect(seen).toEqual([true, false]);
  });
});
