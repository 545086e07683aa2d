import { numberText } from '@sluice/rest';
import { Errors } from './errors.js';

/** The standard base64 alphabet (RFC 4648 §4), with up to two padding characters at the end. */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64, padding optional as Guava's decoder allows it: the alphabet, and lengths that decode. */
function isBase64(data: string): boolean {
  if (!BASE64.test(data)) return false;
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  // Padded: a whole number of quanta. Unpadded: anything but one character over.
  return padding > 0 ? data.length % 4 === 0 : data.length % 4 !== 1;
}

/**
 * Binary data as Confluent's REST Proxy takes it: a base64 string; `null` or absent is no data. Anything else
 * is 400 with Confluent's message.
 */
export function decodeBinary(data: unknown): Buffer | null {
  if (data === null || data === undefined) return null;
  if (typeof data !== 'string') throw Errors.badRequest(`data=${jsonText(data)} is not a base64 string.`);
  if (!isBase64(data)) throw Errors.badRequest(`data=${jsonText(data)} is not a valid base64 string.`);
  return Buffer.from(data, 'base64');
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
