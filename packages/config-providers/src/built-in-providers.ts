import { ConfigError } from '@sluice/errors';
import type { ConfigProvider, ProviderClass } from './config-provider.js';
import type { ProviderSetting } from './provider-settings.js';
import { DirectoryConfigProvider } from './providers/directory-config-provider.js';
import { EnvVarConfigProvider } from './providers/env-var-config-provider.js';
import { FileConfigProvider } from './providers/file-config-provider.js';

const BUILT_IN: readonly ProviderClass[] = [
  FileConfigProvider,
  DirectoryConfigProvider,
  EnvVarConfigProvider,
];

/** Connect's plugin aliases: the simple class name, and that name without its `ConfigProvider` suffix. */
export function aliasesOf(className: string): string[] {
  const simpleName = className.slice(className.lastIndexOf('.') + 1);
  const suffixAt = simpleName.lastIndexOf('ConfigProvider');
  return suffixAt > 0 ? [simpleName, simpleName.slice(0, suffixAt)] : [simpleName];
}

/** Configures the provider `setting` names; throws a ConfigError for a class that is not built in. */
export function createProvider(setting: ProviderSetting): ConfigProvider {
  const { className, classKey } = setting;
  const providerClass = BUILT_IN.find(
    (candidate) => candidate.className === className || aliasesOf(candidate.className).includes(className),
  );
  if (providerClass === undefined) {
    const known = BUILT_IN.map(
      (candidate) => `${candidate.className} (${aliasesOf(candidate.className).join(', ')})`,
    );
    throw new ConfigError(
      classKey,
      `${classKey}: no config provider class or alias '${className}'; known: ${known.join('; ')}`,
    );
  }
  return providerClass.configure(setting.params);
}
