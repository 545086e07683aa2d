import type { RecordPosition } from '@sluice/log';
import type { PreparedRecord } from './record-reader.js';

/** Jersey's `ChunkedOutput` separator, which Confluent's streaming answer uses. */
export const SEPARATOR = '\r\n';

/** An `Instant` as Jackson writes it (ISO-8601, without a zero fraction): `2021-02-05T19:14:42Z`. */
export function instantText(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

const OFFSET = Buffer.from(',"offset":', 'latin1');
const ZERO = 0x30;

/** Writes a non-negative integer's decimal digits at `at`; answers where they end. */
function writeDigits(out: Buffer, at: number, n: number): number {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  const end = at + digits;
  let i = end;
  let rest = n;
  do {
    out[--i] = ZERO + (rest % 10);
    rest = Math.floor(rest / 10);
  } while (rest > 0);
  return end;
}

/**
 * The delivery reports of a v3 produce (Confluent's `ProduceResponse`: `error_code` 200, `cluster_id`,
 * `topic_name`, `partition_id`, `offset`, `timestamp`, then `key` and `value` with their type and size when
 * the record had them), each followed by the separator, written as bytes: the part before the offset is
 * the same for every report of a partition, and a batch's records mostly share their millisecond and their
 * key and value shapes, so the part after the offset is built once for a run of them.
 */
export class DeliveryReports {
  readonly #head: Buffer;
  /** Per partition, the part of its reports up to the offset's digits. */
  readonly #prefixes = new Map<number, Buffer>();
  #tailOf: PreparedRecord | undefined;
  #tail: Buffer = Buffer.alloc(0);

  constructor(clusterId: string, topic: string) {
    this.#head = Buffer.from(
      `{"error_code":200,"cluster_id":${JSON.stringify(clusterId)},"topic_name":${JSON.stringify(topic)},"partition_id":`,
      'utf8',
    );
  }

  /** The reports of `records`, acknowledged at `positions` (one each, in the same order), as UTF-8. */
  bytes(records: readonly PreparedRecord[], positions: readonly RecordPosition[]): Buffer {
    let out = Buffer.allocUnsafe(
      records.length * (this.#head.length + OFFSET.length + 32 + this.#tail.length),
    );
    let at = 0;
    let partition = -1; // none yet: the first record sets the prefix
    let prefix = this.#head;
    for (let index = 0; index < records.length; index++) {
      const position = positions[index]!;
      const tail = this.#tailFor(records[index]!);
      if (position.partition !== partition) {
        partition = position.partition;
        prefix = this.#prefixFor(partition);
      }
      // An offset has at most 16 digits (integers up to 2^53).
      const needed = at + prefix.length + 16 + tail.length;
      if (needed > out.length) {
        const larger = Buffer.allocUnsafe(Math.max(out.length * 2, needed));
        out.copy(larger, 0, 0, at);
        out = larger;
      }
      out.set(prefix, at);
      at = writeDigits(out, at + prefix.length, position.offset);
      out.set(tail, at);
      at += tail.length;
    }
    return out.subarray(0, at);
  }

  #prefixFor(partition: number): Buffer {
    let prefix = this.#prefixes.get(partition);
    if (prefix === undefined) {
      prefix = Buffer.concat([this.#head, Buffer.from(String(partition), 'latin1'), OFFSET]);
      this.#prefixes.set(partition, prefix);
    }
    return prefix;
  }

  #tailFor(record: PreparedRecord): Buffer {
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
    this.#tail = Buffer.from(`${tail}}${SEPARATOR}`, 'utf8');
    return this.#tail;
  }
}
