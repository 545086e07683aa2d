import { containsVariable } from '@sluice/config-providers';
import { SluiceError } from '@sluice/errors';
import type { PluginInfo, PluginRegistry, RegisteredPlugin } from '@sluice/plugins';
import { configKeyInfos, type ConfigInfos, type ConfigKeyInfo } from '@sluice/sdk';
import { requireConnectorClass, sinkDef, sourceDef, validateConnectorConfig } from './connector-config.js';
import { BadRequestError, NotFoundError } from './errors.js';
import { withNullValueErrors } from './null-values.js';
import { configSecrets, type Redactor } from './redaction.js';

/**
 * Resolves `${provider:path:key}` variables in a config, as Connect does before it validates one, saying
 * what the variables were replaced by (`ConfigProviders.transform`).
 */
export type ResolveVariables = (
  config: Record<string, string>,
) => Promise<{ config: Record<string, string>; secrets: readonly string[] }>;

/**
 * A plugin name without a trailing `Connector` (when more remains), as Connect's
 * `ConnectorPluginsResource.normalizedPluginName`: for a simple class name, its alias.
 */
function normalizedPluginName(name: string): string {
  return name.endsWith('Connector') && name.length > 'Connector'.length
    ? name.slice(0, -'Connector'.length)
    : name;
}

/**
 * A plugin's keys for `GET /connector-plugins/{plugin}/config`: its own, then (for connectors) the framework's
 * source or sink keys it does not define itself, as Connect 3.7+'s `AbstractHerder.connectorPluginConfig`.
 */
function pluginConfigKeys(plugin: RegisteredPlugin): ConfigKeyInfo[] {
  const own = configKeyInfos(plugin.descriptor.create().config());
  const kind = plugin.descriptor.kind;
  const framework = kind === 'sink' ? sinkDef() : kind === 'source' ? sourceDef() : undefined;
  if (framework === undefined) return own;
  const defined = new Set(own.map((key) => key.name));
  return [...own, ...configKeyInfos(framework).filter((key) => !defined.has(key.name))];
}

/**
 * What `/connector-plugins` serves: the plugins this worker has, their config keys, and validation of a
 * connector config against one of them. It needs no cluster state, so it answers while the worker starts.
 */
export class PluginCatalog {
  readonly #plugins: PluginRegistry;
  readonly #resolveVariables: ResolveVariables;

  constructor(
    plugins: PluginRegistry,
    resolveVariables: ResolveVariables = (config) => Promise.resolve({ config, secrets: [] }),
  ) {
    this.#plugins = plugins;
    this.#resolveVariables = resolveVariables;
  }

  /** `GET /connector-plugins`: connectors only, or every plugin. */
  list(connectorsOnly: boolean): PluginInfo[] {
    return this.#plugins.list(connectorsOnly ? ['source', 'sink'] : undefined);
  }

  /** `GET /connector-plugins/{plugin}/config`. */
  config(name: string): ConfigKeyInfo[] {
    const plugin = this.#plugins.find(name);
    if (plugin === undefined) throw new NotFoundError(`Unknown plugin ${name}.`);
    return pluginConfigKeys(plugin);
  }

  /**
   * `PUT /connector-plugins/{plugin}/config/validate`: the config (JSON nulls kept as null) checked against
   * the plugin the URL names, with Connect's outcome and its name the class as the request gave it.
   */
  async validate(pluginName: string, config: Readonly<Record<string, string | null>>): Promise<ConfigInfos> {
    // Connect checks the class only against the URL's plugin; it does not fill it in from there.
    const included = config['connector.class'];
    if (
      included !== undefined &&
      included !== null &&
      !normalizedPluginName(included).endsWith(normalizedPluginName(pluginName))
    ) {
      throw new BadRequestError(
        `Included connector type ${included} does not match request type ${pluginName}`,
      );
    }
    const connectorClass = requireConnectorClass(config);
    // Connectors and the SDK take strings: null-valued keys are left out, then reported as Connect does.
    const present = Object.fromEntries(
      Object.entries(config).filter((entry): entry is [string, string] => entry[1] !== null),
    );
    const nullKeys = Object.keys(config).filter((key) => config[key] === null);
    let resolved: { config: Record<string, string>; secrets: readonly string[] };
    try {
      resolved = await this.#resolveVariables(present);
    } catch (error) {
      throw new BadRequestError(error instanceof Error ? error.message : String(error), { cause: error });
    }
    const redactor = configSecrets(this.#plugins, resolved.config, resolved.secrets);
    let validated: Awaited<ReturnType<typeof validateConnectorConfig>>;
    try {
      validated = await validateConnectorConfig(this.#plugins, resolved.config);
    } catch (error) {
      if (SluiceError.is(error) && error.code === 'SLUICE_BAD_REQUEST') {
        throw new BadRequestError(redactor.redact(error.message));
      }
      // The connector's validate() threw on this config: the client's mistake.
      throw new BadRequestError(redactor.redact(error instanceof Error ? error.message : String(error)));
    }
    const { infos, plugin, type } = validated;
    const checked = withoutSecrets(
      withNullValueErrors(infos, nullKeys, {
        framework: type === 'sink' ? sinkDef() : sourceDef(),
        connectorKeys: new Set(plugin.descriptor.create().config().configKeys().keys()),
      }),
      present,
      redactor,
    );
    return { ...checked, name: connectorClass };
  }
}

/**
 * A validate response that says nothing the variables resolved to (Connect echoes resolved values; Sluice
 * does not): each value whose config entry held a variable is shown as sent, and every message and value
 * has the config's secrets hidden.
 */
function withoutSecrets(
  infos: ConfigInfos,
  raw: Readonly<Record<string, string>>,
  redactor: Redactor,
): ConfigInfos {
  return {
    ...infos,
    configs: infos.configs.map((config) => {
      const value = config.value;
      if (value === null) return config;
      const sent = raw[value.name];
      const shown =
        sent !== undefined && containsVariable(sent)
          ? sent
          : typeof value.value === 'string'
            ? redactor.redact(value.value)
            : value.value;
      return {
        ...config,
        value: {
          ...value,
          value: shown,
          errors: value.errors.map((error) => redactor.redact(error)),
          recommended_values: value.recommended_values.map((v) => redactor.redact(v)),
        },
      };
    }),
  };
}
