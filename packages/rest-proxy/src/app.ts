import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import {
  accessLog,
  HttpError,
  isJsonCompatible,
  NOT_FOUND,
  selectResourceMethod,
  toErrorResponse,
} from '@sluice/rest';
import type { ProxyContext } from './context.js';
import { mapLogError } from './errors.js';
import { errorType, isV3, offersFor } from './http.js';
import { embeddedFormatOf, mediaType, negotiate, notAcceptable, V2_JSON } from './media.js';
import { mountV2Consumers } from './v2/consumers.js';
import { mountV2Topics } from './v2/topics.js';
import { mountV3Admin } from './v3/admin.js';
import { mountV3Records } from './v3/records.js';

const PRODUCE_V2 = /^\/topics\/[^/]+(?:\/partitions\/[^/]+)?$/;

/**
 * Which request bodies each resource takes, as Confluent's `@Consumes`: v2 produce one of the embedded types
 * (`application/vnd.kafka.binary.v2+json`, …); other v2 resources v2's own type, an embedded type or plain
 * JSON; v3 JSON. Anything else is 415.
 */
export function consumes(method: string, path: string, contentType: string): boolean {
  if (isV3(path)) return isJsonCompatible(contentType);
  if (method === 'POST' && PRODUCE_V2.test(path)) return embeddedFormatOf(contentType) !== undefined;
  return (
    mediaType(contentType) === V2_JSON ||
    embeddedFormatOf(contentType) !== undefined ||
    isJsonCompatible(contentType)
  );
}

export interface RestProxyAppOptions {
  /** One line per request (NCSA layout, as Jetty's request log). @default none */
  accessLog?: (line: string) => void;
}

/** The REST Proxy's HTTP API (v2 and v3) over a context. Every error is `{"error_code", "message"}`. */
export function createRestProxyApp(context: ProxyContext, options: RestProxyAppOptions = {}): Hono {
  const app = new Hono({ strict: false });
  if (options.accessLog !== undefined) app.use(accessLog(options.accessLog));
  app.use(selectResourceMethod(app, { consumes }));
  // An Accept no answer type meets is 406 before anything is done (a produce must not happen, then fail).
  app.use(async (c, next) => {
    const records = c.req.method === 'GET' && c.req.path.endsWith('/records');
    if (!records && negotiate(c.req.header('accept'), offersFor(c.req.path)) === undefined)
      throw notAcceptable();
    await next();
  });
  if (context.config.apiV2Enabled) {
    mountV2Topics(app, context);
    mountV2Consumers(app, context);
  }
  if (context.config.apiV3Enabled) {
    mountV3Admin(app, context);
    mountV3Records(app, context);
  }
  app.notFound(() => {
    throw new HttpError(404, NOT_FOUND);
  });
  app.onError((error, c) => {
    const mapped =
      error instanceof HTTPException
        ? { status: error.status, body: { error_code: error.status, message: error.message } }
        : toErrorResponse(error, (e) => mapLogError(e, isV3(c.req.path)));
    return new Response(JSON.stringify(mapped.body), {
      status: mapped.status,
      headers: { 'content-type': errorType(c) },
    });
  });
  return app;
}
