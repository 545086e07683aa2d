import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'hono';
import { SluiceError } from '@sluice/errors';
import type { NotLeaderError, NotOwnerError } from '@sluice/coordinator';
import { bodyBytesOf, HttpError, type PeerClient, PeerUnreachableError } from '@sluice/rest';
import { NO_KNOWN_LEADER } from './errors.js';

/** Connect's 409 when a request was forwarded twice and still found no worker to serve it. */
export const CONFLICTING_OPERATION =
  'Cannot complete request because of a conflicting operation (e.g. worker rebalance)';

/** The header with which a leader tells a forwarding worker how far its write got in the config topic. */
export const CONFIG_OFFSET_HEADER = 'X-Sluice-Config-Offset';

/** Headers a forwarded request carries: Connect's `Authorization`, and the signature of internal requests. */
const FORWARDED_HEADERS = [
  'authorization',
  'x-connect-authorization',
  'x-connect-request-signature-algorithm',
];

export interface ForwardingOptions {
  client: PeerClient;
  /** Waits (bounded) until this worker's view of the config topic reached `offset`: read-your-writes. */
  awaitConfigOffset(offset: number, timeoutMs: number): Promise<void>;
  /**
   * How long a request keeps trying when the worker it must go to does not answer (it may have died and a
   * rebalance be naming another). @default 30000
   */
  retryForMs?: number;
}

/** How long a forwarding worker waits for its own view to catch up with the leader's write. */
const READ_YOUR_WRITES_MS = 5_000;
/** The 409s of a worker that did nothing with a forwarded request because it could not tell who serves it. */
const UNDONE = new Set<unknown>([NO_KNOWN_LEADER, CONFLICTING_OPERATION]);
const RETRY_BACKOFF_MS = 500;

function forwardTarget(error: unknown): { url: string | undefined } | undefined {
  if (!SluiceError.is(error)) return undefined;
  if (error.code === 'SLUICE_NOT_LEADER') return { url: (error as NotLeaderError).leaderUrl };
  if (error.code === 'SLUICE_NOT_OWNER') return { url: (error as NotOwnerError).ownerUrl };
  return undefined;
}

/**
 * Serves a request here, or forwards it to the worker that must serve it, with Kafka Connect's hop rule
 * (`HerderRequestHandler`): a request without `forward` may go to the leader or owner with `forward=true`,
 * that worker may send it once more with `forward=false`, and a worker that gets `forward=false` and
 * still cannot serve it answers 409. The answer is relayed as it came (status and body); a `Location`
 * names this worker, as the client asked it.
 *
 * Sluice waits where Connect fails: the worker the client asked, when it knows no leader itself, or the
 * worker it forwarded to does not answer (it died; the group will rebalance) or answers that it could not
 * tell who serves the request (it led, and is leaving its group or between generations: it did nothing),
 * decides again after a moment until `retryForMs`, and a forwarded write returns once
 * this worker's own view has caught up with it, so a client that reads back from the worker it wrote
 * through sees its write.
 */
export async function serveOrForward(
  c: Context,
  options: ForwardingOptions,
  serve: () => Promise<Response>,
): Promise<Response> {
  const deadline = Date.now() + (options.retryForMs ?? 30_000);
  for (;;) {
    let target: { url: string | undefined } | undefined;
    try {
      return await serve();
    } catch (error) {
      target = forwardTarget(error);
      if (target === undefined) throw error;
    }
    const forward = c.req.query('forward');
    if (forward !== undefined && forward.toLowerCase() !== 'true')
      throw new HttpError(409, CONFLICTING_OPERATION);
    // The worker the client asked waits out a moment without a known leader (a rebalance, a leader that
    // died); one that was asked by another worker answers at once, and that worker asks again.
    const origin = forward === undefined;
    const late = () => Date.now() + RETRY_BACKOFF_MS > deadline;
    if (target.url === undefined) {
      if (!origin || late()) throw new HttpError(409, NO_KNOWN_LEADER);
      await sleep(RETRY_BACKOFF_MS);
      continue;
    }
    try {
      const answer = await forwardTo(c, options, target.url, origin);
      if (!answer.refusedUndone || !origin || late()) return answer.response;
    } catch (error) {
      // Only a request that never reached the worker is sent again: one that may have landed (the worker
      // died before it answered) is answered 500, as Connect does, so the client knows the outcome is unknown.
      if (!(error instanceof PeerUnreachableError) || error.sent || late()) {
        throw error;
      }
    }
    await sleep(RETRY_BACKOFF_MS);
  }
}

async function forwardTo(
  c: Context,
  options: ForwardingOptions,
  targetUrl: string,
  recursive: boolean,
): Promise<{ response: Response; refusedUndone: boolean }> {
  const here = new URL(c.req.url);
  const url = new URL(here.pathname, targetUrl.endsWith('/') ? targetUrl : `${targetUrl}/`);
  url.searchParams.set('forward', String(recursive));
  for (const [key, value] of here.searchParams) if (key !== 'forward') url.searchParams.append(key, value);
  const headers: Record<string, string> = { accept: 'application/json' };
  const body = bodyBytesOf(c);
  if (body !== undefined && body.byteLength > 0) headers['content-type'] = 'application/json';
  for (const name of FORWARDED_HEADERS) {
    const value = c.req.header(name);
    if (value !== undefined) headers[name] = value;
  }
  const answer = await options.client.request(url.href, { method: c.req.method, headers, body });
  const offset = Number(answer.headers[CONFIG_OFFSET_HEADER.toLowerCase()]);
  if (answer.status < 300 && Number.isSafeInteger(offset)) {
    await options.awaitConfigOffset(offset, READ_YOUR_WRITES_MS).catch(() => undefined);
  }
  const out = new Headers();
  // Passed on, so the worker before this one waits for its own view too (two hops).
  if (Number.isSafeInteger(offset)) out.set(CONFIG_OFFSET_HEADER, String(offset));
  const contentType = answer.headers['content-type'];
  if (typeof contentType === 'string') out.set('content-type', contentType);
  const location = answer.headers['location'];
  if (typeof location === 'string') {
    const relayed = new URL(location);
    out.set('location', new URL(relayed.pathname + relayed.search, here).href);
  }
  // No body for 204 and 304; an empty body keeps its length, as the worker that answered sent it.
  const empty = answer.status === 204 || answer.status === 304;
  if (!empty && answer.body.byteLength === 0) out.set('content-length', '0');
  return {
    response: new Response(empty ? null : answer.body, { status: answer.status, headers: out }),
    refusedUndone: answer.status === 409 && UNDONE.has(messageOf(answer.body)),
  };
}

function messageOf(body: Uint8Array): unknown {
  try {
    return (JSON.parse(Buffer.from(body).toString('utf8')) as { message?: unknown }).message;
  } catch {
    return undefined;
  }
}
