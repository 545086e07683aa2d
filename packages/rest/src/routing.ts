import type { Hono, MiddlewareHandler } from 'hono';
import { HttpError } from './http-error.js';

/** Jersey's messages for requests no resource method takes. */
export const NOT_FOUND = 'HTTP 404 Not Found';
const METHOD_NOT_ALLOWED = 'HTTP 405 Method Not Allowed';
const UNSUPPORTED_MEDIA_TYPE = 'HTTP 415 Unsupported Media Type';

/** Hono's method name for middleware (`app.use`), which is no resource method. */
const MIDDLEWARE = 'ALL';

interface ResourcePath {
  pattern: RegExp;
  methods: Set<string>;
}

/**
 * Selects the resource method before any handler runs, as Jersey does for Connect: a path that does not
 * decode (a %-escape that is not UTF-8) is 400, a path no route has
 * is 404, a known path without the request's method 405, and a request whose Content-Type the resource
 * does not consume (every resource but `/` and `/health` consumes only JSON) 415. A trailing slash is
 * ignored, as JAX-RS templates match with or without one. Routes are read from `app` on first use, so
 * this can be registered before them.
 */
export function selectResourceMethod(app: Hono): MiddlewareHandler {
  let paths: ResourcePath[] | undefined;
  return async (c, next) => {
    paths ??= resourcePaths(app);
    // Hono leaves an escape it cannot decode as it is: `/connectors/%FF` would name a connector "%FF".
    if (!decodable(new URL(c.req.url).pathname)) {
      throw new HttpError(
        400,
        'The request path has a %-escape that is not UTF-8 (or a bare %); encode it as UTF-8',
      );
    }
    const path = withoutTrailingSlash(c.req.path);
    const matching = paths.filter((resource) => resource.pattern.test(path));
    if (matching.length === 0) throw new HttpError(404, NOT_FOUND);
    if (!matching.some((resource) => resource.methods.has(c.req.method))) {
      throw new HttpError(405, METHOD_NOT_ALLOWED);
    }
    const contentType = c.req.header('content-type');
    if (consumesJson(path) && contentType !== undefined && !isJsonCompatible(contentType)) {
      throw new HttpError(415, UNSUPPORTED_MEDIA_TYPE);
    }
    await next();
  };
}

/** Connect's `RootResource` (`/`, `/health`) declares no `@Consumes`; every other resource takes JSON. */
function consumesJson(path: string): boolean {
  return path !== '/' && path !== '/health';
}

/** The 415 for a body sent without a Content-Type, which JAX-RS reads as `application/octet-stream`. */
export function unsupportedMediaType(): HttpError {
  return new HttpError(415, UNSUPPORTED_MEDIA_TYPE);
}

/** JAX-RS `MediaType.isCompatible` with `application/json`: parameters (charset) are ignored. */
export function isJsonCompatible(contentType: string): boolean {
  const [type = '', subtype = ''] = (contentType.split(';')[0] ?? '').trim().toLowerCase().split('/');
  return type === '*' || (type === 'application' && (subtype === 'json' || subtype === '*'));
}

function resourcePaths(app: Hono): ResourcePath[] {
  const byPath = new Map<string, ResourcePath>();
  for (const route of app.routes) {
    if (route.method === MIDDLEWARE) continue;
    const path = withoutTrailingSlash(route.path);
    let resource = byPath.get(path);
    if (resource === undefined) {
      resource = { pattern: pathPattern(path), methods: new Set() };
      byPath.set(path, resource);
    }
    resource.methods.add(route.method);
    // Hono, like Jersey, answers HEAD with the GET handler.
    if (route.method === 'GET') resource.methods.add('HEAD');
  }
  return [...byPath.values()];
}

/** A Hono route path (`/connectors/:name/status`) as a regular expression over one request path. */
function pathPattern(path: string): RegExp {
  const segments = path
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${segments.join('/')}$`);
}

function decodable(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

function withoutTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}
