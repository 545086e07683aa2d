import { InvalidRecordError, UnknownTopicError } from './errors.js';
import type { ProduceRecord } from './types.js';

/**
 * Kafka's default partitioning of keyed records: `toPositive(murmur2(keyBytes)) % numPartitions`,
 * bit-for-bit the Java client's, so both backends (and Java producers) put a key in the same partition.
 */
export function partitionForKey(key: Buffer, numPartitions: number): number {
  return (murmur2(key) & 0x7fffffff) % numPartitions;
}

/** murmur2 as implemented by Kafka's `Utils.murmur2` (seed 0x9747b28c). */
export function murmur2(data: Buffer): number {
  const length = data.length;
  const m = 0x5bd1e995;
  const r = 24;
  let h = 0x9747b28c ^ length;
  const length4 = length & ~3;
  for (let i = 0; i < length4; i += 4) {
    let k = data.readInt32LE(i);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= (data[length4 + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[length4 + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[length4]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Converts a record key or value given as text or bytes to bytes. */
export function toBuffer(value: Buffer | string | null | undefined): Buffer | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

export interface TopicLayout {
  name: string;
  partitions: number;
  compacted: boolean;
}

/**
 * Kafka's rules for one produce call, shared by both backends: a keyless record cannot go to a compacted
 * topic, an explicit partition must exist, a keyed record goes to murmur2 of its key and a keyless one
 * to the call's sticky partition. Throws before anything is written.
 */
export function routeRecords(
  topic: TopicLayout,
  records: readonly ProduceRecord[],
  nullKeyPartition: number,
): Array<{ key: Buffer | null; partition: number }> {
  return records.map((record, index) => {
    const key = toBuffer(record.key);
    if (topic.compacted && key === null) {
      throw new InvalidRecordError(
        `record ${index}: a compacted topic ('${topic.name}') cannot accept a record without a key`,
      );
    }
    if (record.partition === undefined) {
      return { key, partition: key === null ? nullKeyPartition : partitionForKey(key, topic.partitions) };
    }
    if (!Number.isInteger(record.partition) || record.partition < 0 || record.partition >= topic.partitions) {
      throw new UnknownTopicError(topic.name, record.partition);
    }
    return { key, partition: record.partition };
  });
}

/** Keyless records stick to one partition per produce call, rotating between calls (Kafka's sticky partitioning). */
export class StickyPartitions {
  readonly #next = new Map<string, number>();

  /** The partition for this call's keyless records. */
  next(topic: string, partitions: number): number {
    const partition = (this.#next.get(topic) ?? 0) % partitions;
    this.#next.set(topic, partition + 1);
    return partition;
  }

  forget(topic: string): void {
    this.#next.delete(topic);
  }
}
