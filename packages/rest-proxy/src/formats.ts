import { numberText } from '@sluice/rest';
import { Errors } from './errors.js';

/**
 * Base64 as Guava's decoder takes it (padding optional), decoded; undefined when it is not. Node's decoder
 * skips characters outside the alphabet instead of failing, so a string that decodes to fewer bytes than its
 * length says held such characters (or misplaced padding); it also takes the URL-safe alphabet's `-` and
 * `_`, which the standard one refuses.
 */
function base64(data: string): Buffer | undefined {
  if (data.includes('-') || data.includes('_')) return undefined;
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  const length = data.length - padding;
  // Padded: a whole number of quanta. Unpadded: anything but one character over.
  if (padding > 0 ? data.length % 4 !== 0 : length % 4 === 1) return undefined;
  const decoded = Buffer.from(data, 'base64');
  return decoded.length === Math.floor((length * 3) / 4) ? decoded : undefined;
}

/**
 * Binary data as Confluent's REST Proxy takes it: a base64 string; `null` or absent is no data. Anything else
 * is 400 with Confluent's message.
 */
export function decodeBinary(data: unknown): Buffer | null {
  if (data === null || data === undefined) return null;
  if (typeof data !== 'string') throw Errors.badRequest(`data=${jsonText(data)} is not a base64 string.`);
  const decoded = base64(data);
  if (decoded === undefined) throw Errors.badRequest(`data=${jsonText(data)} is not a valid base64 string.`);
  return decoded;
}

/**
 * JSON data, `container[key]` of a parsed body, as its UTF-8 JSON text (numbers as the client wrote them);
 * `null` or absent is no data.
 */
export function encodeJson(container: object, key: string): Buffer | null {
  const data = (container as Record<string, unknown>)[key];
  if (data === null || data === undefined) return null;
  return Buffer.from(member(container, key, data), 'utf8');
}

/** v3's STRING data: a JSON string, written as its UTF-8 bytes. */
export function encodeString(data: unknown): Buffer | null {
  if (data === null || data === undefined) return null;
  if (typeof data !== 'string') throw Errors.badRequest(`data=${jsonText(data)} is not a string.`);
  return Buffer.from(data, 'utf8');
}

/**
 * JSON text of a value parsed from a request body, keeping each number's text as the client sent it (`1.0`
 * stays `1.0`, a 20-digit integer keeps its digits), as Jackson keeps them in Confluent's proxy.
 */
export function jsonText(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    return `[${value.map((item, index) => member(value, index, item)).join(',')}]`;
  }
  const parts: string[] = [];
  for (const [key, item] of Object.entries(value))
    parts.push(`${JSON.stringify(key)}:${member(value, key, item)}`);
  return `{${parts.join(',')}}`;
}

function member(container: object, key: string | number, item: unknown): string {
  if (typeof item === 'number') return numberText(container, key) ?? JSON.stringify(item);
  return jsonText(item);
}

/**
 * Checks that record bytes are one JSON value and answers their text for a JSON consumer's answer, or throws
 * Confluent's 408 (Kafka's SerializationException) naming the record.
 */
export function recordJson(bytes: Buffer, where: string): string {
  const text = bytes.toString('utf8');
  try {
    JSON.parse(text);
  } catch (error) {
    throw Errors.deserialization(
      `The record at ${where} is not JSON (${(error as Error).message}); read it with a binary consumer instance`,
    );
  }
  return text.trim();
}
