import { SluiceError } from '@sluice/errors';

/** What a provider returns for one path: the values it has among those asked for, and how long they hold. */
export interface ConfigData {
  /** A key asked for but missing here leaves its variables unchanged. */
  data: ReadonlyMap<string, string>;
  /** Milliseconds until the values may change; Connect restarts the connector then. */
  ttl?: number;
}

/**
 * Kafka's `ConfigProvider`: looks up the `keys` a config refers to under one `path`. Throwing fails the whole
 * transform (Kafka's ConfigException); returning without a key leaves its variables as written.
 */
export interface ConfigProvider {
  get(path: string, keys: ReadonlySet<string>): Promise<ConfigData>;
  close(): void;
}

/** Where a provider reports what it refuses without failing (Kafka logs a warning). */
export type WarningSink = (message: string) => void;

/** A provider's `config.providers.<name>.param.*` worker properties, as Kafka's `configure` receives them. */
export interface ProviderParams {
  value(param: string): string | undefined;
  /** The full worker property of `param`, to name in errors. */
  key(param: string): string;
  warn: WarningSink;
}

/** A provider class: its Apache class name, and Kafka's `configure`, which validates the params. */
export interface ProviderClass {
  readonly className: string;
  configure(params: ProviderParams): ConfigProvider;
}

/** The values among `keys` that `lookup` has. */
export function pickKeys(keys: ReadonlySet<string>, lookup: (key: string) => string | undefined): ConfigData {
  const data = new Map<string, string>();
  for (const key of keys) {
    const value = lookup(key);
    if (value !== undefined) data.set(key, value);
  }
  return { data };
}

export const NO_DATA: ConfigData = { data: new Map() };

/** The error a provider throws when it cannot read what a variable refers to; the message names the path. */
export function providerFailure(message: string, cause?: unknown): SluiceError {
  const reason = cause instanceof Error ? `: ${cause.message}` : '';
  return new SluiceError('SLUICE_CONFIG_PROVIDER_FAILED', message + reason, { cause });
}
