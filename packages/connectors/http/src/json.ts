import { JsonConverter } from '@sluice/sdk';

/**
 * Response bodies are read with the SDK's JsonConverter (schemas disabled), so records carry exactly the
 * Connect data a Connect worker would: integers as INT64 `bigint`s (no precision lost past 2^53), other
 * numbers as doubles, objects as `Map`s in document order. Writing such a value back with JsonConverter gives
 * the same JSON.
 */
const converter = new JsonConverter();
converter.configure({ 'schemas.enable': false }, false);

/** Thrown for a body that is not JSON; the message says where parsing stopped. */
export class JsonBodyError extends Error {}

/** The Connect data of a JSON body; a blank body is null. */
export function parseJsonBody(body: Buffer): unknown {
  // A UTF-8 byte order mark is allowed before JSON text (RFC 8259 §8.1 lets parsers ignore it).
  const text =
    body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? body.subarray(3) : body;
  try {
    return converter.toConnectData('', null, text).value;
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    throw new JsonBodyError(cause instanceof Error ? cause.message : String(cause), { cause: error });
  }
}

/** Compact JSON text of Connect data (as JsonConverter writes it). */
export function jsonText(value: unknown): string {
  return converter.fromConnectData('', null, null, value)?.toString('utf8') ?? 'null';
}

/** A string as is; anything else as JSON text (`1647948097246`, `[1,"a"]`, `{"a":1}`, `true`, `null`). */
export function asText(value: unknown): string {
  return typeof value === 'string' ? value : jsonText(value);
}

/**
 * Connect data as plain JSON values, for source offsets (which are stored as JSON): `Map`s become objects;
 * `bigint`s stay, as the offset store writes them with every digit.
 */
export function toPlain(value: unknown): unknown {
  if (value instanceof Map) {
    const object: Record<string, unknown> = {};
    for (const [key, item] of value as Map<unknown, unknown>) object[String(key)] = toPlain(item);
    return object;
  }
  if (Array.isArray(value)) return value.map(toPlain);
  return value;
}
