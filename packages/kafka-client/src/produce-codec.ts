/**
 * Produce (api key 0) version 7, non-flexible, as Kafka 2.1 and later take it: a request carrying one
 * already-encoded record batch per partition, and its response. kafkajs's own Produce request encodes the
 * records itself, record by record; this one takes batches from `encodeRecordBatch`.
 */
import { SluiceError } from '@sluice/errors';

export const PRODUCE_API_KEY = 0;
export const PRODUCE_VERSION = 7;

/** One partition's batch in a Produce request. */
export interface PartitionBatch {
  partition: number;
  /** A record batch (magic 2), as `encodeRecordBatch` writes it. */
  batch: Buffer;
}

/** One partition's answer. */
export interface PartitionProduceResult {
  partition: number;
  /** Kafka's error code; 0 for none. */
  errorCode: number;
  /** Offset of the batch's first record, -1 on error. */
  baseOffset: number;
}

/**
 * The body of a Produce v7 request (after the request header) for one topic: no transactional id, `acks`
 * (-1 every in-sync replica, 1 the leader), and how long the broker may wait for the replicas.
 */
export function encodeProduceRequest(
  topic: string,
  acks: -1 | 1,
  timeoutMs: number,
  batches: readonly PartitionBatch[],
): Buffer {
  const topicLength = Buffer.byteLength(topic, 'utf8');
  let size = 2 + 2 + 4 + 4 + 2 + topicLength + 4;
  for (const { batch } of batches) size += 4 + 4 + batch.length;
  const out = Buffer.allocUnsafe(size);
  let at = out.writeInt16BE(-1, 0); // transactional id: null
  at = out.writeInt16BE(acks, at);
  at = out.writeInt32BE(timeoutMs, at);
  at = out.writeInt32BE(1, at); // one topic
  at = out.writeInt16BE(topicLength, at);
  at += out.write(topic, at, topicLength, 'utf8');
  at = out.writeInt32BE(batches.length, at);
  for (const { partition, batch } of batches) {
    at = out.writeInt32BE(partition, at);
    at = out.writeInt32BE(batch.length, at);
    out.set(batch, at);
    at += batch.length;
  }
  return out;
}

/** A Produce v7 response body (after the correlation id): each partition's answer, and the throttle time. */
export function decodeProduceResponse(body: Buffer): {
  topics: Array<{ topic: string; partitions: PartitionProduceResult[] }>;
  throttleTimeMs: number;
} {
  let at = 0;
  const need = (bytes: number) => {
    if (at + bytes > body.length)
      throw new SluiceError('SLUICE_KAFKA_BAD_RESPONSE', 'a Produce response ended early');
  };
  const int32 = () => {
    need(4);
    const value = body.readInt32BE(at);
    at += 4;
    return value;
  };
  const topics: Array<{ topic: string; partitions: PartitionProduceResult[] }> = [];
  for (let t = int32(); t > 0; t--) {
    need(2);
    const length = body.readInt16BE(at);
    at += 2;
    need(length);
    const topic = body.toString('utf8', at, at + length);
    at += length;
    const partitions: PartitionProduceResult[] = [];
    for (let p = int32(); p > 0; p--) {
      // partition, error code, base offset, log append time, log start offset
      need(4 + 2 + 8 + 8 + 8);
      const partition = body.readInt32BE(at);
      const errorCode = body.readInt16BE(at + 4);
      const baseOffset = Number(body.readBigInt64BE(at + 6));
      at += 30;
      partitions.push({ partition, errorCode, baseOffset });
    }
    topics.push({ topic, partitions });
  }
  const throttleTimeMs = int32();
  return { topics, throttleTimeMs };
}
