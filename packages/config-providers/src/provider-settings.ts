import { ConfigError } from '@sluice/errors';
import type { ProviderParams, WarningSink } from './config-provider.js';

export const CONFIG_PROVIDERS = 'config.providers';

/** One provider as the worker properties declare it. */
export interface ProviderSetting {
  /** The name variables use: `${<name>:…}`. */
  name: string;
  /** `config.providers.<name>.class`, to name in errors. */
  classKey: string;
  /** An Apache class name or alias. */
  className: string;
  params: ProviderParams;
}

/**
 * Reads `config.providers` (a comma list of names), `config.providers.<name>.class` and
 * `config.providers.<name>.param.<param>`. A listed name without a class is refused here; Kafka instead
 * skips it and leaves its variables unresolved, which only shows up once a connector misbehaves.
 */
export function providerSettings(
  props: Readonly<Record<string, string>>,
  warn: WarningSink,
): ProviderSetting[] {
  const names = (props[CONFIG_PROVIDERS] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return [...new Set(names)].map((name) => {
    const prefix = `${CONFIG_PROVIDERS}.${name}`;
    const classKey = `${prefix}.class`;
    const className = props[classKey]?.trim() ?? '';
    if (className === '') {
      throw new ConfigError(classKey, `${classKey} must be set: ${CONFIG_PROVIDERS} lists '${name}'`);
    }
    const key = (param: string): string => `${prefix}.param.${param}`;
    return { name, classKey, className, params: { key, value: (param) => props[key(param)], warn } };
  });
}
