/**
 * `@sluice/connector-http`: the HTTP Source connector, config-compatible with Confluent's
 * `io.confluent.connect.http.HttpSourceConnector` (also `HttpSourceConnector` and `HttpSource`). The worker
 * ships it built in.
 */
import { definePlugin } from '@sluice/sdk';
import { HttpSourceConnector } from './source-connector.js';
import { HttpSourceTask } from './source-task.js';
import { VERSION } from './version.js';

export * from './config.js';
export { JsonPointer } from './json-pointer.js';
export { OFFSET_FIELD, SKIP_FIELD } from './offset-modes.js';
export { StatusCodes } from './status-codes.js';
export { HttpSourceConnector } from './source-connector.js';
export { ENTITY_NAME_FIELD, HttpSourceTask, MAX_IDLE_WAIT_MS, URL_FIELD } from './source-task.js';
export { VERSION } from './version.js';

/** The class name configs use; the aliases are Connect's defaults: `HttpSourceConnector` and `HttpSource`. */
export const HTTP_SOURCE_CLASS = 'io.confluent.connect.http.HttpSourceConnector';

export const plugins = [
  definePlugin({
    kind: 'source',
    className: HTTP_SOURCE_CLASS,
    aliases: ['HttpSourceConnector', 'HttpSource'],
    version: VERSION,
    create: () => new HttpSourceConnector(),
    createTask: () => new HttpSourceTask(),
  }),
];
