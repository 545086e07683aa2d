import type { RecordPosition } from '@sluice/log';
import type { PreparedRecord } from './record-reader.js';

/** Jersey's `ChunkedOutput` separator, which Confluent's streaming answer uses. */
export const SEPARATOR = '\r\n';

/** An `Instant` as Jackson writes it (ISO-8601, without a zero fraction): `2021-02-05T19:14:42Z`. */
export function instantText(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/**
 * The delivery reports of a v3 produce (Confluent's `ProduceResponse`: `error_code` 200, `cluster_id`,
 * `topic_name`, `partition_id`, `offset`, `timestamp`, then `key` and `value` with their type and size when
 * the record had them), each followed by the separator. A batch's records mostly share their millisecond and
 * their key and value shapes, so what follows the offset is built once for a run of them.
 */
export class DeliveryReports {
  readonly #head: string;
  #tailOf: PreparedRecord | undefined;
  #tail = '';

  constructor(clusterId: string, topic: string) {
    this.#head = `{"error_code":200,"cluster_id":${JSON.stringify(clusterId)},"topic_name":${JSON.stringify(topic)},"partition_id":`;
  }

  /** The reports of `records`, acknowledged at `positions` (one each, in the same order). */
  text(records: readonly PreparedRecord[], positions: readonly RecordPosition[]): string {
    let text = '';
    for (let index = 0; index < records.length; index++) {
      const record = records[index]!;
      const position = positions[index]!;
      text += `${this.#head}${position.partition},"offset":${position.offset}${this.#tailFor(record)}`;
    }
    return text;
  }

  #tailFor(record: PreparedRecord): string {
    const last = this.#tailOf;
    if (
      last !== undefined &&
      last.timestamp === record.timestamp &&
      last.keyType === record.keyType &&
      last.valueType === record.valueType &&
      (last.key?.length ?? 0) === (record.key?.length ?? 0) &&
      (last.value?.length ?? 0) === (record.value?.length ?? 0)
    ) {
      return this.#tail;
    }
    let tail = `,"timestamp":"${instantText(record.timestamp)}"`;
    if (record.keyType !== undefined)
      tail += `,"key":{"type":"${record.keyType}","size":${record.key?.length ?? 0}}`;
    if (record.valueType !== undefined)
      tail += `,"value":{"type":"${record.valueType}","size":${record.value?.length ?? 0}}`;
    this.#tailOf = record;
    this.#tail = `${tail}}${SEPARATOR}`;
    return this.#tail;
  }
}
