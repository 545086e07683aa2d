import { ConfigError } from '@sluice/errors';
import type { ConfigData, ConfigProvider } from './config-provider.js';
import { replaceVariables, variablesIn, type ConfigVariable } from './variables.js';

export interface TransformResult {
  config: Record<string, string>;
  /** Per path, the milliseconds a provider said its values hold; empty when none said. */
  ttls: Record<string, number>;
  /**
   * Every value a variable was replaced by: secrets, which must not leave the connector (the runtime
   * hides them in traces, messages and logs).
   */
  secrets: string[];
}

/** The keys a config asks one provider for under one path, and the first reference, to name in errors. */
interface Lookup {
  provider: ConfigProvider;
  path: string;
  keys: Set<string>;
  firstUse: { configKey: string; variable: ConfigVariable };
  data?: ReadonlyMap<string, string>;
}

// A provider name never holds ':' (the pattern ends it at the first one), so this id is unambiguous.
const lookupId = (variable: ConfigVariable): string => `${variable.provider}:${variable.path}`;

/**
 * Kafka's ConfigTransformer: collects the variables of every value, asks each provider once per path for
 * all the keys wanted there, then replaces each variable by its value. A variable naming an unknown provider
 * or a key the provider lacks stays as written; a provider that throws fails the transform with a
 * ConfigError naming the first config key that refers to it. Values are not resolved recursively.
 */
export async function transformConfig(
  providers: ReadonlyMap<string, ConfigProvider>,
  config: Readonly<Record<string, string>>,
): Promise<TransformResult> {
  const lookups = collectLookups(providers, config);
  const ttls = new Map<string, number>();
  for (const lookup of lookups.values()) {
    const { data, ttl } = await askProvider(lookup);
    lookup.data = data;
    if (ttl !== undefined && ttl >= 0) ttls.set(lookup.path, ttl);
  }
  const secrets = new Set<string>();
  const resolved = Object.entries(config).map(([key, value]): [string, string] => [
    key,
    replaceVariables(value, (variable) => {
      const secret = lookups.get(lookupId(variable))?.data?.get(variable.key);
      if (secret !== undefined) secrets.add(secret);
      return secret;
    }),
  ]);
  // fromEntries defines own properties, so a `__proto__` key stays a plain key.
  return { config: Object.fromEntries(resolved), ttls: Object.fromEntries(ttls), secrets: [...secrets] };
}

function collectLookups(
  providers: ReadonlyMap<string, ConfigProvider>,
  config: Readonly<Record<string, string>>,
): Map<string, Lookup> {
  const lookups = new Map<string, Lookup>();
  for (const [configKey, value] of Object.entries(config)) {
    for (const variable of variablesIn(value)) {
      const provider = providers.get(variable.provider);
      if (provider === undefined) continue;
      const id = lookupId(variable);
      const lookup = lookups.get(id) ?? {
        provider,
        path: variable.path,
        keys: new Set<string>(),
        firstUse: { configKey, variable },
      };
      lookup.keys.add(variable.key);
      lookups.set(id, lookup);
    }
  }
  return lookups;
}

async function askProvider(lookup: Lookup): Promise<ConfigData> {
  try {
    return await lookup.provider.get(lookup.path, lookup.keys);
  } catch (error) {
    const { configKey, variable } = lookup.firstUse;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(configKey, `${configKey}: cannot resolve ${variable.text}: ${reason}`);
  }
}
