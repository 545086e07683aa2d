/**
 * `@sluice/config-providers`: Kafka's ConfigProvider mechanism (KIP-297, KIP-421) as Kafka Connect uses it on
 * connector configs, with Apache's FileConfigProvider, DirectoryConfigProvider and EnvVarConfigProvider
 * (KIP-887), and `allowed.paths` (KIP-993).
 */
export { ConfigProviders, type ConfigProvidersOptions } from './config-providers.js';
export type { TransformResult } from './config-transformer.js';
export type { WarningSink } from './config-provider.js';
export { parseProperties } from './properties.js';
export {
  CONFIG_FILE_TIMEOUT_MS,
  FileReadError,
  MAX_CONFIG_FILE_BYTES,
  readRegularFile,
  type FileReadFailure,
  type ReadFileOptions,
} from './read-regular-file.js';
export { containsVariable } from './variables.js';
