/*
 * The built-in converters live in the SDK rather than in a package of their own: they depend on nothing but
 * the data model, every worker needs them, and connectors may use them directly (e.g. to read JSON the way
 * the runtime writes it). Apache splits them (connect-json, connect-runtime) only because of Jackson.
 */
import { definePlugin, type PluginDescriptor } from '../plugin/descriptor.js';
import { ByteArrayConverter } from './byte-array-converter.js';
import { JsonConverter } from './json/json-converter.js';
import { SimpleHeaderConverter } from './simple-header-converter.js';
import { StringConverter } from './string-converter.js';

/** The SDK's version, reported as the built-in converters' version. */
export const SDK_VERSION = '0.1.0';

const JSON_CONVERTER = 'org.apache.kafka.connect.json.JsonConverter';
const STRING_CONVERTER = 'org.apache.kafka.connect.storage.StringConverter';
const BYTE_ARRAY_CONVERTER = 'org.apache.kafka.connect.converters.ByteArrayConverter';
const SIMPLE_HEADER_CONVERTER = 'org.apache.kafka.connect.storage.SimpleHeaderConverter';

/** Descriptors of the built-in converters, under Apache's class names; each is a header converter too. */
export const converterPlugins: readonly PluginDescriptor[] = Object.freeze([
  definePlugin({
    kind: 'converter',
    className: JSON_CONVERTER,
    version: SDK_VERSION,
    create: () => new JsonConverter(),
  }),
  definePlugin({
    kind: 'converter',
    className: STRING_CONVERTER,
    version: SDK_VERSION,
    create: () => new StringConverter(),
  }),
  definePlugin({
    kind: 'converter',
    className: BYTE_ARRAY_CONVERTER,
    version: SDK_VERSION,
    create: () => new ByteArrayConverter(),
  }),
  definePlugin({
    kind: 'header-converter',
    className: JSON_CONVERTER,
    version: SDK_VERSION,
    create: () => new JsonConverter(),
  }),
  definePlugin({
    kind: 'header-converter',
    className: STRING_CONVERTER,
    version: SDK_VERSION,
    create: () => new StringConverter(),
  }),
  definePlugin({
    kind: 'header-converter',
    className: BYTE_ARRAY_CONVERTER,
    version: SDK_VERSION,
    create: () => new ByteArrayConverter(),
  }),
  definePlugin({
    kind: 'header-converter',
    className: SIMPLE_HEADER_CONVERTER,
    version: SDK_VERSION,
    create: () => new SimpleHeaderConverter(),
  }),
]);
