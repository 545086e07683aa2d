import {
  ConnectError,
  SourceConnector,
  type ConfigDef,
  type ConfigValue,
  type ExactlyOnceSupport,
} from '@sluice/sdk';
import {
  ENTITY_NAMES_CONFIG,
  HTTP_SOURCE_CONFIG_DEF,
  parseHttpSourceConfig,
  validateHttpSourceConfig,
  type HttpSourceConfig,
} from './config.js';
import { OffsetError, OffsetMode } from './offset-modes.js';
import { StoreError, tlsOptions } from './tls.js';
import { ENTITY_NAME_FIELD, URL_FIELD } from './source-task.js';
import { VERSION } from './version.js';

/**
 * The HTTP Source connector (Confluent's `io.confluent.connect.http.HttpSourceConnector`): validates the
 * config, every cross-key rule included, and shares the entities out among at most `tasks.max` tasks.
 */
export class HttpSourceConnector extends SourceConnector {
  #props: Record<string, string> = {};
  #config: HttpSourceConfig | null = null;

  version(): string {
    return VERSION;
  }

  async start(props: Record<string, string>): Promise<void> {
    const config = await settle(() => parseHttpSourceConfig(props));
    if (config.tls !== null) {
      try {
        await tlsOptions(config.tls);
      } catch (error) {
        if (!(error instanceof StoreError)) throw error;
        throw new ConnectError(`Invalid HTTP source configuration: ${error.message}`);
      }
    }
    this.#config = config;
    this.#props = { ...props };
  }

  /**
   * One task per group of entities, as Connect's `ConnectorUtils.groupPartitions` makes them: contiguous
   * groups whose sizes differ by at most one, at most `maxTasks` of them. Each task gets the connector's
   * config with `entity.names` narrowed to its group. Without entities, one task.
   */
  taskConfigs(maxTasks: number): Record<string, string>[] {
    const entities = this.#config?.entityNames ?? [];
    if (maxTasks < 1) return [];
    if (entities.length === 0) return [{ ...this.#props }];
    const groups = Math.min(maxTasks, entities.length);
    const configs: Record<string, string>[] = [];
    let start = 0;
    for (let group = 0; group < groups; group++) {
      const size = Math.floor(entities.length / groups) + (group < entities.length % groups ? 1 : 0);
      configs.push({ ...this.#props, [ENTITY_NAMES_CONFIG]: entities.slice(start, start + size).join(',') });
      start += size;
    }
    return configs;
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  config(): ConfigDef {
    return HTTP_SOURCE_CONFIG_DEF;
  }

  /** Each key against the ConfigDef, plus the reference's rules across keys, each reported on its key. */
  override validate(props: Record<string, string>): Promise<ConfigValue[]> {
    return validateHttpSourceConfig(props);
  }

  /** HTTP APIs are read at least once (the reference's guarantee). */
  override exactlyOnceSupport(): ExactlyOnceSupport {
    return 'UNSUPPORTED';
  }

  /**
   * Checks offsets before the runtime writes them. A null offset (a reset) is accepted for any partition;
   * otherwise the partition must be `{"entityName": …}` or `{"url": …}` and the offset fit the configured
   * mode: `{"offset": "<integer>"}` for SIMPLE_INCREMENTING, `{"offset": "<string>"}` for CHAINING (any JSON
   * value when `use.http.offset.json.pointer.as.string` is false), `{"offset": "<page reference>"}` with an
   * optional non-negative `skip` for CURSOR_PAGINATION. Tasks read offsets only when they start.
   */
  override alterOffsets(
    connectorConfig: Record<string, string>,
    offsets: ReadonlyMap<Readonly<Record<string, unknown>>, Readonly<Record<string, unknown>> | null>,
  ): Promise<boolean> {
    return settle(() => {
      const config = parseHttpSourceConfig(connectorConfig);
      const mode = OffsetMode.of(config);
      for (const [partition, offset] of offsets as ReadonlyMap<
        unknown,
        Readonly<Record<string, unknown>> | null
      >) {
        if (partition === null || typeof partition !== 'object') {
          throw new ConnectError('Partition objects cannot be null');
        }
        const keys = Object.keys(partition);
        const field = keys[0];
        if (keys.length !== 1 || (field !== ENTITY_NAME_FIELD && field !== URL_FIELD)) {
          throw new ConnectError(
            `Partition objects have one key, '${ENTITY_NAME_FIELD}' (with entity.names) or '${URL_FIELD}' (without), not ${JSON.stringify(partition)}`,
          );
        }
        if (typeof (partition as Record<string, unknown>)[field] !== 'string') {
          throw new ConnectError(`The '${field}' of a partition must be a string`);
        }
        if (offset === null || offset === undefined) continue;
        try {
          mode.restore(offset);
        } catch (error) {
          if (error instanceof OffsetError) throw new ConnectError(error.message);
          throw error;
        }
      }
      return true;
    });
  }
}

/** `fn`'s result or error as a promise, so that callers see one way of failing. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new ConnectError(String(error)));
  }
}
