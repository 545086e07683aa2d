import type { HttpBindings } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import { HttpError } from './http-error.js';

/** A host a REST API serves: its name (or address), and its port when only that one is meant. */
interface AllowedHost {
  hostname: string;
  port: string;
}

/** Parses `host`, `host:port` or `[v6]:port` as a Host header names them; throws on anything else. */
export function parseAllowedHost(entry: string): AllowedHost {
  const url = new URL(`http://${entry.trim()}`);
  if (
    url.username !== '' ||
    url.password !== '' ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== ''
  ) {
    throw new TypeError(`'${entry}' is not a host or host:port`);
  }
  return { hostname: url.hostname, port: url.port };
}

/**
 * Refuses, with 421 Misdirected Request, a request whose Host header (or absolute request target) names a
 * host not in `hosts` (nor `also()`, the worker's own advertised host), before anything else is done with
 * it. Against DNS rebinding: a browser page from another site that resolves its own name to this worker's
 * address still sends its own name as Host. An entry without a port allows that host on any port.
 */
export function allowedHosts(
  hosts: readonly string[],
  also: () => readonly string[] = () => [],
): MiddlewareHandler {
  const allowed = hosts.map(parseAllowedHost);
  return async (c, next) => {
    const url = new URL(c.req.url);
    const matches = (host: AllowedHost) =>
      host.hostname === url.hostname && (host.port === '' || host.port === url.port);
    if (!allowed.some(matches) && !also().some((entry) => matches(parseAllowedHost(entry)))) {
      throw new HttpError(421, `This worker does not serve the host ${url.host} (rest.allowed.hosts)`);
    }
    await next();
  };
}

/** Streamed answers whose handler counts the bytes it sends: by request. */
const streamedLengths = new WeakMap<Request, () => number>();

/**
 * Tells `accessLog` that the answer to `c`'s request is streamed and how many body bytes it has sent so far
 * (read once the answer is sent). Without it, the log measures an answer without a declared length on a
 * copy, which for a stream holds the whole answer back (every byte of it in memory) until it ends.
 */
export function streamedLength(c: Context, sent: () => number): void {
  streamedLengths.set(c.req.raw, sent);
}

/**
 * Writes one line per request once its answer is sent, in the NCSA layout Connect's Jetty writes (remote
 * address, time, request line, status, response bytes, referrer, user agent) plus the milliseconds it took.
 * Never a body or a header carrying credentials.
 */
export function accessLog(write: (line: string) => void, now: () => number = Date.now): MiddlewareHandler {
  return async (c, next) => {
    const started = now();
    const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
    try {
      await next();
    } finally {
      // Counted as it goes out when sent to a socket; without one, the test reading it comes after the log.
      const streamed = outgoing === undefined ? undefined : streamedLengths.get(c.req.raw);
      const length = streamed === undefined ? await responseLength(c, outgoing) : undefined;
      if (outgoing === undefined) {
        // No socket (app.request): the answer is what the handlers made.
        write(accessLine(c, c.res.status, length!, now() - started));
      } else {
        // Written once the adapter has sent the answer: the status that went out, the time it took.
        const done = () => {
          outgoing.off('finish', done).off('close', done);
          write(accessLine(c, outgoing.statusCode, length ?? String(streamed!()), now() - started));
        };
        if (outgoing.writableFinished) done();
        else outgoing.once('finish', done).once('close', done);
      }
    }
  };
}

/** The body's length in bytes, as text; `0` for an answer written straight to the socket without one. */
async function responseLength(c: Context, outgoing: HttpBindings['outgoing'] | undefined): Promise<string> {
  if (outgoing?.headersSent === true) return String(outgoing.getHeader('content-length') ?? 0);
  const declared = c.res.headers.get('content-length');
  if (declared !== null) return declared;
  if (c.res.body === null) return '0';
  // REST answers are small JSON documents: measured on a copy.
  return String((await c.res.clone().arrayBuffer()).byteLength);
}

function accessLine(c: Context, status: number, length: string, elapsedMs: number): string {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  const url = new URL(c.req.url);
  const quoted = (value: string | undefined) => (value === undefined ? '"-"' : JSON.stringify(value));
  return (
    `${incoming?.socket.remoteAddress ?? '-'} - - [${ncsaTime(new Date())}] ` +
    `"${c.req.method} ${url.pathname}${url.search} HTTP/${incoming?.httpVersion ?? '1.1'}" ${status} ${length} ` +
    `${quoted(c.req.header('referer'))} ${quoted(c.req.header('user-agent'))} ${elapsedMs}`
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `06/Dec/2024:20:49:31 +0000`, the NCSA log's time. */
function ncsaTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`
  );
}
