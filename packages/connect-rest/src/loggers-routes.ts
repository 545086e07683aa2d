import type { Hono } from 'hono';
import { isLevel, LoggerLimitError, type Loggers } from '@sluice/logging';
import { emptyResponse, HttpError, readJsonObject } from '@sluice/rest';

/**
 * `/admin/loggers`, as in Kafka Connect 3.9. A single worker is its whole cluster, so `scope=cluster`
 * sets the level here too, answering 204 as Connect does; any other scope is this worker's (200 with the
 * affected loggers).
 */
export function mountLoggerRoutes(app: Hono, loggers: Loggers): void {
  app.get('/admin/loggers', (c) => c.json(loggers.allLevels()));

  app.get('/admin/loggers/:logger', (c) => {
    const name = c.req.param('logger');
    const level = loggers.level(name);
    if (level === undefined) throw new HttpError(404, `Logger ${name} not found.`);
    return c.json(level);
  });

  app.put('/admin/loggers/:logger', async (c) => {
    const body = await readJsonObject(c);
    const desired = body['level'];
    if (desired === undefined || desired === null) {
      throw new HttpError(400, "Desired 'level' parameter was not specified in request.");
    }
    if (typeof desired !== 'string') throw new HttpError(400, "The 'level' parameter must be a string.");
    const level = desired.toUpperCase();
    if (!isLevel(level)) throw new HttpError(404, `invalid log level '${desired}'.`);
    let affected: string[];
    try {
      affected = loggers.setLevel(c.req.param('logger'), level);
    } catch (error) {
      // The bound on loggers the API creates (Connect has none: each new name stays in memory for good).
      if (error instanceof LoggerLimitError) throw new HttpError(400, error.message, { cause: error });
      throw error;
    }
    if ((c.req.query('scope') ?? '').toLowerCase() === 'cluster') return emptyResponse(c, 204);
    return c.json(affected);
  });
}
