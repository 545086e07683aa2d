import type { Context, Hono } from 'hono';
import type { ConnectorConfig, ConnectorOffset, Herder, TargetState } from '@sluice/coordinator';
import {
  emptyResponse,
  HttpError,
  inexactNumber,
  NOT_FOUND,
  parseJsonBody,
  readBodyBytes,
  readJsonObject,
} from '@sluice/rest';
import { configMap, type ConfigMap } from './config-map.js';
import { CONFIG_OFFSET_HEADER, serveOrForward, type ForwardingOptions } from './forwarding.js';
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

/** A connector name must be usable in URLs (every name is reachable at /connectors/<name>), topic names and logs. */
export function validateConnectorName(name: string): void {
  if (name === '') throw new HttpError(400, 'Connector name must not be empty');
  if (name.includes('/')) throw new HttpError(400, `Connector name '${name}' must not contain '/'`);
  // URLs resolve `.` and `..` (also sent as %2e) as path steps: /connectors/.. is /, not the connector.
  if (name === '.' || name === '..') {
    throw new HttpError(400, `Connector name '${name}' is not allowed: no URL path can name it`);
  }
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

/** The connector name in the path (always there on the routes that read it). */
function nameOf(c: Context): string {
  const name = c.req.param('name');
  if (name === undefined) throw new HttpError(404, NOT_FOUND);
  return name;
}

function flag(c: Context, name: string): boolean {
  return (c.req.query(name) ?? 'false').toLowerCase() === 'true';
}

/**
 * `/connectors/…`: paths, status codes and bodies of Kafka Connect 3.9. Writes that only the leader (or
 * the worker running the connector) may make are forwarded to it, as Connect forwards them; pause, resume
 * and every read are served by whichever worker takes them.
 */
export function mountConnectorRoutes(app: Hono, herder: () => Herder, forwarding: ForwardingOptions): void {
  const forwarded =
    (handler: (c: Context) => Promise<Response>) =>
    (c: Context): Promise<Response> =>
      serveOrForward(c, forwarding, () => handler(c));
  /** The leader's answer to a write says how far it got, so a worker that forwarded it can read it back. */
  const written = (c: Context): Record<string, string> => {
    const headers = { [CONFIG_OFFSET_HEADER]: String(herder().configOffset()) };
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    return headers;
  };

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

  app.post(
    '/connectors',
    forwarded(async (c) => {
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
      written(c);
      c.header('Location', connectorLocation(c, name));
      return c.json(info, 201);
    }),
  );

  app.get('/connectors/:name', async (c) => c.json(await herder().connectorInfo(nameOf(c))));
  app.get('/connectors/:name/config', async (c) => c.json(await herder().connectorConfig(nameOf(c))));

  app.put(
    '/connectors/:name/config',
    forwarded(async (c) => {
      const name = nameOf(c);
      const config = withName(name, configMap(await readJsonObject(c), 'Connector config'));
      validateConnectorName(name);
      const { created, info } = await herder().putConnectorConfig(name, config, { allowReplace: true });
      written(c);
      if (created) c.header('Location', connectorLocation(c, name));
      return c.json(info, created ? 201 : 200);
    }),
  );

  app.patch(
    '/connectors/:name/config',
    forwarded(async (c) => {
      const name = nameOf(c);
      const patch = configMap(await readJsonObject(c), 'Connector config patch', true);
      if (typeof patch['name'] === 'string' && patch['name'] !== name) {
        throw new HttpError(
          400,
          `Connector name configuration (${patch['name']}) doesn't match connector name in the URL (${name})`,
        );
      }
      const info = await herder().patchConnectorConfig(name, patch);
      written(c);
      return c.json(info);
    }),
  );

  app.delete(
    '/connectors/:name',
    forwarded(async (c) => {
      await herder().deleteConnector(nameOf(c));
      return emptyResponse(c, 204, written(c));
    }),
  );

  app.get('/connectors/:name/status', async (c) => c.json(await herder().connectorStatus(nameOf(c))));
  app.get('/connectors/:name/tasks', async (c) => c.json(await herder().taskConfigs(nameOf(c))));
  // Deprecated in Connect 3.7 (KIP-970), still served by 3.9: each task's config by its id, `<name>-<task>`.
  app.get('/connectors/:name/tasks-config', async (c) => {
    const tasks = await herder().taskConfigs(nameOf(c));
    return c.json(Object.fromEntries(tasks.map(({ id, config }) => [`${id.connector}-${id.task}`, config])));
  });
  app.get('/connectors/:name/tasks/:task/status', async (c) =>
    c.json(await herder().taskStatus(nameOf(c), taskNumber(c))),
  );
  app.post(
    '/connectors/:name/tasks/:task/restart',
    forwarded(async (c) => {
      await herder().restartTask(nameOf(c), taskNumber(c));
      return emptyResponse(c, 204);
    }),
  );

  app.post(
    '/connectors/:name/restart',
    forwarded(async (c) => {
      const name = nameOf(c);
      const request = { includeTasks: flag(c, 'includeTasks'), onlyFailed: flag(c, 'onlyFailed') };
      if (!request.includeTasks && !request.onlyFailed) {
        await herder().restartConnector(name);
        return emptyResponse(c, 204);
      }
      const status = await herder().restartConnectorAndTasks(name, request);
      written(c);
      return c.json(status, 202);
    }),
  );

  app.put('/connectors/:name/pause', async (c) => {
    await herder().pauseConnector(nameOf(c));
    return emptyResponse(c, 202);
  });
  app.put('/connectors/:name/resume', async (c) => {
    await herder().resumeConnector(nameOf(c));
    return emptyResponse(c, 202);
  });
  app.put(
    '/connectors/:name/stop',
    forwarded(async (c) => {
      await herder().stopConnector(nameOf(c));
      return emptyResponse(c, 204, written(c));
    }),
  );

  app.get('/connectors/:name/topics', async (c) => {
    const name = nameOf(c);
    return c.json({ [name]: { topics: await herder().activeTopics(name) } });
  });
  app.put('/connectors/:name/topics/reset', async (c) => {
    await herder().resetActiveTopics(nameOf(c));
    return emptyResponse(c, 202);
  });

  app.get('/connectors/:name/offsets', async (c) => c.json({ offsets: await herder().offsets(nameOf(c)) }));
  app.patch(
    '/connectors/:name/offsets',
    forwarded(async (c) => {
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
        // Offsets are stored as numbers: one a double cannot hold would be stored as another number.
        const inexact = inexactNumber(item, `offsets[${index}]`);
        if (inexact !== undefined) {
          throw new HttpError(
            400,
            `${inexact.path}: ${inexact.text} cannot be stored exactly (integers must be within ±${Number.MAX_SAFE_INTEGER}); send it as a string`,
          );
        }
        return {
          partition: partition as Record<string, unknown>,
          offset: offset as Record<string, unknown> | null,
        };
      });
      return c.json({ message: await herder().alterOffsets(nameOf(c), parsed) });
    }),
  );
  app.delete(
    '/connectors/:name/offsets',
    forwarded(async (c) => c.json({ message: await herder().resetOffsets(nameOf(c)) })),
  );

  // Internal: a connector's task configs, sent to the leader by the worker running the connector, signed
  // with the session key (KIP-507). 204 once written, as Connect answers.
  app.post(
    '/connectors/:name/tasks',
    forwarded(async (c) => {
      const body = await readBodyBytes(c);
      await herder().putTaskConfigs(nameOf(c), taskConfigsBody(body), {
        header: (name) => c.req.header(name),
        body,
      });
      return emptyResponse(c, 204, written(c));
    }),
  );
}

/** The internal task-configs body: a JSON array of string maps, one per task. */
function taskConfigsBody(body: Uint8Array): ConnectorConfig[] {
  const parsed = parseJsonBody(body);
  if (!Array.isArray(parsed)) throw new HttpError(400, 'Task configs must be a JSON array of objects');
  return parsed.map((item, index) => {
    const config = configMap(item, `Task config ${index}`);
    return config as ConnectorConfig;
  });
}
