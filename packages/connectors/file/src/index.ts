/**
 * `@sluice/connector-file`: FileStreamSource and FileStreamSink, config-compatible with Apache Kafka Connect's
 * `connect-file` (`org.apache.kafka.connect.file.*`). The worker ships it built in.
 */
import { definePlugin } from '@sluice/sdk';
import { FileStreamSinkConnector } from './sink-connector.js';
import { FileStreamSinkTask } from './sink-task.js';
import { FileStreamSourceConnector } from './source-connector.js';
import { FileStreamSourceTask } from './source-task.js';
import { VERSION } from './version.js';

export {
  DEFAULT_TASK_BATCH_SIZE,
  FILE_CONFIG,
  FILENAME_FIELD,
  FileStreamSourceConnector,
  POSITION_FIELD,
  SINGLE_TOPIC_MESSAGE,
  SOURCE_CONFIG_DEF,
  TASK_BATCH_SIZE_CONFIG,
  TOPIC_CONFIG,
  type FileSourceConfig,
} from './source-connector.js';
export { FileStreamSourceTask } from './source-task.js';
export { FileStreamSinkConnector, SINK_CONFIG_DEF, SINK_FILE_CONFIG } from './sink-connector.js';
export { FileStreamSinkTask } from './sink-task.js';
export { VERSION } from './version.js';

export const plugins = [
  definePlugin({
    kind: 'source',
    className: 'org.apache.kafka.connect.file.FileStreamSourceConnector',
    version: VERSION,
    create: () => new FileStreamSourceConnector(),
    createTask: () => new FileStreamSourceTask(),
  }),
  definePlugin({
    kind: 'sink',
    className: 'org.apache.kafka.connect.file.FileStreamSinkConnector',
    version: VERSION,
    create: () => new FileStreamSinkConnector(),
    createTask: () => new FileStreamSinkTask(),
  }),
];
