/**
 * `@sluice/sdk`: the only contract between connectors and the Sluice runtime, as Kafka Connect's
 * `connect-api`. A plugin package depends on this package alone and exports `plugins` (see `definePlugin`).
 */
export { ConnectError, DataError, RetriableError, type ConnectErrorOptions } from './errors.js';

// Data model
export {
  ConnectSchema,
  SCHEMA_TYPES,
  Schema,
  schemaEquals,
  valueEquals,
  type ConnectSchemaInit,
  type Field,
  type SchemaType,
} from './data/schema.js';
export { SchemaBuilder } from './data/schema-builder.js';
export { Struct } from './data/struct.js';
export { SchemaAndValue } from './data/schema-and-value.js';
export { DecimalValue } from './data/decimal-value.js';
export { ConnectDate, ConnectTime, ConnectTimestamp, Decimal } from './data/logical.js';
export { validateValue } from './data/validate-value.js';
export { convertToString } from './data/values-format.js';
export { parseString } from './data/values-parse.js';

// Records and headers
export { ConnectHeader, ConnectHeaders, type Header } from './header/headers.js';
export {
  ConnectRecord,
  SinkRecord,
  SourceRecord,
  type ConnectRecordInit,
  type SinkRecordInit,
  type SourceRecordInit,
  type TimestampType,
  type TopicPartition,
  type TopicPartitionOffset,
} from './record/records.js';

// Connectors, tasks, transforms, converters
export {
  Connector,
  SinkConnector,
  SourceConnector,
  type ConnectorContext,
  type ExactlyOnceSupport,
} from './connector/connector.js';
export {
  SourceTask,
  type OffsetStorageReader,
  type RecordMetadata,
  type SourceTaskContext,
} from './connector/source-task.js';
export { SinkTask, type ErrantRecordReporter, type SinkTaskContext } from './connector/sink-task.js';
export type { Predicate, Transformation } from './transforms/transformation.js';
export type { Converter, ConverterType, HeaderConverter } from './storage/converter.js';

// Plugins
export {
  PLUGINS_EXPORT,
  defaultAliases,
  defaultTaskClass,
  taskClassOf,
  definePlugin,
  isPluginDescriptor,
  type ConverterPlugin,
  type HeaderConverterPlugin,
  type PluginDefinition,
  type PluginDescriptor,
  type PluginKind,
  type PluginModule,
  type PredicatePlugin,
  type SinkConnectorPlugin,
  type SourceConnectorPlugin,
  type TransformationPlugin,
} from './plugin/descriptor.js';

// Configuration
export { ConfigDef, type ConfigKeys, type ParsedValue } from './config/config-def.js';
export { ParsedConfig } from './config/parsed-config.js';
export { Password } from './config/password.js';
export { commaList, withPrefixRemoved } from './config/settings.js';
export { convertToString as configValueToString, invalidValue, parseType } from './config/parse-type.js';
export {
  CaseInsensitiveValidString,
  CompositeValidator,
  LambdaValidator,
  NonEmptyString,
  Range,
  ValidList,
  ValidString,
} from './config/validators.js';
export {
  NO_DEFAULT_VALUE,
  type ConfigKey,
  type ConfigKeyDefinition,
  type ConfigType,
  type ConfigValue,
  type ConfigValueTypes,
  type DefaultValue,
  type Importance,
  type NoDefault,
  type Recommender,
  type Validator,
  type Width,
} from './config/types.js';
export {
  configInfos,
  configKeyInfo,
  configKeyInfos,
  configValueInfo,
  mergeConfigInfos,
  validateConfig,
  type ConfigInfo,
  type ConfigInfos,
  type ConfigKeyInfo,
  type ConfigValueInfo,
} from './config/rest.js';

// Converters
export { JsonConverter, jsonConverterConfigDef } from './converters/json/json-converter.js';
export { StringConverter, stringConverterConfigDef } from './converters/string-converter.js';
export { ByteArrayConverter } from './converters/byte-array-converter.js';
export {
  BooleanConverter,
  DoubleConverter,
  FloatConverter,
  IntegerConverter,
  LongConverter,
  ShortConverter,
} from './converters/number-converters.js';
export { SimpleHeaderConverter } from './converters/simple-header-converter.js';
export { CONVERTER_TYPE_CONFIG, converterConfigDef } from './converters/converter-config.js';
// The SDK is also the plugin package of the built-in converters.
export { converterPlugins, converterPlugins as plugins, SDK_VERSION } from './converters/plugins.js';
