import { SluiceError } from '@sluice/errors';
import { createProvider } from './built-in-providers.js';
import type { ConfigProvider, WarningSink } from './config-provider.js';
import { transformConfig, type TransformResult } from './config-transformer.js';
import { providerSettings } from './provider-settings.js';
import { reverseTransform } from './reverse-transform.js';

export interface ConfigProvidersOptions {
  /** Told what a provider refuses without failing, such as a path outside `allowed.paths`. */
  warn?: WarningSink;
}

/**
 * The config providers a worker declares, and Connect's use of them on connector configs: `transform` when a
 * connector or task starts, `reverseTransform` before generated task configs are stored.
 */
export class ConfigProviders {
  private closed = false;

  private constructor(private readonly providers: ReadonlyMap<string, ConfigProvider>) {}

  /**
   * From the worker properties `config.providers`, `config.providers.<name>.class` and
   * `config.providers.<name>.param.<param>`. Throws a ConfigError naming the property when a listed name has
   * no class, a class is not one of the built-in providers (by Apache class name or alias), or a param is
   * invalid.
   */
  static fromWorkerProperties(
    props: Readonly<Record<string, string>>,
    options: ConfigProvidersOptions = {},
  ): ConfigProviders {
    const warn = options.warn ?? (() => undefined);
    const providers = new Map<string, ConfigProvider>();
    try {
      for (const setting of providerSettings(props, warn)) {
        providers.set(setting.name, createProvider(setting));
      }
    } catch (error) {
      for (const provider of providers.values()) provider.close();
      throw error;
    }
    return new ConfigProviders(providers);
  }

  /**
   * Resolves every `${provider:[path:]key}` variable in the values of `config`, reading each source afresh
   * (a rotated secret takes effect on the next start). A variable naming an unknown provider, or a key its
   * source lacks, stays as written; a source that cannot be read fails with a ConfigError naming the config
   * key. `ttls` holds, per path, how long a provider said its values hold (the built-in ones never say).
   */
  transform(config: Readonly<Record<string, string>>): Promise<TransformResult> {
    if (this.closed) {
      return Promise.reject(
        new SluiceError('SLUICE_CONFIG_PROVIDERS_CLOSED', 'the config providers are closed'),
      );
    }
    return transformConfig(this.providers, config);
  }

  /**
   * For task configs generated from a resolved connector config: every key whose raw connector value holds a
   * variable gets that raw value back, so resolved secrets are never stored.
   */
  static reverseTransform(
    rawConnectorConfig: Readonly<Record<string, string>>,
    taskConfigs: readonly Readonly<Record<string, string>>[],
  ): Record<string, string>[] {
    return reverseTransform(rawConnectorConfig, taskConfigs);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const provider of this.providers.values()) provider.close();
  }
}
