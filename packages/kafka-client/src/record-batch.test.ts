import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { crc32c, encodeRecordBatch, type BatchRecord } from './record-batch.js';

// kafkajs's own record batch encoder, decoder and CRC32C (2.2.4, `src/protocol/`), as references.
const require = createRequire(import.meta.url);
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (
  decoder: unknown,
) => Promise<DecodedBatch>;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (options: Record<string, unknown>) => Promise<{ buffer: Buffer }>;
};
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (
  options: Record<string, unknown>,
) => unknown;
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C') as (buffer: Buffer) => number;

interface DecodedBatch {
  firstOffset: string;
  firstTimestamp: string;
  maxTimestamp: string;
  lastOffsetDelta: number;
  producerId: string;
  inTransaction: boolean;
  records: Array<{
    offset: string;
    timestamp: string;
    key: Buffer | null;
    value: Buffer | null;
    headerList?: Array<{ key: string; value: Buffer | null }>;
  }>;
}

/** What kafkajs reads back from `batch` (the decoder takes it without the magic byte lookahead). */
async function decode(batch: Buffer): Promise<DecodedBatch> {
  return decodeBatch(new Decoder(batch));
}

function bytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

describe('crc32c', () => {
  it('is CRC-32C: the standard check value, and kafkajs’s for every length up to past three 16-byte strides', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    for (let length = 0; length < 56; length++) {
      const data = bytes(length, length);
      expect(crc32c(data)).toBe(kafkajsCrc32c(data));
    }
  });

  it('covers only the range asked for', () => {
    const data = bytes(100, 7);
    expect(crc32c(data, 13, 77)).toBe(kafkajsCrc32c(data.subarray(13, 77)));
  });
});

/** The batch kafkajs's own encoder writes for `records` (create time, no producer id, as ours). */
async function kafkajsEncoding(records: readonly BatchRecord[]): Promise<Buffer> {
  const base = records[0]!.timestamp;
  const batch = await RecordBatch({
    firstTimestamp: base,
    maxTimestamp: Math.max(...records.map((record) => record.timestamp)),
    lastOffsetDelta: records.length - 1,
    partitionLeaderEpoch: -1,
    producerEpoch: -1,
    firstSequence: -1,
    records: records.map((record, index) =>
      Record({
        offsetDelta: index,
        timestampDelta: record.timestamp - base,
        key: record.key,
        value: record.value,
        headers: record.headers ?? [],
      }),
    ),
  });
  return batch.buffer;
}

describe('encodeRecordBatch', () => {
  it('writes records kafkajs decodes back exactly: keys, null values, odd lengths, headers in order', async () => {
    const base = 1_700_000_000_000;
    const records: BatchRecord[] = [
      { key: null, value: bytes(100, 1), timestamp: base },
      { key: Buffer.from('k'), value: null, timestamp: base + 5 },
      { key: Buffer.alloc(0), value: Buffer.alloc(0), timestamp: base - 3 },
      {
        key: bytes(300, 2), // a length whose varint takes two bytes
        value: bytes(70_000, 3), // three
        timestamp: base + 86_400_000 * 365, // a delta beyond 2^31 ms
        headers: [
          { key: 'b', value: Buffer.from('1') },
          { key: 'a', value: null },
          { key: 'b', value: Buffer.alloc(0) },
          { key: 'ünï', value: bytes(5, 4) },
        ],
      },
      ...Array.from({ length: 200 }, (_, i) => ({ key: null, value: bytes(i % 7, i), timestamp: base })),
    ];
    const batch = encodeRecordBatch(records);
    expect(batch.readInt32BE(8)).toBe(batch.length - 12);
    expect(batch[16]).toBe(2);
    expect(batch.readUInt32BE(17)).toBe(kafkajsCrc32c(batch.subarray(21)));

    const decoded = await decode(batch);
    expect(decoded.lastOffsetDelta).toBe(records.length - 1);
    expect(decoded.firstTimestamp).toBe(String(base));
    expect(decoded.maxTimestamp).toBe(String(base + 86_400_000 * 365));
    expect(decoded.producerId).toBe('-1');
    expect(decoded.inTransaction).toBe(false);
    expect(decoded.records).toHaveLength(records.length);
    decoded.records.forEach((record, index) => {
      const sent = records[index]!;
      expect(record.offset).toBe(String(index));
      expect(record.timestamp).toBe(String(sent.timestamp));
      expect(record.key).toEqual(sent.key);
      expect(record.value).toEqual(sent.value);
      expect(record.headerList ?? []).toEqual(sent.headers ?? []);
    });
  });

  it('writes the records as kafkajs’s own encoder does, byte for byte', async () => {
    const base = 1_700_000_000_000;
    const records: BatchRecord[] = Array.from({ length: 50 }, (_, i) => ({
      key: i % 3 === 0 ? null : bytes(i, i),
      value: i % 5 === 0 ? null : bytes(i * 3 + 1, i + 1),
      timestamp: base + i * 2,
      headers: i % 4 === 0 ? [{ key: `h${i}`, value: bytes(i % 3, i) }] : undefined,
    }));
    expect(encodeRecordBatch(records).equals(await kafkajsEncoding(records))).toBe(true);
  });

  it('writes lengths and deltas at every varint size boundary as kafkajs does', async () => {
    const base = 1_700_000_000_000;
    // Lengths whose zigzag form (twice the length) is just under and at 2^7, 2^14 and 2^21; timestamp deltas
    // whose zigzag form is at 2^31 and 2^35 (varlongs beyond 32 bits).
    const lengths = [63, 64, 8191, 8192, 1_048_575, 1_048_576];
    const deltas = [0, 2 ** 30 - 1, 2 ** 30, 2 ** 34, -(2 ** 34)];
    const records: BatchRecord[] = lengths.map((length, i) => ({
      key: bytes(lengths[lengths.length - 1 - i]! % 9000, i),
      value: bytes(length, i + 1),
      timestamp: base + deltas[i % deltas.length]!,
    }));
    expect(encodeRecordBatch(records).equals(await kafkajsEncoding(records))).toBe(true);
  });

  it('refuses an empty batch, and a timestamp that is not a whole number of milliseconds', () => {
    expect(() => encodeRecordBatch([])).toThrow(RangeError);
    expect(() => encodeRecordBatch([{ value: null, timestamp: 1.5 }])).toThrow(RangeError);
  });
});
