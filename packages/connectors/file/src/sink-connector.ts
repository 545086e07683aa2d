import { ConfigDef, SinkConnector } from '@sluice/sdk';
import { settle } from './source-connector.js';
import { VERSION } from './version.js';

export const SINK_FILE_CONFIG = 'file';

/**
 * The sink's own keys. `topics` and `topics.regex` belong to the runtime's sink connector config, as in
 * Connect; keys that are not defined here are accepted and ignored.
 */
export const SINK_CONFIG_DEF = new ConfigDef().define({
  name: SINK_FILE_CONFIG,
  type: 'STRING',
  defaultValue: null,
  importance: 'HIGH',
  documentation: 'Destination filename. If not specified, the standard output will be used',
});

/** Appends record values to a file or stdout (Apache's `FileStreamSinkConnector`). */
export class FileStreamSinkConnector extends SinkConnector {
  #props: Record<string, string> = {};

  version(): string {
    return VERSION;
  }

  start(props: Record<string, string>): Promise<void> {
    return settle(() => {
      SINK_CONFIG_DEF.parse(props);
      this.#props = { ...props };
    });
  }

  /** `maxTasks` copies of the config, as Apache's (they all append to the same file). */
  taskConfigs(maxTasks: number): Record<string, string>[] {
    return Array.from({ length: Math.max(0, maxTasks) }, () => ({ ...this.#props }));
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  config(): ConfigDef {
    return SINK_CONFIG_DEF;
  }

  /** The file keeps no offsets of its own: the consumer group's are all there is (as Apache's, KAFKA-15121). */
  override alterOffsets(): Promise<boolean> {
    return Promise.resolve(true);
  }
}
