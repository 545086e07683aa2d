import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Loggers } from '../logging/loggers.js';
import type { Herder } from '../herder/herder.js';
import type { PluginRegistry } from '../plugins/registry.js';
import { mountConnectorRoutes } from './connectors-routes.js';
import { mountLoggerRoutes } from './loggers-routes.js';
import { mountPluginRoutes } from './plugins-routes.js';
import { RestError, toErrorResponse } from './rest-error.js';

export interface ServerInfo {
  version: string;
  commit: string;
  kafka_cluster_id: string;
}

export interface RestDependencies {
  info(): ServerInfo;
  loggers: Loggers;
  herder: Herder;
  plugins: PluginRegistry;
}

/** The Kafka Connect REST API. Every error, including unknown paths, is `{"error_code", "message"}`. */
export function createRestApp(dependencies: RestDependencies): Hono {
  const app = new Hono();

  app.get('/', (c) => c.json(dependencies.info()));
  mountLoggerRoutes(app, dependencies.loggers);
  mountConnectorRoutes(app, dependencies.herder);
  mountPluginRoutes(app, dependencies.plugins);

  app.notFound(() => {
    throw new RestError(404, 'HTTP 404 Not Found');
  });
  app.onError((error, c) => {
    const mapped =
      error instanceof HTTPException && !(error instanceof RestError)
        ? { status: error.status, body: { error_code: error.status, message: error.message } }
        : toErrorResponse(error);
    return c.json(mapped.body, mapped.status as ContentfulStatusCode);
  });
  return app;
}
