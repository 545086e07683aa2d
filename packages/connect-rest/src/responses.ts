import type { Context } from 'hono';
import { encodePathSegment } from '@sluice/rest';

/**
 * The absolute URL of a created connector, as Jersey makes Connect's relative `Location` absolute: the
 * request's scheme and authority, then `/connectors/<name>` with the name encoded as a path segment.
 */
export function connectorLocation(c: Context, name: string): string {
  return new URL(`/connectors/${encodePathSegment(name)}`, c.req.url).href;
}
