import type { Hono } from 'hono';
import type { PluginCatalog } from '@sluice/coordinator';
import { readJsonObject } from '@sluice/rest';
import { configMap } from './config-map.js';

/** `/connector-plugins/…`, as in Kafka Connect 3.9. */
export function mountPluginRoutes(app: Hono, catalog: PluginCatalog): void {
  app.get('/connector-plugins', (c) =>
    c.json(catalog.list((c.req.query('connectorsOnly') ?? 'true').toLowerCase() !== 'false')),
  );

  app.get('/connector-plugins/:plugin/config', (c) => c.json(catalog.config(c.req.param('plugin'))));

  app.put('/connector-plugins/:plugin/config/validate', async (c) => {
    const config = configMap(await readJsonObject(c), 'Connector config', true);
    return c.json(await catalog.validate(c.req.param('plugin'), config));
  });
}
