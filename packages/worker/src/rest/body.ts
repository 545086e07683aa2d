import type { Context } from 'hono';
import { RestError } from './rest-error.js';
import { unsupportedMediaType } from './routing.js';

/** Largest request body the REST API reads (1 MiB): connector configs are far smaller. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads a JSON request body: 413 past the limit, 400 when it is not JSON, 415 when it comes without a
 * Content-Type (JAX-RS takes that as `application/octet-stream`, which no JSON reader reads). Other
 * Content-Types were refused before the handler ran (`selectResourceMethod`).
 */
export async function readJson(c: Context): Promise<unknown> {
  const declared = Number(c.req.header('content-length'));
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const bytes = await c.req.arrayBuffer();
  if (bytes.byteLength > MAX_BODY_BYTES) throw tooLarge();
  if (bytes.byteLength > 0 && c.req.header('content-type') === undefined) throw unsupportedMediaType();
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === '') throw new RestError(400, 'Request body is empty; a JSON body is required');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RestError(400, `Request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** Reads a JSON object body (`{…}`), the shape every write endpoint takes. */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  const body = await readJson(c);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RestError(400, 'Request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

function tooLarge(): RestError {
  return new RestError(413, `Request body is larger than the limit of ${MAX_BODY_BYTES} bytes`);
}
