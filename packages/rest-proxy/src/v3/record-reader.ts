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

const PARTITION = Buffer.from('"partition_id":', 'latin1');
const KEY = Buffer.from('"key":', 'latin1');
const VALUE = Buffer.from('"value":', 'latin1');
const BINARY_DATA = Buffer.from('{"type":"BINARY","data":"', 'latin1');

/** The 6 bits of each byte of base64's standard alphabet (padding apart); 64 for every other byte. */
const SEXTET = new Uint8Array(256).fill(64);
for (const [index, char] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries())
  SEXTET[char.charCodeAt(0)] = index;

/**
 * Decodes `count` characters of base64 from `bytes[from]` on, without the string a native decode needs;
 * undefined if one of them is not in the standard alphabet.
 */
function decodeSextets(bytes: Buffer, from: number, count: number): Buffer | undefined {
  const out = Buffer.allocUnsafe(Math.floor((count * 3) / 4));
  let o = 0;
  let i = from;
  // 64 for a byte outside the alphabet: or-ed together, they tell whether one was.
  let outside = 0;
  for (const whole = from + count - (count % 4); i < whole; i += 4) {
    const a = SEXTET[bytes[i]!]!;
    const b = SEXTET[bytes[i + 1]!]!;
    const c = SEXTET[bytes[i + 2]!]!;
    const d = SEXTET[bytes[i + 3]!]!;
    outside |= a | b | c | d;
    const bits = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = bits >> 16;
    out[o++] = (bits >> 8) & 0xff;
    out[o++] = bits & 0xff;
  }
  // A last quantum of 2 or 3 characters carries 1 or 2 bytes (its spare bits ignored, as Node's decoder does).
  const rest = count % 4;
  if (rest >= 2) {
    const a = SEXTET[bytes[i]!]!;
    const b = SEXTET[bytes[i + 1]!]!;
    const c = rest === 3 ? SEXTET[bytes[i + 2]!]! : 0;
    outside |= a | b | c;
    const bits = (a << 18) | (b << 12) | (c << 6);
    out[o++] = bits >> 16;
    if (rest === 3) out[o] = (bits >> 8) & 0xff;
  }
  return (outside & 64) === 0 ? out : undefined;
}

function startsWith(bytes: Buffer, at: number, limit: number, literal: Buffer): boolean {
  if (at + literal.length > limit) return false;
  for (let k = 0; k < literal.length; k++) if (bytes[at + k] !== literal[k]) return false;
  return true;
}

/**
 * Reads a v3 produce record of the shape binary producers send, `{"partition_id":0,"value":{"type":"BINARY",
 * "data":"…"}}` (members `partition_id`, `key` and `value` in any order, each at most once, without
 * whitespace), straight from the request's bytes: no split, UTF-8 check or JSON parse first. Anything else,
 * and anything that would be refused (bad base64, a partition that is not a plain int32), is left to the
 * general parser (-1), so that every record is checked and answered exactly as that parser does. An
 * `ObjectReader` of `JsonObjectStream`.
 */
export function readBinaryRecord(
  bytes: Buffer,
  start: number,
  limit: number,
  out: Array<Buffer | PreparedRecord>,
): number {
  let i = start + 1;
  let partition: number | undefined;
  let key: Buffer | null = null;
  let value: Buffer | null = null;
  let hasPartition = false;
  let hasKey = false;
  let hasValue = false;
  for (;;) {
    if (startsWith(bytes, i, limit, PARTITION)) {
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
      const isKey = startsWith(bytes, i, limit, KEY);
      if (!isKey && !startsWith(bytes, i, limit, VALUE)) return -1;
      if (isKey ? hasKey : hasValue) return -1;
      i += isKey ? KEY.length : VALUE.length;
      if (!startsWith(bytes, i, limit, BINARY_DATA)) return -1;
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
      const decoded = decodeSextets(bytes, from, count);
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
    timestamp: Date.now(),
    headers: undefined,
    partition,
    keyType: hasKey ? 'BINARY' : undefined,
    valueType: hasValue ? 'BINARY' : undefined,
  });
  return i;
}
