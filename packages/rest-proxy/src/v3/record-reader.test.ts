import { describe, expect, it } from 'vitest';
import { isHttpError } from '@sluice/rest';
import { JsonObjectStream } from '../json-stream.js';
import { prepareRecord, readBinaryRecord, type PreparedRecord } from './record-reader.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** What `readBinaryRecord` makes of `text` alone: the record, or undefined when it leaves it to the parser. */
function fast(
  text: string,
  limit = Buffer.byteLength(text),
): { record: PreparedRecord; end: number } | undefined {
  const bytes = Buffer.from(text);
  const out: Array<Buffer | PreparedRecord> = [];
  const end = readBinaryRecord(bytes, 0, limit, out);
  if (end < 0) {
    expect(out, 'nothing pushed when the record is left to the parser').toEqual([]);
    return undefined;
  }
  expect(out).toHaveLength(1);
  return { record: out[0] as PreparedRecord, end };
}

/** What the general parser makes of `text`: the record, or the HTTP error that is its report. */
function general(text: string): PreparedRecord | { status: number; message: string } {
  try {
    return prepareRecord(Buffer.from(text));
  } catch (error) {
    if (!isHttpError(error)) throw error;
    return { status: error.status, message: error.message };
  }
}

/** The fields the produce and the report depend on (the timestamp is the clock's). */
function comparable(record: PreparedRecord) {
  return {
    key: record.key === null ? null : record.key.toString('hex'),
    value: record.value === null ? null : record.value.toString('hex'),
    partition: record.partition,
    headers: record.headers,
    keyType: record.keyType,
    valueType: record.valueType,
  };
}

describe('readBinaryRecord', () => {
  const common = [
    `{"partition_id":0,"value":{"type":"BINARY","data":"${b64('x'.repeat(100))}"}}`,
    `{"value":{"type":"BINARY","data":"${b64('one')}"}}`,
    `{"key":{"type":"BINARY","data":"${b64('k')}"},"value":{"type":"BINARY","data":"${b64('vv')}"}}`,
    `{"value":{"type":"BINARY","data":"${b64('v')}"},"partition_id":123456789,"key":{"type":"BINARY","data":""}}`,
    `{"partition_id":7}`,
    `{"value":{"type":"BINARY","data":"S2Fma2E"}}`,
    // Every byte, so every character of the alphabet.
    `{"value":{"type":"BINARY","data":"${Buffer.from(Array.from({ length: 256 }, (_, n) => n)).toString('base64')}"}}`,
  ];

  it('reads the common binary shapes as the general parser does, one pass to the end of the object', () => {
    for (const text of common) {
      const read = fast(text);
      expect(read, text).toBeDefined();
      expect(read!.end, text).toBe(text.length);
      const expected = general(text);
      expect('status' in expected, text).toBe(false);
      expect(comparable(read!.record), text).toEqual(comparable(expected as PreparedRecord));
    }
    const read = fast(common[0]!)!.record;
    expect(read.value).toEqual(Buffer.alloc(100, 'x'));
    expect(read.partition).toBe(0);
    expect(read.valueType).toBe('BINARY');
    expect(read.keyType).toBeUndefined();
    expect(read.key).toBeNull();
    expect(Math.abs(read.timestamp - Date.now())).toBeLessThan(5000);
  });

  it('leaves every other shape, and every record the parser refuses, to the parser', () => {
    const others = [
      // Whitespace, other types and spellings, other members, other numbers, escapes.
      `{ "value":{"type":"BINARY","data":"${b64('a')}"}}`,
      `{"value": {"type":"BINARY","data":"${b64('a')}"}}`,
      `{"value":{"type":"binary","data":"${b64('a')}"}}`,
      `{"value":{"type":"STRING","data":"a"}}`,
      `{"value":{"type":"JSON","data":1}}`,
      `{"value":{"data":"${b64('a')}","type":"BINARY"}}`,
      `{"value":{"type":"BINARY","data":"${b64('a')}","schema_id":1}}`,
      `{"value":{"type":"BINARY","data":null}}`,
      `{"value":null}`,
      `{"value":{"type":"BINARY","data":"S2Fm\\/2E="}}`,
      `{"value":{"type":"BINARY","data":"${b64('a')}"},"headers":[]}`,
      `{"value":{"type":"BINARY","data":"${b64('a')}"},"timestamp":"2024-01-02T03:04:05Z"}`,
      `{"partition_id":01}`,
      `{"partition_id":-1}`,
      `{"partition_id":1.0}`,
      `{"partition_id":1e2}`,
      `{"partition_id":"1"}`,
      `{"partition_id":1234567890}`,
      `{"partition_id":9999999999999}`,
      `{"partition_id":0,"partition_id":1}`,
      `{"value":{"type":"BINARY","data":"${b64('a')}"},"value":{"type":"BINARY","data":"${b64('b')}"}}`,
      `{"key":{"type":"BINARY","data":"${b64('a')}"},"key":{"type":"BINARY","data":"${b64('b')}"}}`,
      `{"partition_idx":0}`,
      `{}`,
      `{"value":{"type":"BINARY","data":"${b64('a')}"},}`,
      `{"value":{"type":"BINARY","data":"${b64('a')}"}]`,
      // Base64 that Node's decoder would take and Confluent's refuses.
      `{"value":{"type":"BINARY","data":"S2Fma2E=="}}`,
      `{"value":{"type":"BINARY","data":"S2=mYQ=="}}`,
      `{"value":{"type":"BINARY","data":"S2Fm-2E"}}`,
      `{"value":{"type":"BINARY","data":"S2Fm_2E"}}`,
      `{"value":{"type":"BINARY","data":"S2Fma"}}`,
      `{"value":{"type":"BINARY","data":"S2Fm YQ=="}}`,
      `{"value":{"type":"BINARY","data":"S2Fma2E=x"}}`,
      `{"value":{"type":"BINARY","data":"S2Fmé2E="}}`,
    ];
    for (const text of others) expect(fast(text), text).toBeUndefined();
    // What the parser then answers for some of them: the same reports as before the fast path.
    expect(general(`{"partition_id":-1}`)).toMatchObject({ status: 404 });
    expect(general(`{"value":{"type":"BINARY","data":"S2Fma2E=="}}`)).toEqual({
      status: 400,
      message: 'Bad Request: data="S2Fma2E==" is not a valid base64 string.',
    });
  });

  it('decodes base64 of every length and padding as the general parser does, or leaves it to the parser', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    let read = 0;
    for (let length = 0; length <= 13; length++) {
      for (let padding = 0; padding <= 3; padding++) {
        // Characters that leave spare bits set in a last partial quantum too (`Kafkb` ≠ canonical `Kafka`).
        const data =
          Array.from({ length }, (_, k) => alphabet[(k * 37 + length * 11) % 64]).join('') +
          '='.repeat(padding);
        const text = `{"value":{"type":"BINARY","data":"${data}"}}`;
        const expected = general(text);
        const got = fast(text);
        if ('status' in expected) {
          expect(got, data).toBeUndefined();
          continue;
        }
        if (padding === 3) continue;
        expect(got, data).toBeDefined();
        expect(comparable(got!.record), data).toEqual(comparable(expected));
        read++;
      }
    }
    // 0 to 13 characters: 10 lengths valid unpadded (not 1, 5, 9, 13), 6 padded (2+2, 3+1, 6+2, 7+1, …).
    expect(read).toBe(10 + 6);
  });

  it('leaves an object that does not end before the limit to the splitter', () => {
    const text = common[0]!;
    for (const limit of [1, 10, 40, text.length - 2, text.length - 1]) {
      expect(fast(text, limit), `limit ${limit}`).toBeUndefined();
    }
    expect(fast(text, text.length)?.end).toBe(text.length);
  });

  it('reads within a stream of objects, the others split for the parser, in order and across chunks', () => {
    const records = [
      common[0]!,
      `{"value":{"type":"JSON","data":{"a":[1,2]}}}`,
      common[2]!,
      `{"value": {"type":"BINARY","data":"${b64('spaced')}"}}`,
      common[1]!,
    ];
    const text = records.join('\n');
    for (const cut of [0, 5, records[0]!.length + 3, text.length - 10]) {
      const stream = new JsonObjectStream(10_000, readBinaryRecord);
      const got = [
        ...stream.push(Buffer.from(text.slice(0, cut))),
        ...stream.push(Buffer.from(text.slice(cut))),
      ];
      stream.end();
      expect(got, `cut at ${cut}`).toHaveLength(records.length);
      got.forEach((object, index) => {
        const expected = general(records[index]!) as PreparedRecord;
        const record = Buffer.isBuffer(object) ? prepareRecord(object) : object;
        expect(comparable(record), `cut at ${cut}, record ${index}`).toEqual(comparable(expected));
      });
      // Binary records are read, not split, whether within a chunk or across two (the first, cut at 5).
      if (cut === 0 || cut === 5)
        expect(got.map((object) => Buffer.isBuffer(object))).toEqual([false, true, false, true, false]);
    }
  });

  it('keeps every value of a chunk intact, whatever the lengths of the values decoded after it', () => {
    // Lengths 0 to 40 (every remainder of base64's quanta), keys and values alternating, in one chunk: their
    // bytes share one buffer, so a value whose room were miscounted would be overwritten by the next one.
    const values = Array.from({ length: 41 }, (_, n) =>
      Buffer.from(Array.from({ length: n }, (_, k) => (n * 31 + k * 7) & 0xff)),
    );
    const text = values
      .map((value, n) =>
        n % 2 === 0
          ? `{"value":{"type":"BINARY","data":"${value.toString('base64')}"}}`
          : `{"key":{"type":"BINARY","data":"${value.toString('base64')}"},"value":{"type":"BINARY","data":"${values[n - 1]!.toString('base64')}"}}`,
      )
      .join('');
    const got = new JsonObjectStream(10_000, readBinaryRecord).push(Buffer.from(text)) as PreparedRecord[];
    expect(got.every((object) => !Buffer.isBuffer(object))).toBe(true);
    got.forEach((record, n) => {
      if (n % 2 === 0) {
        expect(record.value!.toString('hex'), `value ${n}`).toBe(values[n]!.toString('hex'));
      } else {
        expect(record.key!.toString('hex'), `key ${n}`).toBe(values[n]!.toString('hex'));
        expect(record.value!.toString('hex'), `value ${n}`).toBe(values[n - 1]!.toString('hex'));
      }
    });
  });

  it('reads the same bytes again as often as asked, each time whole', () => {
    // A stream hands each chunk over once; a caller that reads one buffer many times still gets every value.
    for (const data of ['QQ==', 'QUFB', b64('x'.repeat(100))]) {
      const bytes = Buffer.from(`{"value":{"type":"BINARY","data":"${data}"}}`);
      const expected = Buffer.from(data, 'base64').toString('hex');
      for (let n = 0; n < 100; n++) {
        const out: Array<Buffer | PreparedRecord> = [];
        expect(readBinaryRecord(bytes, 0, bytes.length, out)).toBe(bytes.length);
        expect((out[0] as PreparedRecord).value!.toString('hex'), `${data}, read ${n + 1}`).toBe(expected);
      }
    }
  });

  it('never reads an object larger than the splitter allows', () => {
    const text = common[0]!;
    const stream = new JsonObjectStream(text.length - 1, readBinaryRecord);
    expect(() => stream.push(Buffer.from(text))).toThrow(/larger than allowed/);
    const exact = new JsonObjectStream(text.length, readBinaryRecord);
    expect(exact.push(Buffer.from(text)).map((object) => Buffer.isBuffer(object))).toEqual([false]);
  });
});
