import { describe, expect, it } from 'vitest';
import { ConfigError } from '@sluice/errors';
import type { PluginKind } from '@sluice/sdk';
import { resolveConverterSpecs } from './converters.js';

const JSON_CONVERTER = 'org.apache.kafka.connect.json.JsonConverter';
const STRING_CONVERTER = 'org.apache.kafka.connect.storage.StringConverter';
const SIMPLE_HEADER = 'org.apache.kafka.connect.storage.SimpleHeaderConverter';
const KNOWN: Record<string, PluginKind[]> = {
  [JSON_CONVERTER]: ['converter', 'header-converter'],
  [STRING_CONVERTER]: ['converter', 'header-converter'],
  StringConverter: ['converter', 'header-converter'],
  [SIMPLE_HEADER]: ['header-converter'],
};
const find = (name: string, kinds: readonly PluginKind[]) =>
  KNOWN[name]?.some((kind) => kinds.includes(kind))
    ? { module: 'file:///sdk.js', className: name === 'StringConverter' ? STRING_CONVERTER : name }
    : undefined;

const worker = {
  keyConverter: JSON_CONVERTER,
  valueConverter: JSON_CONVERTER,
  headerConverter: SIMPLE_HEADER,
  originals: new Map([
    ['key.converter', JSON_CONVERTER],
    ['key.converter.schemas.enable', 'false'],
    ['value.converter.schemas.enable', 'false'],
    ['value.converter.decimal.format', 'NUMERIC'],
    ['header.converter.x', 'y'],
    ['offset.flush.interval.ms', '1000'],
  ]),
};

describe('resolveConverterSpecs', () => {
  it("uses the worker's converters with the worker's prefixed settings when the connector names none", () => {
    // Connector-level settings without a connector-level class are ignored, as in Connect.
    const specs = resolveConverterSpecs({
      worker,
      connector: { 'value.converter.schemas.enable': 'true' },
      find,
    });
    expect(specs).toEqual({
      key: { module: 'file:///sdk.js', className: JSON_CONVERTER, config: { 'schemas.enable': 'false' } },
      value: {
        module: 'file:///sdk.js',
        className: JSON_CONVERTER,
        config: { 'schemas.enable': 'false', 'decimal.format': 'NUMERIC' },
      },
      header: { module: 'file:///sdk.js', className: SIMPLE_HEADER, config: { x: 'y' } },
    });
  });

  it("uses a connector's own converter with the connector's settings only, as Connect does", () => {
    const specs = resolveConverterSpecs({
      worker,
      connector: {
        'value.converter': JSON_CONVERTER,
        'value.converter.schemas.enable': 'true',
        'key.converter': ' StringConverter ',
        'key.converter.converter.encoding': 'UTF-16LE',
      },
      find,
    });
    expect(specs.value).toEqual({
      module: 'file:///sdk.js',
      className: JSON_CONVERTER,
      config: { 'schemas.enable': 'true' },
    });
    expect(specs.key).toEqual({
      module: 'file:///sdk.js',
      className: STRING_CONVERTER,
      config: { 'converter.encoding': 'UTF-16LE' },
    });
  });

  it('names the key of a converter that is not a plugin of the right kind', () => {
    const resolve = (connector: Record<string, string>) => () =>
      resolveConverterSpecs({ worker, connector, find });
    expect(resolve({ 'value.converter': 'com.example.Missing' })).toThrow(
      new ConfigError(
        'value.converter',
        "value.converter must name a converter plugin, got 'com.example.Missing'",
      ),
    );
    expect(resolve({ 'key.converter': SIMPLE_HEADER })).toThrow(
      "key.converter must name a converter plugin, got 'org.apache.kafka.connect.storage.SimpleHeaderConverter'",
    );
    expect(resolve({ 'header.converter': 'Nope' })).toThrow(
      "header.converter must name a header converter plugin, got 'Nope'",
    );
  });
});
