/*
 * The built-in converters live in the SDK rather than in a package of their own: they depend on nothing but
 * the data model, every worker needs them, and connectors may use them directly (e.g. to read JSON the way
 * the runtime writes it). Apache splits them (connect-json, connect-runtime) only because of Jackson.
 */
import { definePlugin, type PluginDescriptor } from '../plugin/descriptor.js';
import type { Converter, HeaderConverter } from '../storage/converter.js';
import { ByteArrayConverter } from './byte-array-converter.js';
import { JsonConverter } from './json/json-converter.js';
import {
  BooleanConverter,
  DoubleConverter,
  FloatConverter,
  IntegerConverter,
  LongConverter,
  ShortConverter,
} from './number-converters.js';
import { SimpleHeaderConverter } from './simple-header-converter.js';
import { StringConverter } from './string-converter.js';

/** The SDK's version, reported as the built-in converters' version. */
export const SDK_VERSION = '0.1.0';

const CONVERTERS = 'org.apache.kafka.connect.converters';

/** Converters that are header converters too, under Apache's class names. */
const BOTH: ReadonlyArray<readonly [string, () => Converter & HeaderConverter]> = [
  ['org.apache.kafka.connect.json.JsonConverter', () => new JsonConverter()],
  ['org.apache.kafka.connect.storage.StringConverter', () => new StringConverter()],
  [`${CONVERTERS}.ByteArrayConverter`, () => new ByteArrayConverter()],
  [`${CONVERTERS}.BooleanConverter`, () => new BooleanConverter()],
  [`${CONVERTERS}.DoubleConverter`, () => new DoubleConverter()],
  [`${CONVERTERS}.FloatConverter`, () => new FloatConverter()],
  [`${CONVERTERS}.IntegerConverter`, () => new IntegerConverter()],
  [`${CONVERTERS}.LongConverter`, () => new LongConverter()],
  [`${CONVERTERS}.ShortConverter`, () => new ShortConverter()],
];

/**
 * Descriptors of the built-in converters, the ones Apache's runtime ships: each is listed as a converter and
 * again as a header converter (as Connect lists every class that implements both), and
 * `SimpleHeaderConverter` only as a header converter.
 */
export const converterPlugins: readonly PluginDescriptor[] = Object.freeze([
  ...BOTH.map(([className, create]) =>
    definePlugin({ kind: 'converter', className, version: SDK_VERSION, create }),
  ),
  ...BOTH.map(([className, create]) =>
    definePlugin({ kind: 'header-converter', className, version: SDK_VERSION, create }),
  ),
  definePlugin({
    kind: 'header-converter',
    className: 'org.apache.kafka.connect.storage.SimpleHeaderConverter',
    version: SDK_VERSION,
    create: () => new SimpleHeaderConverter(),
  }),
]);
