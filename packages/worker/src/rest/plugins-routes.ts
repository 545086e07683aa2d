import type { Hono } from 'hono';
import { configKeyInfos, type ConfigKeyInfo } from '@sluice/sdk';
import { sinkDef, sourceDef, validateConnectorConfig } from '../herder/connector-config.js';
import type { PluginRegistry, RegisteredPlugin } from '../plugins/registry.js';
import { readJsonObject } from './body.js';
import { configMap, requireConnectorClass } from './config-map.js';
import { withNullValueErrors } from './null-values.js';
import { RestError } from './rest-error.js';

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

/** `/connector-plugins/…`, as in Kafka Connect 3.9. */
export function mountPluginRoutes(
  app: Hono,
  plugins: PluginRegistry,
  resolveVariables: (config: Record<string, string>) => Promise<Record<string, string>> = (config) =>
    Promise.resolve(config),
): void {
  app.get('/connector-plugins', (c) => {
    const connectorsOnly = (c.req.query('connectorsOnly') ?? 'true').toLowerCase() !== 'false';
    return c.json(plugins.list(connectorsOnly ? ['source', 'sink'] : undefined));
  });

  app.get('/connector-plugins/:plugin/config', (c) => {
    const name = c.req.param('plugin');
    const plugin = plugins.find(name);
    if (plugin === undefined) throw new RestError(404, `Unknown plugin ${name}.`);
    return c.json(pluginConfigKeys(plugin));
  });

  app.put('/connector-plugins/:plugin/config/validate', async (c) => {
    const pluginName = c.req.param('plugin');
    const config = configMap(await readJsonObject(c), 'Connector config', true);
    // Connect checks the class only against the URL's plugin; it does not fill it in from there.
    const included = config['connector.class'];
    if (
      included !== undefined &&
      included !== null &&
      !normalizedPluginName(included).endsWith(normalizedPluginName(pluginName))
    ) {
      throw new RestError(
        400,
        `Included connector type ${included} does not match request type ${pluginName}`,
      );
    }
    const connectorClass = requireConnectorClass(config);
    // Connectors and the SDK take strings: null-valued keys are left out, then reported as Connect does.
    const present = Object.fromEntries(
      Object.entries(config).filter((entry): entry is [string, string] => entry[1] !== null),
    );
    const nullKeys = Object.keys(config).filter((key) => config[key] === null);
    let resolved: Record<string, string>;
    try {
      resolved = await resolveVariables(present);
    } catch (error) {
      throw new RestError(400, error instanceof Error ? error.message : String(error));
    }
    const { infos, plugin, type } = await validateConnectorConfig(plugins, resolved);
    const checked = withNullValueErrors(infos, nullKeys, {
      framework: type === 'sink' ? sinkDef() : sourceDef(),
      connectorKeys: new Set(plugin.descriptor.create().config().configKeys().keys()),
    });
    // The result is named after the class as the request gave it (Connect's `connector.class` value).
    return c.json({ ...checked, name: connectorClass });
  });
}
