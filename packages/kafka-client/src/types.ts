/** One record read from a partition. */
export interface FetchedRecord {
  offset: number;
  /** Milliseconds since the epoch: create time, or log-append time if the topic uses it; -1 if unknown. */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  /** In wire order, duplicates and null values kept (see the note on header decoding in `internals.ts`). */
  headers: Array<{ key: string; value: Buffer | null }>;
}

export interface FetchRequest {
  topic: string;
  partition: number;
  /** First offset wanted; records below it in the same batch are dropped. */
  offset: number;
  /**
   * Soft limit on the bytes the broker returns; a first record batch larger than this is still returned
   * whole so that fetching always makes progress. @default 1048576
   */
  maxBytes?: number;
  /** How long the broker may wait for `minBytes` to accumulate. @default 500 */
  maxWaitMs?: number;
  /** Bytes the broker waits for before answering (up to `maxWaitMs`). @default 1 */
  minBytes?: number;
}

export interface FetchResult {
  /** Records at offsets >= the requested one, in offset order; empty when none are available yet. */
  records: FetchedRecord[];
  /** Offset after the last replicated record of the partition (its end offset). */
  highWatermark: number;
  /** First offset still in the log (retention and DeleteRecords move it); -1 if the broker did not say. */
  logStartOffset: number;
}

export interface FetchPartitionsRequest {
  topic: string;
  /** Each partition with the first offset wanted. */
  partitions: ReadonlyArray<{ partition: number; offset: number }>;
  /** Soft limit on the bytes returned per partition (as `FetchRequest.maxBytes`). @default 1048576 */
  maxBytes?: number;
  /** How long each broker may wait for `minBytes` to accumulate in any of its partitions. @default 500 */
  maxWaitMs?: number;
  /** @default 1 */
  minBytes?: number;
}

export interface PartitionFetchResult extends FetchResult {
  partition: number;
  /**
   * Where to read this partition next: after the last record batch returned (past offsets that compaction
   * removed, transaction markers and aborted records), or the requested offset when nothing was returned.
   */
  nextOffset: number;
}

export interface FetchTopicPartitionsRequest {
  /** Each partition, of one topic or several, with the first offset wanted. */
  partitions: ReadonlyArray<{ topic: string; partition: number; offset: number }>;
  /** Soft limit on the bytes returned per partition (as `FetchRequest.maxBytes`). @default 1048576 */
  maxBytes?: number;
  /** How long each broker may wait for `minBytes` to accumulate in any of its partitions. @default 500 */
  maxWaitMs?: number;
  /** @default 1 */
  minBytes?: number;
  /** Ends the call early with what has been answered by then (see `BrokerClient.fetchTopicPartitions`). */
  signal?: AbortSignal;
}

export interface TopicPartitionFetchResult extends PartitionFetchResult {
  topic: string;
}
