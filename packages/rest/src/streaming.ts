import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context } from 'hono';
import { streamedLength } from './guards.js';

/** A request's body, read a chunk at a time. */
export interface BodyChunks {
  /** The next chunk; undefined at the end of the body. Rejects if the request failed (the client left). */
  next(): Promise<Uint8Array | undefined>;
  /** Reads no more: the rest of the body is left to the server (@hono/node-server drains it, or closes). */
  cancel(): void;
}

/** A streamed answer, written a chunk at a time. */
export interface StreamedAnswer {
  /** What the handler returns. */
  readonly response: Response;
  /** Resolves once `bytes` may be followed by more (the client reads); rejects once the client is gone. */
  write(bytes: Uint8Array): Promise<void>;
  /** Ends the answer. */
  end(): void;
}

function nodeBindings(c: Context): Partial<HttpBindings> | undefined {
  return c.env as Partial<HttpBindings> | undefined;
}

/**
 * The request's body a chunk at a time: from Node's request itself when the app is served by Node (a web
 * stream in between, per chunk, cost a streamed produce about a twentieth of its CPU), else from the
 * `Request`'s body. Reading starts with the first `next`.
 */
export function bodyChunks(c: Context): BodyChunks {
  const incoming = nodeBindings(c)?.incoming;
  if (incoming === undefined) {
    const reader = (c.req.raw.body as ReadableStream<Uint8Array> | null)?.getReader();
    return {
      next: async () => {
        const read = await reader?.read();
        return read === undefined || read.done ? undefined : read.value;
      },
      cancel: () => void reader?.cancel().catch(() => undefined),
    };
  }
  const chunks: Buffer[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const awake = () => {
    wake?.();
    wake = undefined;
  };
  const onData = (chunk: Buffer) => {
    chunks.push(chunk);
    incoming.pause();
    awake();
  };
  const onEnd = () => {
    ended = true;
    awake();
  };
  const onClose = () => {
    // Closed before its end: the client went away mid-body.
    if (!ended) failure ??= new Error('the request was aborted before its body ended');
    awake();
  };
  const onError = (error: Error) => {
    failure ??= error;
    awake();
  };
  // A request may be over already (read by the handler before, or the client gone while it waited).
  if (incoming.readableEnded) ended = true;
  else if (incoming.destroyed) failure = new Error('the request was aborted before its body ended');
  incoming.pause();
  incoming.on('data', onData).on('end', onEnd).on('close', onClose).on('error', onError);
  return {
    next: async () => {
      while (chunks.length === 0 && !ended && failure === undefined) {
        const woken = new Promise<void>((resolve) => (wake = resolve));
        incoming.resume();
        await woken;
      }
      const chunk = chunks.shift();
      if (chunk !== undefined) return chunk;
      if (failure !== undefined) throw failure;
      return undefined;
    },
    cancel: () => {
      incoming.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onError);
      chunks.length = 0;
    },
  };
}

/**
 * A streamed answer with `status` and `contentType`, its length counted for the access log: written to
 * Node's response itself when the app is served by Node (the adapter then leaves it alone), else the body of
 * the `Response`.
 */
export function streamAnswer(c: Context, status: number, contentType: string): StreamedAnswer {
  let sent = 0;
  streamedLength(c, () => sent);
  const outgoing = nodeBindings(c)?.outgoing;
  if (outgoing === undefined) {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    return {
      response: new Response(readable, { status, headers: { 'content-type': contentType } }),
      write: async (bytes) => {
        await writer.write(bytes);
        sent += bytes.length;
      },
      end: () => void writer.close().catch(() => undefined),
    };
  }
  // The status line and headers go out now, as the adapter sends them for a stream, not with the first bytes.
  outgoing.writeHead(status, { 'content-type': contentType });
  outgoing.flushHeaders();
  const gone = () => new Error('the client closed the connection before the answer ended');
  return {
    // Tells @hono/node-server that the answer is already being written.
    response: RESPONSE_ALREADY_SENT,
    write: (bytes) => {
      if (outgoing.destroyed) return Promise.reject(gone());
      sent += bytes.length;
      if (outgoing.write(bytes)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const settle = () => {
          outgoing.off('drain', settle).off('close', settle);
          if (outgoing.destroyed && !outgoing.writableFinished) reject(gone());
          else resolve();
        };
        outgoing.once('drain', settle).once('close', settle);
      });
    },
    end: () => void outgoing.end(),
  };
}
