import type { Hono } from 'hono';
import { bodyChunks, HttpError, isHttpError, streamAnswer, toErrorResponse } from '@sluice/rest';
import type { ProxyContext } from '../context.js';
import { Errors, mapLogError } from '../errors.js';
import { JsonObjectStream, JsonStreamError } from '../json-stream.js';
import { linksFor } from './admin.js';
import { DeliveryReports, SEPARATOR } from './delivery-reports.js';
import { prepareRecord, readBinaryRecord, type PreparedRecord } from './record-reader.js';

/** Produce calls under way at once; reading the request waits beyond this (backpressure on the client). */
const MAX_IN_FLIGHT = 16;
/** Reports waiting for the client to read them before the request is read further. */
const MAX_UNWRITTEN = 64;

/** Whether bytes are JSON whitespace only. */
function blank(bytes: Uint8Array): boolean {
  return bytes.every((byte) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09);
}

/** An error report of the stream: `{"error_code", "message"}`. */
function errorReport(error: unknown): string {
  const { body } = toErrorResponse(error, (e) => mapLogError(e, true));
  return JSON.stringify(body) + SEPARATOR;
}

/**
 * `POST /v3/clusters/{id}/topics/{topic}/records`: one record, or a stream of them in one chunked request,
 * each answered by one report in the order of the records, streamed back as the records are acknowledged.
 * Records are produced in batches of what each chunk of the request brings, several batches in flight. A
 * record that cannot be produced gets an error report and the others go on; bytes that are not JSON objects
 * (or one larger than `producer.max.request.size`) end the stream with an error report, as Confluent's does.
 */
export function mountV3Records(app: Hono, context: ProxyContext): void {
  app.post('/v3/clusters/:cluster/topics/:topic/records', async (c) => {
    linksFor(c, context);
    const topic = c.req.param('topic');
    const known = await context.topics.partitions(topic);
    if (known === undefined) throw Errors.unknownTopicOrPartition();
    let partitions = known;
    const body = bodyChunks(c);
    // The first bytes decide between an answer and a stream: an empty body is 422, as in Confluent's.
    const first: Uint8Array[] = [];
    for (let chunk = await body.next(); chunk !== undefined; chunk = await body.next()) {
      first.push(chunk);
      if (!blank(chunk)) break;
    }
    if (first.every(blank)) {
      throw Errors.invalidPayload('Request body is empty. Data is required.');
    }

    const reports = new DeliveryReports(context.clusterId, topic);

    const answer = streamAnswer(c, 200, 'application/json');
    const encoder = new TextEncoder();
    let written: Promise<void> = Promise.resolve();
    let unwritten = 0;
    let failed = false;
    const emit = (text: Promise<string | Uint8Array>) => {
      unwritten++;
      written = written.then(async () => {
        const chunk = await text;
        if (!failed) await answer.write(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
        unwritten--;
      });
      written.catch(() => (failed = true));
    };
    const inFlight: Array<Promise<unknown>> = [];
    let batch: PreparedRecord[] = [];
    const flush = () => {
      if (batch.length === 0) return;
      const records = batch;
      batch = [];
      const produced = context.producer.produce(topic, records, true);
      inFlight.push(produced.catch(() => undefined));
      emit(
        produced.then(
          (positions) => reports.bytes(records, positions),
          (error: unknown) => errorReport(error).repeat(records.length),
        ),
      );
    };

    const pump = async () => {
      let now = Date.now();
      const scanner = new JsonObjectStream(
        context.config.producer.maxRequestSize,
        (bytes, start, limit, out: Array<Buffer | PreparedRecord>) =>
          readBinaryRecord(bytes, start, limit, out, now),
      );
      let rechecked = false;
      const take = async (chunk: Uint8Array): Promise<boolean> => {
        let objects: Array<Buffer | PreparedRecord>;
        try {
          now = Date.now();
          objects = scanner.push(chunk);
        } catch (error) {
          if (!(error instanceof JsonStreamError)) throw error;
          // The records before the unreadable bytes are produced and reported first, as Confluent's are.
          await accept(error.completed as Array<Buffer | PreparedRecord>);
          flush();
          const status = error.tooLarge ? 413 : 400;
          emit(Promise.resolve(JSON.stringify({ error_code: status, message: error.message }) + SEPARATOR));
          return false;
        }
        await accept(objects);
        flush();
        return true;
      };
      const accept = async (objects: Array<Buffer | PreparedRecord>): Promise<void> => {
        for (const object of objects) {
          try {
            const prepared = Buffer.isBuffer(object) ? prepareRecord(object) : object;
            const partition = prepared.partition;
            // A partition beyond the count known: asked again, once per stream, in case it was just added.
            if (partition !== undefined && partition >= partitions && !rechecked) {
              rechecked = true;
              partitions = (await context.topics.partitions(topic, partition)) ?? partitions;
            }
            if (partition !== undefined && partition >= partitions) throw Errors.partitionNotFound();
            batch.push(prepared);
          } catch (error) {
            if (!isHttpError(error)) throw error;
            flush();
            emit(Promise.resolve(errorReport(error)));
          }
        }
      };
      try {
        let going = true;
        for (const chunk of first) if (going) going = await take(chunk);
        while (going && !failed) {
          while (inFlight.length >= MAX_IN_FLIGHT) await inFlight.shift();
          while (unwritten > MAX_UNWRITTEN && !failed) await written;
          const value = await body.next();
          if (value === undefined) {
            try {
              scanner.end();
            } catch (error) {
              emit(
                Promise.resolve(
                  JSON.stringify({ error_code: 400, message: (error as Error).message }) + SEPARATOR,
                ),
              );
            }
            break;
          }
          going = await take(value);
        }
      } catch (error) {
        flush();
        emit(
          Promise.resolve(errorReport(error instanceof HttpError ? error : Errors.badRequest(String(error)))),
        );
      } finally {
        // Whatever is left unread (an error, the client gone) is the server's to drain.
        body.cancel();
      }
      await written.catch(() => undefined);
      answer.end();
    };
    void pump();
    return answer.response;
  });
}
