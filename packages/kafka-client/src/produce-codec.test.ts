import { describe, expect, it } from 'vitest';
import { decodeProduceResponse, encodeProduceRequest } from './produce-codec.js';

describe('encodeProduceRequest', () => {
  it('writes Produce v7: null transactional id, acks, timeout, one topic, each partition with its batch', () => {
    const body = encodeProduceRequest('töpic', -1, 30_000, [
      { partition: 3, batch: Buffer.from([1, 2, 3]) },
      { partition: 0, batch: Buffer.alloc(0) },
    ]);
    const name = Buffer.from('töpic');
    const expected = Buffer.concat([
      Buffer.from([0xff, 0xff]), // transactional id: null
      Buffer.from([0xff, 0xff]), // acks -1
      Buffer.from([0, 0, 0x75, 0x30]), // 30000 ms
      Buffer.from([0, 0, 0, 1]), // one topic
      Buffer.from([0, name.length]),
      name,
      Buffer.from([0, 0, 0, 2]), // two partitions
      Buffer.from([0, 0, 0, 3, 0, 0, 0, 3, 1, 2, 3]),
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]),
    ]);
    expect(body.equals(expected)).toBe(true);
    expect(encodeProduceRequest('t', 1, 5, [])[3]).toBe(1);
  });
});

describe('decodeProduceResponse', () => {
  const partition = (id: number, error: number, base: bigint) => {
    const out = Buffer.alloc(30);
    out.writeInt32BE(id, 0);
    out.writeInt16BE(error, 4);
    out.writeBigInt64BE(base, 6);
    out.writeBigInt64BE(-1n, 14); // log append time
    out.writeBigInt64BE(0n, 22); // log start offset
    return out;
  };

  it('reads every partition’s error code and base offset, and the throttle time', () => {
    const body = Buffer.concat([
      Buffer.from([0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 2]),
      partition(0, 0, 42n),
      partition(1, 6, -1n),
      Buffer.from([0, 0, 0, 7]),
    ]);
    expect(decodeProduceResponse(body)).toEqual({
      topics: [
        {
          topic: 't',
          partitions: [
            { partition: 0, errorCode: 0, baseOffset: 42 },
            { partition: 1, errorCode: 6, baseOffset: -1 },
          ],
        },
      ],
      throttleTimeMs: 7,
    });
  });

  it('refuses a response that ends early', () => {
    const body = Buffer.concat([Buffer.from([0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 1]), partition(0, 0, 1n)]);
    expect(() => decodeProduceResponse(body.subarray(0, 20))).toThrow(/ended early/);
    expect(() => decodeProduceResponse(body)).toThrow(/ended early/);
  });
});
