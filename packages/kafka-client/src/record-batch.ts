/**
 * Kafka's record batch (magic 2), uncompressed, written straight into one Buffer: what a producer sends in a
 * Produce request for one partition. kafkajs builds one via an encoder object per record and field; this
 * writes the records in one pass with their sizes computed first, and checks them with a table-driven CRC32C.
 */

/**
 * One record of a batch. Timestamps are milliseconds since the epoch (create time). A shape callers' own
 * record objects usually have already, so that they are encoded as they are, without a copy per record.
 */
export interface BatchRecord {
  readonly key?: Buffer | null | undefined;
  readonly value: Buffer | null;
  readonly timestamp: number;
  /** In wire order; a null value is written as length -1. */
  headers?: ReadonlyArray<{ key: string; value: Buffer | null }> | undefined;
}

/** Bytes of a batch's header, up to and including its record count. */
export const BATCH_HEADER_BYTES = 61;
/** Where the batch's CRC32C is, and where the bytes it covers start (the attributes). */
const CRC_AT = 17;
const ATTRIBUTES_AT = 21;

// CRC32C (Castagnoli, reflected polynomial 0x82f63b78), slice-by-16: sixteen tables of 256 entries, one after
// another. Table t gives the CRC of a byte followed by t zero bytes.
const CRC_TABLES = new Int32Array(16 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  CRC_TABLES[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = CRC_TABLES[n]!;
  for (let t = 1; t < 16; t++) {
    c = CRC_TABLES[c & 0xff]! ^ (c >>> 8);
    CRC_TABLES[t * 256 + n] = c;
  }
}

/** CRC32C of `bytes[from, to)`, as an unsigned 32-bit integer. */
export function crc32c(bytes: Uint8Array, from = 0, to = bytes.length): number {
  const t = CRC_TABLES;
  // Sixteen bytes a round, read as four little-endian words: about a third faster than eight bytes a round,
  // or words assembled from bytes (docs/benchmarks.md).
  const words = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let crc = -1;
  let i = from;
  for (const whole = to - ((to - from) & 15); i < whole; i += 16) {
    const a = crc ^ words.getInt32(i, true);
    const b = words.getInt32(i + 4, true);
    const c = words.getInt32(i + 8, true);
    const d = words.getInt32(i + 12, true);
    crc =
      t[3840 + (a & 0xff)]! ^
      t[3584 + ((a >>> 8) & 0xff)]! ^
      t[3328 + ((a >>> 16) & 0xff)]! ^
      t[3072 + (a >>> 24)]! ^
      t[2816 + (b & 0xff)]! ^
      t[2560 + ((b >>> 8) & 0xff)]! ^
      t[2304 + ((b >>> 16) & 0xff)]! ^
      t[2048 + (b >>> 24)]! ^
      t[1792 + (c & 0xff)]! ^
      t[1536 + ((c >>> 8) & 0xff)]! ^
      t[1280 + ((c >>> 16) & 0xff)]! ^
      t[1024 + (c >>> 24)]! ^
      t[768 + (d & 0xff)]! ^
      t[512 + ((d >>> 8) & 0xff)]! ^
      t[256 + ((d >>> 16) & 0xff)]! ^
      t[d >>> 24]!;
  }
  for (; i < to; i++) crc = t[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** Zigzag form of an integer within ±2^52 (a record's varint or varlong), as a non-negative number. */
function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

/** Bytes of a non-negative integer's base-128 form. */
function unsignedSize(z: number): number {
  if (z < 0x80) return 1;
  if (z < 0x4000) return 2;
  if (z < 0x200000) return 3;
  let size = 4;
  for (z = Math.floor(z / 0x200000); z >= 0x80; z = Math.floor(z / 128)) size++;
  return size;
}

function writeUnsigned(out: Buffer, at: number, z: number): number {
  // Below 2^31 with bit operations; larger (varlong timestamps) with arithmetic.
  while (z >= 0x80000000) {
    out[at++] = (z % 128) | 0x80;
    z = Math.floor(z / 128);
  }
  while (z >= 0x80) {
    out[at++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  out[at++] = z;
  return at;
}

/** The size of a length-prefixed field of a record: -1 for null, else the length's varint and the bytes. */
function fieldSize(length: number): number {
  return length < 0 ? 1 : unsignedSize(length * 2) + length;
}

/**
 * Bytes of `record` in a batch without its length prefix, given its offset and timestamp deltas: what the
 * prefix says.
 */
function bodySize(record: BatchRecord, offsetDelta: number, timestampDelta: number): number {
  let size =
    1 +
    unsignedSize(zigzag(timestampDelta)) +
    unsignedSize(offsetDelta * 2) +
    fieldSize(record.key == null ? -1 : record.key.length) +
    fieldSize(record.value === null ? -1 : record.value.length);
  const headers = record.headers;
  if (headers === undefined) return size + 1;
  size += unsignedSize(headers.length * 2);
  for (const header of headers) {
    size += fieldSize(Buffer.byteLength(header.key, 'utf8'));
    size += fieldSize(header.value === null ? -1 : header.value.length);
  }
  return size;
}

/**
 * Bytes `records` take in a batch (its header apart), with the batch's first timestamp `base`; each record's
 * body size (what its length prefix says) goes to `bodies` when given.
 */
export function recordsSize(records: readonly BatchRecord[], base: number, bodies?: Int32Array): number {
  let size = 0;
  for (let index = 0; index < records.length; index++) {
    const record = records[index]!;
    const body = bodySize(record, index, record.timestamp - base);
    if (bodies !== undefined) bodies[index] = body;
    size += unsignedSize(body * 2) + body;
  }
  return size;
}

function writeBytes(out: Buffer, at: number, bytes: Buffer | null | undefined): number {
  if (bytes == null) {
    out[at] = 1; // zigzag(-1)
    return at + 1;
  }
  at = writeUnsigned(out, at, bytes.length * 2);
  out.set(bytes, at);
  return at + bytes.length;
}

/**
 * One batch of `records` (at least one; a missing key is a null one), uncompressed, with create-time timestamps, no producer id (not
 * idempotent, not transactional) and base offset 0, as a producer sends it; the broker assigns the offsets.
 */
export function encodeRecordBatch(records: readonly BatchRecord[]): Buffer {
  if (records.length === 0) throw new RangeError('a record batch needs at least one record');
  const base = records[0]!.timestamp;
  let max = base;
  for (const record of records) {
    // Varints and the int64 fields take whole milliseconds.
    if (!Number.isSafeInteger(record.timestamp))
      throw new RangeError(`a record's timestamp must be an integer, got ${record.timestamp}`);
    if (record.timestamp > max) max = record.timestamp;
  }
  const bodies = new Int32Array(records.length);
  const out = Buffer.allocUnsafe(BATCH_HEADER_BYTES + recordsSize(records, base, bodies));
  out.writeBigInt64BE(0n, 0); // base offset
  out.writeInt32BE(out.length - 12, 8); // batch length: what follows it
  out.writeInt32BE(-1, 12); // partition leader epoch: set by the broker
  out[16] = 2; // magic
  out.writeInt16BE(0, ATTRIBUTES_AT); // no compression, create time, not transactional, not control
  out.writeInt32BE(records.length - 1, 23); // last offset delta
  out.writeBigInt64BE(BigInt(base), 27);
  out.writeBigInt64BE(BigInt(max), 35);
  out.writeBigInt64BE(-1n, 43); // producer id
  out.writeInt16BE(-1, 51); // producer epoch
  out.writeInt32BE(-1, 53); // base sequence
  out.writeInt32BE(records.length, 57);
  let at = BATCH_HEADER_BYTES;
  for (let index = 0; index < records.length; index++) {
    const record = records[index]!;
    const timestampDelta = record.timestamp - base;
    at = writeUnsigned(out, at, bodies[index]! * 2);
    out[at++] = 0; // record attributes
    at = writeUnsigned(out, at, zigzag(timestampDelta));
    at = writeUnsigned(out, at, index * 2);
    at = writeBytes(out, at, record.key);
    at = writeBytes(out, at, record.value);
    const headers = record.headers;
    if (headers === undefined) {
      out[at++] = 0;
      continue;
    }
    at = writeUnsigned(out, at, headers.length * 2);
    for (const header of headers) {
      const length = Buffer.byteLength(header.key, 'utf8');
      at = writeUnsigned(out, at, length * 2);
      at += out.write(header.key, at, length, 'utf8');
      at = writeBytes(out, at, header.value);
    }
  }
  out.writeUInt32BE(crc32c(out, ATTRIBUTES_AT, out.length), CRC_AT);
  return out;
}
