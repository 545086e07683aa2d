import { BadRequestError } from './errors.js';
import type { ConnectorOffset } from './herder.js';
import { javaString } from './java-text.js';

const KAFKA_TOPIC = 'kafka_topic';
const KAFKA_PARTITION = 'kafka_partition';
const KAFKA_OFFSET = 'kafka_offset';
/** Java's `int`, and the part of `long` a JavaScript number holds exactly. */
const INT_RANGE = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const SAFE_LONG_RANGE = { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };

/** A sink connector's offset as Connect's `SinkUtils.parseSinkConnectorOffsets` reads it: all 400s. */
export function sinkOffset(entry: ConnectorOffset): {
  topic: string;
  partition: number;
  offset: number | null;
} {
  const partitionMap = entry.partition;
  if (!Object.hasOwn(partitionMap, KAFKA_TOPIC) || !Object.hasOwn(partitionMap, KAFKA_PARTITION)) {
    throw new BadRequestError(
      `The partition for a sink connector offset must contain the keys '${KAFKA_TOPIC}' and '${KAFKA_PARTITION}'`,
    );
  }
  if (partitionMap[KAFKA_TOPIC] === null) {
    throw new BadRequestError('Kafka topic names must be valid strings and may not be null');
  }
  if (partitionMap[KAFKA_PARTITION] === null) {
    throw new BadRequestError('Kafka partitions must be valid numbers and may not be null');
  }
  const topic = javaString(partitionMap[KAFKA_TOPIC]);
  const partition = parseJavaInteger(partitionMap[KAFKA_PARTITION], INT_RANGE);
  if (partition === undefined) {
    throw new BadRequestError(
      `Failed to parse the following Kafka partition value in the provided offsets: '${javaString(partitionMap[KAFKA_PARTITION])}'. Partition values for sink connectors need to be integers.`,
    );
  }
  if (entry.offset === null) return { topic, partition, offset: null };
  if (!Object.hasOwn(entry.offset, KAFKA_OFFSET)) {
    throw new BadRequestError(
      `The offset for a sink connector should either be null or contain the key '${KAFKA_OFFSET}'`,
    );
  }
  const offset = parseJavaInteger(entry.offset[KAFKA_OFFSET], SAFE_LONG_RANGE);
  if (offset === undefined) {
    throw new BadRequestError(
      `Failed to parse the following Kafka offset value in the provided offsets: '${javaString(entry.offset[KAFKA_OFFSET])}'. Offset values for sink connectors need to be integers.`,
    );
  }
  // Connect accepts these and fails later, writing them; a negative partition or offset never exists.
  if (partition < 0 || offset < 0) {
    throw new BadRequestError(
      `Partitions and offsets of a sink connector must not be negative: ${topic}-${partition} at ${offset}`,
    );
  }
  return { topic, partition, offset };
}

/**
 * `Integer.parseInt(String.valueOf(value))` (or `Long.parseLong`): a JSON number or a numeric string, an
 * optional sign and decimal digits, within `range`; undefined when Java would throw.
 */
function parseJavaInteger(value: unknown, range: { min: number; max: number }): number | undefined {
  const text = javaString(value);
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const parsed = Number(text);
  return parsed >= range.min && parsed <= range.max ? parsed : undefined;
}
