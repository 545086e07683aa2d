import { ConnectError } from '../errors.js';
import type { ConfigDef } from '../config/config-def.js';
import type { ConfigValue } from '../config/types.js';
import type { TopicPartitionOffset } from '../record/records.js';

/** What the runtime offers a running connector (Connect's `ConnectorContext`). */
export interface ConnectorContext {
  /** Asks the runtime to call `taskConfigs` again, e.g. because the set of tables changed. */
  requestTaskReconfiguration(): void;
  /** Fails the connector with this error from outside a lifecycle call (e.g. a background monitor). */
  raiseError(error: Error): void;
}

/**
 * The part of a plugin that runs on the control plane (Connect's `Connector`): it validates its config and
 * splits the work into task configs. Tasks run elsewhere, usually in a worker thread, and are created from
 * the plugin descriptor's `createTask`, never from this instance. All lifecycle calls may be async.
 */
export abstract class Connector {
  #context: ConnectorContext | null = null;

  /** Called by the runtime once, before `start`. */
  initialize(context: ConnectorContext): void {
    this.#context = context;
  }

  /** The context given to `initialize`. */
  protected get context(): ConnectorContext {
    if (this.#context === null) throw new ConnectError('The connector has not been initialized');
    return this.#context;
  }

  /** The connector's version, shown by `GET /connector-plugins`. */
  abstract version(): string;

  /** Starts with the connector's config (already validated by `validate`). */
  abstract start(props: Record<string, string>): Promise<void>;

  /** At most `maxTasks` task configs; each starts one task. */
  abstract taskConfigs(maxTasks: number): Record<string, string>[] | Promise<Record<string, string>[]>;

  /** Stops; the runtime calls it once, also after a failed `start`. */
  abstract stop(): Promise<void>;

  /** The keys the connector accepts; drives validation and `GET /connector-plugins/{p}/config`. */
  abstract config(): ConfigDef;

  /** Validates a config; by default each key against `config()`. Override for checks across keys. */
  validate(props: Record<string, string>): ConfigValue[] | Promise<ConfigValue[]> {
    return this.config().validate(props);
  }

  /** Applies a new config; by default stops and starts again. */
  async reconfigure(props: Record<string, string>): Promise<void> {
    await this.stop();
    await this.start(props);
  }
}

/** A sink connector; it may receive offsets to alter (Connect's `SinkConnector`). */
export abstract class SinkConnector extends Connector {
  /** The config key listing the topics to consume. */
  static readonly TOPICS_CONFIG = 'topics';
  /** The config key with a regex of topics to consume. */
  static readonly TOPICS_REGEX_CONFIG = 'topics.regex';

  /**
   * Called before the runtime alters or resets (null offset) these consumer offsets (`PATCH`/`DELETE
   * …/offsets`). Throw to refuse; return true if the connector also updated offsets it keeps itself, false
   * (the default) if it keeps none, which the REST response then mentions, as Connect's.
   */
  alterOffsets(
    _connectorConfig: Record<string, string>,
    _offsets: readonly (Omit<TopicPartitionOffset, 'offset'> & { offset: number | null })[],
  ): Promise<boolean> {
    return Promise.resolve(false);
  }
}

/** Whether a source connector can run with exactly-once delivery (Connect's `ExactlyOnceSupport`). */
export type ExactlyOnceSupport = 'SUPPORTED' | 'UNSUPPORTED';

/** A source connector (Connect's `SourceConnector`). */
export abstract class SourceConnector extends Connector {
  /** Null when the connector cannot tell from this config. @default null */
  exactlyOnceSupport(_props: Record<string, string>): ExactlyOnceSupport | null {
    return null;
  }

  /**
   * Whether this config lets the connector's tasks define transaction boundaries themselves.
   * @default 'UNSUPPORTED'
   */
  canDefineTransactionBoundaries(_props: Record<string, string>): ExactlyOnceSupport {
    return 'UNSUPPORTED';
  }

  /**
   * Called before the runtime alters or resets (null offset) these source offsets. Throw to refuse; return
   * true if the connector also updated offsets it keeps itself, false (the default) if it keeps none.
   */
  alterOffsets(
    _connectorConfig: Record<string, string>,
    _offsets: ReadonlyMap<Readonly<Record<string, unknown>>, Readonly<Record<string, unknown>> | null>,
  ): Promise<boolean> {
    return Promise.resolve(false);
  }
}
