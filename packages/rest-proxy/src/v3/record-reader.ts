import { isUtf8 } from 'node:buffer';
import type { Header, ProduceRecord } from '@sluice/log';
import { parseJsonBody } from '@sluice/rest';
import { Errors, NO_SCHEMA_REGISTRY } from '../errors.js';
import { decodeBinary, encodeJson, encodeString } from '../formats.js';
import { asObject, field } from '../http.js';
import { CLOSE_OBJECT, QUOTE } from '../json-stream.js';

/**
 * A record of a v3 produce request, checked: what goes to the log, and what its delivery report says of its
 * key and value (their sizes are those of `key` and `value`).
 */
export interface PreparedRecord extends ProduceRecord {
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  /** The key's data type as the request named it (`BINARY`, `JSON`, `STRING`); undefined without a key. */
  keyType: string | undefined;
  /** The value's data type, as `keyType`. */
  valueType: string | undefined;
}

const DATA_TYPES = new Set(['BINARY', 'JSON', 'STRING']);
const SCHEMA_TYPES = new Set(['AVRO', 'JSONSCHEMA', 'PROTOBUF']);
const SCHEMA_FIELDS = ['schema_id', 'schema_version', 'subject', 'subject_name_strategy', 'schema'];

/** A key or value of a v3 produce request: its bytes and its type for the report. */
function data(
  entry: Record<string, unknown>,
  name: 'key' | 'value',
): { bytes: Buffer | null; type: string | undefined } {
  const raw = entry[name];
  if (raw === undefined || raw === null) return { bytes: null, type: undefined };
  const spec = asObject(raw, name);
  const type = field.string(spec, 'type')?.toUpperCase();
  if (type === undefined || SCHEMA_TYPES.has(type) || SCHEMA_FIELDS.some((f) => spec[f] !== undefined)) {
    // Without a type, Confluent's proxy looks the subject's latest schema up: a schema registry is needed too.
    throw Errors.invalidPayload(
      `Schema Registry must be configured when using schemas. ${NO_SCHEMA_REGISTRY}`,
    );
  }
  if (!DATA_TYPES.has(type))
    throw Errors.badRequest(`${name}.type ${type} is not one of BINARY, JSON, STRING`);
  const bytes =
    type === 'BINARY'
      ? decodeBinary(spec['data'])
      : type === 'JSON'
        ? encodeJson(spec, 'data')
        : encodeString(spec['data']);
  return { bytes, type };
}

function headers(entry: Record<string, unknown>): Header[] | undefined {
  const list = field.array(entry, 'headers');
  if (list === undefined) return undefined;
  return list.map((item) => {
    const header = asObject(item, 'a header');
    const name = field.string(header, 'name');
    if (name === undefined) throw Errors.unprocessable('headers[].name may not be null');
    return { key: name, value: decodeBinary(header['value']) };
  });
}

/**
 * `"json"` in any case, or a `\u` escape that may spell it: a record that may carry JSON data, whose numbers
 * must keep their text. Others (binary and string data) go through the native parser, several times faster.
 */
const JSON_TYPE = /"json"|\\u/i;

/**
 * One record of a v3 produce request (a JSON object's bytes), checked, or the `HttpError` that is its report
 * instead: the general parser, for any record (what `readBinaryRecord` leaves to it).
 */
export function prepareRecord(bytes: Buffer): PreparedRecord {
  let parsed: unknown;
  const text = isUtf8(bytes) ? bytes.toString('utf8') : undefined;
  if (text === undefined || JSON_TYPE.test(text)) {
    parsed = parseJsonBody(bytes);
  } else {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = parseJsonBody(bytes); // for the same 400 and message
    }
  }
  const entry = asObject(parsed, 'a produce request');
  const partition = field.integer(entry, 'partition_id');
  if (partition !== undefined && partition < 0) throw Errors.partitionNotFound();
  let timestamp = Date.now();
  if (entry['timestamp'] !== undefined && entry['timestamp'] !== null) {
    const text = entry['timestamp'];
    const parsed = typeof text === 'string' ? Date.parse(text) : typeof text === 'number' ? text * 1000 : NaN;
    if (!Number.isFinite(parsed))
      throw Errors.badRequest(`timestamp=${JSON.stringify(text)} is not an ISO-8601 instant.`);
    timestamp = Math.round(parsed);
  }
  const key = data(entry, 'key');
  const value = data(entry, 'value');
  const list = headers(entry);
  return {
    key: key.bytes,
    value: value.bytes,
    timestamp,
    headers: list !== undefined && list.length > 0 ? list : undefined,
    partition,
    keyType: key.type,
    valueType: value.type,
  };
}

const COMMA = 0x2c;
const EQUALS = 0x3d;
const ZERO = 0x30;
const NINE = 0x39;

/** A member name or other fixed text of the common record shape, as 32-bit words to compare at once. */
class Literal {
  readonly length: number;
  readonly words: Uint32Array;
  readonly bytes: Buffer;

  constructor(text: string) {
    this.bytes = Buffer.from(text, 'latin1');
    this.length = this.bytes.length;
    this.words = Uint32Array.from({ length: this.length >> 2 }, (_, n) => this.bytes.readUInt32LE(n * 4));
  }
}

const PARTITION = new Literal('"partition_id":');
const KEY = new Literal('"key":');
const VALUE = new Literal('"value":');
const BINARY_DATA = new Literal('{"type":"BINARY","data":"');

/**
 * Per byte, its 6 bits of base64's standard alphabet (padding apart) shifted to where they go in a quantum's
 * 24 bits, one table per position in the quantum; `OUTSIDE` for a byte not in the alphabet.
 */
const OUTSIDE = 1 << 24;
const SEXTETS = [0, 1, 2, 3].map(() => new Int32Array(256).fill(OUTSIDE));
for (const [index, char] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries())
  for (let position = 0; position < 4; position++)
    SEXTETS[position]![char.charCodeAt(0)] = index << (18 - 6 * position);
const [FIRST, SECOND, THIRD, FOURTH] = SEXTETS as [Int32Array, Int32Array, Int32Array, Int32Array];

/**
 * Reads one chunk's fixed texts and base64 values four bytes at a time. Its values are decoded into one
 * buffer for all of them (a chunk's base64 decodes to at most three quarters of its size), each value a view
 * of it, instead of a buffer each; each quantum's three bytes are written at once.
 */
class ChunkReader {
  readonly chunk: Buffer;
  readonly #input: DataView;
  #slab: { bytes: Buffer; view: DataView } | undefined;
  #at = 0;

  constructor(chunk: Buffer) {
    this.chunk = chunk;
    this.#input = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }

  /** Whether `literal` is at `at`, before `limit`. */
  startsWith(at: number, limit: number, literal: Literal): boolean {
    if (at + literal.length > limit) return false;
    const { words, bytes } = literal;
    let k = 0;
    for (; k < words.length; k++) if (this.#input.getUint32(at + 4 * k, true) !== words[k]) return false;
    for (k *= 4; k < bytes.length; k++) if (this.chunk[at + k] !== bytes[k]) return false;
    return true;
  }

  /**
   * Decodes `count` characters of base64 from `chunk[from]` on, without the string a native decode needs;
   * undefined if one of them is not in the standard alphabet.
   */
  decode(from: number, count: number): Buffer | undefined {
    // The slab takes every value of the chunk, each range of it decoded once (a chunk's base64 decodes to at
    // most three quarters of it); one whose room ran out (the same bytes read again) is replaced, the values
    // already returned keeping the old one. One byte more than the value: a quantum's write spills one past.
    const room = Math.floor((count * 3) / 4) + 1;
    if (this.#slab === undefined || this.#at + room > this.#slab.bytes.length) {
      const bytes = Buffer.allocUnsafeSlow(Math.max(room, Math.ceil((this.chunk.length * 3) / 4) + 1));
      this.#slab = { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
      this.#at = 0;
    }
    const { bytes: slab, view: output } = this.#slab;
    const input = this.#input;
    const start = this.#at;
    let o = start;
    let i = from;
    // OUTSIDE for a byte outside the alphabet: or-ed together, they tell whether one was.
    let seen = 0;
    for (const whole = from + count - (count % 4); i < whole; i += 4) {
      const four = input.getUint32(i, true);
      const bits =
        FIRST[four & 0xff]! |
        SECOND[(four >>> 8) & 0xff]! |
        THIRD[(four >>> 16) & 0xff]! |
        FOURTH[four >>> 24]!;
      seen |= bits;
      output.setUint32(o, bits << 8);
      o += 3;
    }
    // A last quantum of 2 or 3 characters carries 1 or 2 bytes (its spare bits ignored, as Node's decoder does).
    const rest = count % 4;
    if (rest >= 2) {
      const bytes = this.chunk;
      const bits = FIRST[bytes[i]!]! | SECOND[bytes[i + 1]!]! | (rest === 3 ? THIRD[bytes[i + 2]!]! : 0);
      seen |= bits;
      slab[o++] = (bits >> 16) & 0xff;
      if (rest === 3) slab[o++] = (bits >> 8) & 0xff;
    }
    if ((seen & OUTSIDE) !== 0) return undefined;
    this.#at = o;
    return slab.subarray(start, o);
  }
}

/** The reader of the chunk read last: a stream's records are read chunk after chunk. */
let lastChunkReader: ChunkReader | undefined;

/**
 * Reads a v3 produce record of the shape binary producers send, `{"partition_id":0,"value":{"type":"BINARY",
 * "data":"…"}}` (members `partition_id`, `key` and `value` in any order, each at most once, without
 * whitespace), straight from the request's bytes: no split, UTF-8 check or JSON parse first. Anything else,
 * and anything that would be refused (bad base64, a partition that is not a plain int32), is left to the
 * general parser (-1), so that every record is checked and answered exactly as that parser does. An
 * `ObjectReader` of `JsonObjectStream`, given the records' `timestamp` (reading the clock costs as much as a
 * tenth of the rest, so a stream reads it once per chunk).
 */
export function readBinaryRecord(
  bytes: Buffer,
  start: number,
  limit: number,
  out: Array<Buffer | PreparedRecord>,
  timestamp = Date.now(),
): number {
  const source =
    lastChunkReader?.chunk === bytes ? lastChunkReader : (lastChunkReader = new ChunkReader(bytes));
  let i = start + 1;
  let partition: number | undefined;
  let key: Buffer | null = null;
  let value: Buffer | null = null;
  let hasPartition = false;
  let hasKey = false;
  let hasValue = false;
  for (;;) {
    if (source.startsWith(i, limit, PARTITION)) {
      if (hasPartition) return -1;
      hasPartition = true;
      i += PARTITION.length;
      // 0, or up to 9 digits without a leading zero: an int32 that JSON and the general parser read alike.
      const first = i;
      let n = 0;
      while (i < limit && i - first < 10) {
        const byte = bytes[i]!;
        if (byte < ZERO || byte > NINE) break;
        n = n * 10 + (byte - ZERO);
        i++;
      }
      const digits = i - first;
      if (digits === 0 || digits > 9 || (digits > 1 && bytes[first] === ZERO)) return -1;
      partition = n;
    } else {
      const isKey = source.startsWith(i, limit, KEY);
      if (!isKey && !source.startsWith(i, limit, VALUE)) return -1;
      if (isKey ? hasKey : hasValue) return -1;
      i += isKey ? KEY.length : VALUE.length;
      if (!source.startsWith(i, limit, BINARY_DATA)) return -1;
      i += BINARY_DATA.length;
      const from = i;
      // The data ends at the next quote (natively found) and so does its object; a backslash (an escape,
      // perhaps of that quote) is outside base64's alphabet, so the decoding refuses it.
      const quote = bytes.indexOf(QUOTE, from);
      if (quote < 0 || quote + 1 >= limit || bytes[quote + 1] !== CLOSE_OBJECT) return -1;
      let end = quote;
      let padding = 0;
      while (padding < 2 && end > from && bytes[end - 1] === EQUALS) {
        padding++;
        end--;
      }
      const count = end - from;
      // Base64 as the general parser takes it (Guava's decoder): padded, a whole number of quanta;
      // unpadded, anything but one character over.
      if (padding > 0 ? (count + padding) % 4 !== 0 : count % 4 === 1) return -1;
      const decoded = source.decode(from, count);
      if (decoded === undefined) return -1;
      i = quote + 2;
      if (isKey) {
        hasKey = true;
        key = decoded;
      } else {
        hasValue = true;
        value = decoded;
      }
    }
    if (i >= limit) return -1;
    const next = bytes[i++];
    if (next === CLOSE_OBJECT) break;
    if (next !== COMMA) return -1;
  }
  // Fields in the order the general parser sets them, for one object shape.
  out.push({
    key,
    value,
    timestamp,
    headers: undefined,
    partition,
    keyType: hasKey ? 'BINARY' : undefined,
    valueType: hasValue ? 'BINARY' : undefined,
  });
  return i;
}
