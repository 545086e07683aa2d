import { isUtf8 } from 'node:buffer';
import type { Context } from 'hono';
import { HttpError, parseJsonBody, readBodyBytes } from '@sluice/rest';
import { Errors } from './errors.js';
import { JSON_TYPE, negotiate, notAcceptable, V2_JSON, V2_OFFERS, V3_OFFERS, type Offer } from './media.js';

/** Answers `body` as JSON, in the type the request's Accept header chooses among `offers`; 406 if none. */
export function answer(
  c: Context,
  body: unknown,
  options: { status?: number; offers?: readonly Offer[]; type?: string } = {},
): Response {
  const type = options.type ?? negotiate(c.req.header('accept'), options.offers ?? offersFor(c.req.path));
  if (type === undefined) throw notAcceptable();
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status: options.status ?? 200,
    headers: { 'content-type': type },
  });
}

/** An answer without a body (204), after checking that the client accepts what the resource produces. */
export function noContent(c: Context): Response {
  if (negotiate(c.req.header('accept'), offersFor(c.req.path)) === undefined) throw notAcceptable();
  return new Response(null, { status: 204 });
}

/** What a path's resources answer with: v3 plain JSON; v2 its own type, JSON, and the embedded types. */
export function offersFor(path: string): readonly Offer[] {
  return isV3(path) ? V3_OFFERS : V2_OFFERS;
}

export function isV3(path: string): boolean {
  return path === '/v3' || path.startsWith('/v3/');
}

/** The type of an error answer: v2's own when the client takes it, otherwise plain JSON. */
export function errorType(c: Context): string {
  if (isV3(c.req.path)) return JSON_TYPE;
  return negotiate(c.req.header('accept'), [{ type: V2_JSON, qs: 1 }]) ?? JSON_TYPE;
}

/**
 * A JSON request body within `limit` bytes (413 past it), or undefined when there is none. Bodies that are
 * not JSON are 400, as Jackson's parse errors are in Confluent's proxy.
 */
export async function optionalJson(
  c: Context,
  limit?: number,
  numbers: 'exact' | 'doubles' = 'exact',
): Promise<unknown> {
  const bytes = await readBodyBytes(c, limit);
  if (bytes.byteLength === 0 || new TextDecoder().decode(bytes).trim() === '') return undefined;
  return numbers === 'exact' ? parseJsonBody(bytes) : parseJsonDoubles(bytes);
}

/**
 * JSON whose numbers are only read as doubles (partitions, timestamps; base64 or string data): the native
 * parser, several times faster than the one that keeps each number's text. What it refuses goes through
 * `parseJsonBody`, for the same 400 and message; invalid UTF-8 too (the native decoder would replace it).
 */
export function parseJsonDoubles(bytes: Uint8Array): unknown {
  if (!isUtf8(bytes)) return parseJsonBody(bytes);
  try {
    return JSON.parse(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
    ) as unknown;
  } catch {
    return parseJsonBody(bytes);
  }
}

/** A JSON object body; absent or `null` is 422 (JAX-RS `@NotNull`), another JSON type 400. */
export async function requiredObject(
  c: Context,
  what = 'request',
  limit?: number,
  numbers: 'exact' | 'doubles' = 'exact',
): Promise<Record<string, unknown>> {
  const body = await optionalJson(c, limit, numbers);
  if (body === undefined || body === null) throw Errors.unprocessable(`${what} may not be null`);
  return asObject(body, what);
}

/** An optional JSON object body: undefined when absent or `null`. */
export async function optionalObject(
  c: Context,
  what = 'request',
): Promise<Record<string, unknown> | undefined> {
  const body = await optionalJson(c);
  if (body === undefined || body === null) return undefined;
  return asObject(body, what);
}

export function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, `Cannot deserialize ${what}: expected a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Field readers with Jackson's kind of answer: a value of the wrong JSON type is 400. */
export const field = {
  string(object: Record<string, unknown>, name: string): string | undefined {
    const value = object[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw typeError(name, 'a string', value);
    return value;
  },
  /** Jackson reads a string field from a number or boolean too (`"auto.commit.enable": true`). */
  text(object: Record<string, unknown>, name: string): string | undefined {
    const value = object[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw typeError(name, 'a string', value);
  },
  integer(
    object: Record<string, unknown>,
    name: string,
    min = -(2 ** 31),
    max = 2 ** 31 - 1,
  ): number | undefined {
    const value = object[name];
    if (value === undefined || value === null) return undefined;
    const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      throw typeError(name, 'an integer', value);
    }
    return n;
  },
  array(object: Record<string, unknown>, name: string): unknown[] | undefined {
    const value = object[name];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) throw typeError(name, 'an array', value);
    return value as unknown[];
  },
};

function typeError(name: string, expected: string, value: unknown): HttpError {
  return new HttpError(
    400,
    `Cannot deserialize value of field "${name}": expected ${expected}, got ${JSON.stringify(value)}`,
  );
}

/** `[{"topic", "partition"}]` of a request (assignments, seeks to the beginning or end, committed offsets). */
export function topicPartitions(
  list: unknown[] | undefined,
  what: string,
): Array<{ topic: string; partition: number }> {
  if (list === undefined) throw Errors.unprocessable(`${what} may not be null`);
  return list.map((item) => {
    const entry = asObject(item, `an entry of ${what}`);
    const topic = field.string(entry, 'topic');
    const partition = field.integer(entry, 'partition', 0);
    if (topic === undefined || topic === '') throw Errors.unprocessable(`${what}[].topic may not be empty`);
    if (partition === undefined) throw Errors.unprocessable(`${what}[].partition may not be null`);
    return { topic, partition };
  });
}

/** An integer path parameter (a partition, a broker id); anything else is 404, as JAX-RS finds no resource. */
export function intParam(value: string | undefined): number {
  if (value === undefined || !/^-?\d{1,10}$/.test(value)) throw Errors.notFound();
  const n = Number(value);
  if (n > 2 ** 31 - 1 || n < -(2 ** 31)) throw Errors.notFound();
  return n;
}

/** A query parameter read as a long (`timeout`, `max_bytes`); absent is -1; not a number is 404, as JAX-RS. */
export function longQuery(c: Context, name: string): number {
  const value = c.req.query(name);
  if (value === undefined || value === '') return -1;
  if (!/^-?\d+$/.test(value)) throw Errors.notFound();
  return Number(value);
}
