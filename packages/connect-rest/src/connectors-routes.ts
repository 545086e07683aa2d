import type { Context, Hono } from 'hono';
import type { ConnectorConfig, ConnectorOffset, Herder, TargetState } from '@sluice/coordinator';
import { emptyResponse, HttpError, NOT_FOUND, readJsonObject } from '@sluice/rest';
import { configMap, type ConfigMap } from './config-map.js';
import { connectorLocation } from './responses.js';

/** Kafka's limit for names that become parts of topic names (and ours for connector names). */
export const MAX_CONNECTOR_NAME_LENGTH = 249;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

const INITIAL_STATES: Record<string, TargetState> = {
  RUNNING: 'STARTED',
  PAUSED: 'PAUSED',
  STOPPED: 'STOPPED',
};

/** A connector name must be usable in URLs, topic names and logs. */
export function validateConnectorName(name: string): void {
  if (name === '') throw new HttpError(400, 'Connector name must not be empty');
  if (name.includes('/')) throw new HttpError(400, `Connector name '${name}' must not contain '/'`);
  if (CONTROL_CHARACTERS.test(name))
    throw new HttpError(400, 'Connector name must not contain control characters');
  if (name.length > MAX_CONNECTOR_NAME_LENGTH) {
    throw new HttpError(
      400,
      `Connector name is ${name.length} characters long; the maximum is ${MAX_CONNECTOR_NAME_LENGTH}`,
    );
  }
}

/** Connect's rule: a `name` in the config must match the connector's name; otherwise it is added. */
function withName(name: string, config: ConfigMap): ConnectorConfig {
  const included = config['name'];
  if (included !== undefined && included !== null && included !== name) {
    throw new HttpError(
      400,
      `Connector name configuration (${included}) doesn't match connector name in the URL (${name})`,
    );
  }
  return { ...(config as ConnectorConfig), name };
}

function taskNumber(c: Context): number {
  const task = Number(c.req.param('task'));
  if (!/^\d+$/.test(c.req.param('task') ?? '') || !Number.isSafeInteger(task))
    throw new HttpError(404, NOT_FOUND);
  return task;
}

function flag(c: Context, name: string): boolean {
  return (c.req.query(name) ?? 'false').toLowerCase() === 'true';
}

/** `/connectors/…`: paths, status codes and bodies of Kafka Connect 3.9. */
export function mountConnectorRoutes(app: Hono, herder: () => Herder): void {
  app.get('/connectors', async (c) => {
    const expansions = c.req.queries('expand') ?? [];
    const names = await herder().connectors();
    if (expansions.length === 0) return c.json(names);
    const out: Record<string, Record<string, unknown>> = {};
    for (const name of names) {
      try {
        const entry: Record<string, unknown> = {};
        if (expansions.includes('status')) entry['status'] = await herder().connectorStatus(name);
        if (expansions.includes('info')) entry['info'] = await herder().connectorInfo(name);
        out[name] = entry;
      } catch (error) {
        // Deleted while we looked it up: leave it out, as Connect does.
        if (!(error instanceof HttpError && error.status === 404)) throw error;
      }
    }
    return c.json(out);
  });

  app.post('/connectors', async (c) => {
    const body = await readJsonObject(c);
    const name = typeof body['name'] === 'string' ? body['name'].trim() : '';
    validateConnectorName(name);
    if (body['config'] === undefined || body['config'] === null)
      throw new HttpError(400, 'Connector config must be provided');
    const config = withName(name, configMap(body['config'], 'config'));
    let initialState: TargetState | undefined;
    const requested = body['initial_state'];
    if (requested !== undefined && requested !== null) {
      initialState = typeof requested === 'string' ? INITIAL_STATES[requested.toUpperCase()] : undefined;
      if (initialState === undefined) {
        throw new HttpError(
          400,
          `initial_state must be one of RUNNING, PAUSED, STOPPED, got ${JSON.stringify(requested)}`,
        );
      }
    }
    const { info } = await herder().putConnectorConfig(name, config, {
      allowReplace: false,
      ...(initialState ? { initialState } : {}),
    });
    c.header('Location', connectorLocation(c, name));
    return c.json(info, 201);
  });

  app.get('/connectors/:name', async (c) => c.json(await herder().connectorInfo(c.req.param('name'))));
  app.get('/connectors/:name/config', async (c) =>
    c.json(await herder().connectorConfig(c.req.param('name'))),
  );

  app.put('/connectors/:name/config', async (c) => {
    const name = c.req.param('name');
    const config = withName(name, configMap(await readJsonObject(c), 'Connector config'));
    validateConnectorName(name);
    const { created, info } = await herder().putConnectorConfig(name, config, { allowReplace: true });
    if (created) c.header('Location', connectorLocation(c, name));
    return c.json(info, created ? 201 : 200);
  });

  app.patch('/connectors/:name/config', async (c) => {
    const name = c.req.param('name');
    const patch = configMap(await readJsonObject(c), 'Connector config patch', true);
    if (typeof patch['name'] === 'string' && patch['name'] !== name) {
      throw new HttpError(
        400,
        `Connector name configuration (${patch['name']}) doesn't match connector name in the URL (${name})`,
      );
    }
    return c.json(await herder().patchConnectorConfig(name, patch));
  });

  app.delete('/connectors/:name', async (c) => {
    await herder().deleteConnector(c.req.param('name'));
    return emptyResponse(c, 204);
  });

  app.get('/connectors/:name/status', async (c) =>
    c.json(await herder().connectorStatus(c.req.param('name'))),
  );
  app.get('/connectors/:name/tasks', async (c) => c.json(await herder().taskConfigs(c.req.param('name'))));
  // Deprecated in Connect 3.7 (KIP-970), still served by 3.9: each task's config by its id, `<name>-<task>`.
  app.get('/connectors/:name/tasks-config', async (c) => {
    const tasks = await herder().taskConfigs(c.req.param('name'));
    return c.json(Object.fromEntries(tasks.map(({ id, config }) => [`${id.connector}-${id.task}`, config])));
  });
  app.get('/connectors/:name/tasks/:task/status', async (c) =>
    c.json(await herder().taskStatus(c.req.param('name'), taskNumber(c))),
  );
  app.post('/connectors/:name/tasks/:task/restart', async (c) => {
    await herder().restartTask(c.req.param('name'), taskNumber(c));
    return emptyResponse(c, 204);
  });

  app.post('/connectors/:name/restart', async (c) => {
    const name = c.req.param('name');
    const request = { includeTasks: flag(c, 'includeTasks'), onlyFailed: flag(c, 'onlyFailed') };
    if (!request.includeTasks && !request.onlyFailed) {
      await herder().restartConnector(name);
      return emptyResponse(c, 204);
    }
    return c.json(await herder().restartConnectorAndTasks(name, request), 202);
  });

  app.put('/connectors/:name/pause', async (c) => {
    await herder().pauseConnector(c.req.param('name'));
    return emptyResponse(c, 202);
  });
  app.put('/connectors/:name/resume', async (c) => {
    await herder().resumeConnector(c.req.param('name'));
    return emptyResponse(c, 202);
  });
  app.put('/connectors/:name/stop', async (c) => {
    await herder().stopConnector(c.req.param('name'));
    return emptyResponse(c, 204);
  });

  app.get('/connectors/:name/topics', async (c) => {
    const name = c.req.param('name');
    return c.json({ [name]: { topics: await herder().activeTopics(name) } });
  });
  app.put('/connectors/:name/topics/reset', async (c) => {
    await herder().resetActiveTopics(c.req.param('name'));
    return emptyResponse(c, 202);
  });

  app.get('/connectors/:name/offsets', async (c) =>
    c.json({ offsets: await herder().offsets(c.req.param('name')) }),
  );
  app.patch('/connectors/:name/offsets', async (c) => {
    const body = await readJsonObject(c);
    const offsets = body['offsets'];
    if (!Array.isArray(offsets) || offsets.length === 0) {
      throw new HttpError(400, 'Partitions / offsets need to be provided for an alter offsets request');
    }
    const parsed = offsets.map((entry: unknown, index): ConnectorOffset => {
      const item = entry as Record<string, unknown> | null;
      const partition = item?.['partition'];
      const offset = item?.['offset'];
      if (typeof partition !== 'object' || partition === null || Array.isArray(partition)) {
        throw new HttpError(400, `offsets[${index}]: the partition must be a JSON object`);
      }
      if (offset !== null && (typeof offset !== 'object' || Array.isArray(offset))) {
        throw new HttpError(400, `offsets[${index}]: the offset must be a JSON object or null`);
      }
      return {
        partition: partition as Record<string, unknown>,
        offset: offset as Record<string, unknown> | null,
      };
    });
    return c.json({ message: await herder().alterOffsets(c.req.param('name'), parsed) });
  });
  app.delete('/connectors/:name/offsets', async (c) =>
    c.json({ message: await herder().resetOffsets(c.req.param('name')) }),
  );
}
