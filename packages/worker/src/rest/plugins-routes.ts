import type { Hono } from 'hono';
import { configKeyInfos } from '@sluice/sdk';
import { validateConnectorConfig } from '../herder/connector-config.js';
import type { PluginRegistry } from '../plugins/registry.js';
import { readJsonObject } from './body.js';
import { RestError } from './rest-error.js';

/** Without a class's package prefix or `Connector` suffix, as Connect compares plugin names. */
function normalized(name: string): string {
  const simple = name.slice(name.lastIndexOf('.') + 1);
  return simple.endsWith('Connector') ? simple.slice(0, -'Connector'.length) : simple;
}

/** `/connector-plugins/…`, as in Kafka Connect 3.9. */
export function mountPluginRoutes(app: Hono, plugins: PluginRegistry): void {
  app.get('/connector-plugins', (c) => {
    const connectorsOnly = (c.req.query('connectorsOnly') ?? 'true').toLowerCase() !== 'false';
    return c.json(plugins.list(connectorsOnly ? ['source', 'sink'] : undefined));
  });

  app.get('/connector-plugins/:plugin/config', (c) => {
    const name = c.req.param('plugin');
    const plugin = plugins.find(name);
    if (plugin === undefined) throw new RestError(404, `Unknown plugin ${name}.`);
    return c.json(configKeyInfos(plugin.descriptor.create().config()));
  });

  app.put('/connector-plugins/:plugin/config/validate', async (c) => {
    const pluginName = c.req.param('plugin');
    const body = await readJsonObject(c);
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(body)) {
      if (typeof value === 'string') config[key] = value;
      else if (typeof value === 'number' || typeof value === 'boolean') config[key] = String(value);
      else if (value !== null)
        throw new RestError(400, `Connector config: the value of '${key}' must be a string`);
    }
    const included = config['connector.class'];
    if (included !== undefined && normalized(included) !== normalized(pluginName)) {
      throw new RestError(
        400,
        `Included connector type ${included} does not match request type ${pluginName}`,
      );
    }
    config['connector.class'] = included ?? pluginName;
    return c.json((await validateConnectorConfig(plugins, config)).infos);
  });
}
