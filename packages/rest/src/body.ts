import type { Context } from 'hono';
import { HttpError } from './http-error.js';
import { invalidUtf8At, JsonTextError, parseJsonText } from './json.js';
import { unsupportedMediaType } from './routing.js';

/** Largest request body the REST API reads (1 MiB): connector configs are far smaller. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Bodies already read, by request: a request forwarded to another worker is sent with the bytes as received. */
const readBodies = new WeakMap<Request, Uint8Array>();

/** The bytes of a body `readBodyBytes` (or `readJson`) read from this request, if any. */
export function bodyBytesOf(c: Context): Uint8Array | undefined {
  return readBodies.get(c.req.raw);
}

/**
 * The request body's bytes, counted as they arrive: a body past `limit` is refused with 413 as soon as
 * it goes over, whether it declared its length or came chunked, so a large upload is never held whole.
 */
export async function readBodyBytes(c: Context, limit = MAX_BODY_BYTES): Promise<Uint8Array> {
  const read = readBodies.get(c.req.raw);
  if (read !== undefined) return read;
  const declared = Number(c.req.header('content-length'));
  if (declared > limit) throw tooLarge(limit);
  const stream = c.req.raw.body;
  if (stream === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = (stream as ReadableStream<Uint8Array>).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(limit);
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  readBodies.set(c.req.raw, bytes);
  return bytes;
}

/**
 * Reads a JSON request body: 413 past the limit, 400 when it is not JSON or could not be kept as sent
 * (bytes that are not UTF-8, nesting past `MAX_JSON_DEPTH`, a `__proto__` key, half a surrogate pair), 415
 * when it comes without a Content-Type (JAX-RS takes that as `application/octet-stream`, which no JSON
 * reader reads). Other Content-Types were refused before the handler ran (`selectResourceMethod`).
 */
export async function readJson(c: Context): Promise<unknown> {
  const bytes = await readBodyBytes(c);
  if (bytes.byteLength > 0 && c.req.header('content-type') === undefined) throw unsupportedMediaType();
  return parseJsonBody(bytes);
}

/** A body's bytes as JSON, with `readJson`'s 400s. */
export function parseJsonBody(bytes: Uint8Array): unknown {
  const invalid = invalidUtf8At(bytes);
  if (invalid !== -1) {
    throw new HttpError(
      400,
      `Request body is not valid UTF-8 at byte ${invalid}; send JSON text encoded as UTF-8`,
    );
  }
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === '') throw new HttpError(400, 'Request body is empty; a JSON body is required');
  try {
    return parseJsonText(text);
  } catch (error) {
    if (!(error instanceof JsonTextError)) throw error;
    throw new HttpError(
      400,
      error.syntax
        ? `Request body is not valid JSON: ${error.message}`
        : `Request body cannot be accepted: ${error.message}`,
    );
  }
}

/** Reads a JSON object body (`{…}`), the shape every write endpoint takes. */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  const body = await readJson(c);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'Request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, `Request body is larger than the limit of ${limit} bytes`);
}
