import {
  ConfigDef,
  ConnectError,
  NonEmptyString,
  SourceConnector,
  type ConfigValue,
  type ExactlyOnceSupport,
} from '@sluice/sdk';
import { VERSION } from './version.js';

/** Source config keys, as Apache's `FileStreamSourceConnector` names them. */
export const FILE_CONFIG = 'file';
export const TOPIC_CONFIG = 'topic';
export const TASK_BATCH_SIZE_CONFIG = 'batch.size';
/** @default 2000, as Apache's */
export const DEFAULT_TASK_BATCH_SIZE = 2000;

/** The source partition key (the file name) and the offset key (the byte position after the last line). */
export const FILENAME_FIELD = 'filename';
export const POSITION_FIELD = 'position';

/** What Connect 2.x said when `topic` held a list; Sluice says it for any value with a comma. */
export const SINGLE_TOPIC_MESSAGE =
  "'topic' in FileStreamSourceConnector configuration requires definition of a single topic";

export const SOURCE_CONFIG_DEF = new ConfigDef()
  .define({
    name: FILE_CONFIG,
    type: 'STRING',
    defaultValue: null,
    importance: 'HIGH',
    documentation: 'Source filename. If not specified, the standard input will be used',
  })
  .define({
    name: TOPIC_CONFIG,
    type: 'STRING',
    validator: new NonEmptyString(),
    importance: 'HIGH',
    documentation: 'The topic to publish data to',
  })
  .define({
    name: TASK_BATCH_SIZE_CONFIG,
    type: 'INT',
    defaultValue: DEFAULT_TASK_BATCH_SIZE,
    importance: 'LOW',
    documentation:
      'The maximum number of records the source task can read from the file each time it is polled',
  });

/** The resolved source config. */
export interface FileSourceConfig {
  /** Null for stdin. */
  readonly file: string | null;
  readonly topic: string;
  readonly batchSize: number;
}

/** Parses and checks a source config; throws a `ConfigError` (or a `ConnectError` for a topic list). */
export function parseSourceConfig(props: Readonly<Record<string, string>>): FileSourceConfig {
  const config = SOURCE_CONFIG_DEF.parse(props);
  const topic = config.get(TOPIC_CONFIG);
  if (topic.includes(',')) throw new ConnectError(SINGLE_TOPIC_MESSAGE);
  const file = config.get(FILE_CONFIG);
  return {
    file: file === null || file === '' ? null : file,
    topic,
    batchSize: config.get(TASK_BATCH_SIZE_CONFIG),
  };
}

/**
 * Reads a file (or stdin) line by line into one topic (Apache's `FileStreamSourceConnector`). One task: a
 * file is one stream.
 */
export class FileStreamSourceConnector extends SourceConnector {
  #props: Record<string, string> = {};

  version(): string {
    return VERSION;
  }

  start(props: Record<string, string>): Promise<void> {
    return settle(() => {
      parseSourceConfig(props);
      this.#props = { ...props };
    });
  }

  /** The connector's whole config, once: only one input stream makes sense. */
  taskConfigs(maxTasks: number): Record<string, string>[] {
    return maxTasks < 1 ? [] : [{ ...this.#props }];
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  config(): ConfigDef {
    return SOURCE_CONFIG_DEF;
  }

  /** Each key against the ConfigDef, and a `topic` holding a list is an error on `topic`. */
  override validate(props: Record<string, string>): ConfigValue[] {
    const values = SOURCE_CONFIG_DEF.validate(props);
    const topic = values.find((value) => value.name === TOPIC_CONFIG);
    if (topic && typeof topic.value === 'string' && topic.value.includes(',')) {
      topic.errorMessages.push(SINGLE_TOPIC_MESSAGE);
    }
    return values;
  }

  /** Exactly once for a real file (offsets are tracked), not for stdin. */
  override exactlyOnceSupport(props: Record<string, string>): ExactlyOnceSupport {
    const file = props[FILE_CONFIG]?.trim();
    return file ? 'SUPPORTED' : 'UNSUPPORTED';
  }

  /**
   * Checks offsets before the runtime writes them, as Apache's does: stdin keeps no offsets; a null offset
   * (a reset) is accepted for any partition, so stale partitions can be cleaned up; otherwise the partition
   * must have `filename` and the offset a non-negative integer `position` (a bigint or a safe-integer number).
   * Partitions of other files are accepted (from earlier configs); the task checks the position on start.
   */
  override alterOffsets(
    connectorConfig: Record<string, string>,
    offsets: ReadonlyMap<Readonly<Record<string, unknown>>, Readonly<Record<string, unknown>> | null>,
  ): Promise<boolean> {
    return settle(() => checkOffsets(connectorConfig, offsets));
  }
}

function checkOffsets(
  connectorConfig: Record<string, string>,
  offsets: ReadonlyMap<Readonly<Record<string, unknown>>, Readonly<Record<string, unknown>> | null>,
): boolean {
  const config = SOURCE_CONFIG_DEF.parse(connectorConfig);
  const file = config.get(FILE_CONFIG);
  if (file === null || file === '') {
    throw new ConnectError(
      `Offsets cannot be modified if the '${FILE_CONFIG}' configuration is unspecified. ` +
        'This is because stdin is used for input and offsets are not tracked.',
    );
  }
  for (const [partition, offset] of offsets as ReadonlyMap<
    unknown,
    Readonly<Record<string, unknown>> | null
  >) {
    if (offset === null || offset === undefined) continue;
    if (!Object.hasOwn(offset, POSITION_FIELD)) {
      throw new ConnectError(`Offset objects should either be null or contain the key '${POSITION_FIELD}'`);
    }
    const position = toPosition(offset[POSITION_FIELD]);
    if (position === null) {
      throw new ConnectError(
        `The value for the '${POSITION_FIELD}' key in the offset is expected to be a Long value`,
      );
    }
    if (position < 0n) {
      throw new ConnectError(
        `The value for the '${POSITION_FIELD}' key in the offset should be a non-negative value`,
      );
    }
    if (partition === null || typeof partition !== 'object') {
      throw new ConnectError('Partition objects cannot be null');
    }
    if (!Object.hasOwn(partition, FILENAME_FIELD)) {
      throw new ConnectError(`Partition objects should contain the key '${FILENAME_FIELD}'`);
    }
  }
  return true;
}

/** `fn`'s result or error as a promise, so that callers see one way of failing. */
export function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new ConnectError(String(error)));
  }
}

/** An offset position as a bigint, or null when it is not an integer (Connect's "not a Long"). */
export function toPosition(value: unknown): bigint | null {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  return null;
}
