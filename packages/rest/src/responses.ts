import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context } from 'hono';

/**
 * A response without a body, as Connect's Jetty sends one: no Content-Type, and for 202 `Content-Length: 0`
 * (a 204 carries no length at all). The Node adapter would add `text/plain` and chunk a 202, so on a
 * real server the head is written directly; `app.request()` (no Node response) gets a plain empty one.
 */
export function emptyResponse(
  c: Context,
  status: 202 | 204,
  headers: Readonly<Record<string, string>> = {},
): Response {
  const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
  if (outgoing === undefined) return new Response(null, { status, headers });
  outgoing.writeHead(status, status === 202 ? { ...headers, 'Content-Length': '0' } : headers);
  outgoing.end();
  return RESPONSE_ALREADY_SENT;
}

/** Characters a URI path segment keeps (RFC 3986 unreserved, sub-delims, ':' and '@'), and `%XX` escapes. */
const KEPT = /%[0-9A-Fa-f]{2}|[A-Za-z0-9\-._~!$&'()*+,;=:@]/y;

/** Percent-encodes (UTF-8) what a path segment may not hold; existing `%XX` escapes stay, as in Jersey. */
export function encodePathSegment(segment: string): string {
  let out = '';
  for (let at = 0; at < segment.length;) {
    KEPT.lastIndex = at;
    const kept = KEPT.exec(segment);
    if (kept !== null) {
      out += kept[0];
      at += kept[0].length;
      continue;
    }
    const character = String.fromCodePoint(segment.codePointAt(at)!);
    for (const byte of new TextEncoder().encode(character)) {
      out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
    at += character.length;
  }
  return out;
}
