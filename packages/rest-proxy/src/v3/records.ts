import { isUtf8 } from 'node:buffer';
import type { Hono } from 'hono';
import type { Header, ProduceRecord, RecordPosition } from '@sluice/log';
import { HttpError, isHttpError, parseJsonBody, toErrorResponse } from '@sluice/rest';
import type { ProxyContext } from '../context.js';
import { Errors, mapLogError, NO_SCHEMA_REGISTRY } from '../errors.js';
import { decodeBinary, encodeJson, encodeString } from '../formats.js';
import { asObject, field } from '../http.js';
import { JsonObjectStream, JsonStreamError } from '../json-stream.js';
import { linksFor } from './admin.js';

/** Produce calls under way at once; reading the request waits beyond this (backpressure on the client). */
const MAX_IN_FLIGHT = 16;
/** Reports waiting for the client to read them before the request is read further. */
const MAX_UNWRITTEN = 64;
/** Jersey's `ChunkedOutput` separator, which Confluent's streaming answer uses. */
const SEPARATOR = '\r\n';

const DATA_TYPES = new Set(['BINARY', 'JSON', 'STRING']);
const SCHEMA_TYPES = new Set(['AVRO', 'JSONSCHEMA', 'PROTOBUF']);
const SCHEMA_FIELDS = ['schema_id', 'schema_version', 'subject', 'subject_name_strategy', 'schema'];

interface Prepared {
  record: ProduceRecord;
  timestamp: number;
  key: { type: string; size: number } | undefined;
  value: { type: string; size: number } | undefined;
}

/** An `Instant` as Jackson writes it (ISO-8601, without a zero fraction): `2021-02-05T19:14:42Z`. */
function instantText(ms: number): string {
  // The records of a stream mostly share their millisecond.
  if (ms !== lastInstant.ms) lastInstant = { ms, text: new Date(ms).toISOString().replace('.000Z', 'Z') };
  return lastInstant.text;
}
let lastInstant = { ms: Number.NaN, text: '' };

/** A key or value of a v3 produce request: its bytes and what the report says of it. */
function data(
  entry: Record<string, unknown>,
  name: 'key' | 'value',
): { bytes: Buffer | null; report: { type: string; size: number } | undefined } {
  const raw = entry[name];
  if (raw === undefined || raw === null) return { bytes: null, report: undefined };
  const spec = asObject(raw, name);
  const type = field.string(spec, 'type')?.toUpperCase();
  if (type === undefined || SCHEMA_TYPES.has(type) || SCHEMA_FIELDS.some((f) => spec[f] !== undefined)) {
    // Without a type, Confluent's proxy looks the subject's latest schema up: a schema registry is needed too.
    throw Errors.invalidPayload(
      `Schema Registry must be configured when using schemas. ${NO_SCHEMA_REGISTRY}`,
    );
  }
  if (!DATA_TYPES.has(type))
    throw Errors.badRequest(`${name}.type ${type} is not one of BINARY, JSON, STRING`);
  const bytes =
    type === 'BINARY'
      ? decodeBinary(spec['data'])
      : type === 'JSON'
        ? encodeJson(spec, 'data')
        : encodeString(spec['data']);
  return { bytes, report: { type, size: bytes?.length ?? 0 } };
}

function headers(entry: Record<string, unknown>): Header[] | undefined {
  const list = field.array(entry, 'headers');
  if (list === undefined) return undefined;
  return list.map((item) => {
    const header = asObject(item, 'a header');
    const name = field.string(header, 'name');
    if (name === undefined) throw Errors.unprocessable('headers[].name may not be null');
    return { key: name, value: decodeBinary(header['value']) };
  });
}

/**
 * `"json"` in any case, or a `\u` escape that may spell it: a record that may carry JSON data, whose numbers
 * must keep their text. Others (binary and string data) go through the native parser, several times faster.
 */
const JSON_TYPE = /"json"|\\u/i;

/** One record of the stream, checked; a problem is its own report, not the stream's end. */
function prepare(bytes: Buffer): Prepared {
  let parsed: unknown;
  const text = isUtf8(bytes) ? bytes.toString('utf8') : undefined;
  if (text === undefined || JSON_TYPE.test(text)) {
    parsed = parseJsonBody(bytes);
  } else {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = parseJsonBody(bytes); // for the same 400 and message
    }
  }
  const entry = asObject(parsed, 'a produce request');
  const partition = field.integer(entry, 'partition_id');
  if (partition !== undefined && partition < 0) throw Errors.partitionNotFound();
  let timestamp = Date.now();
  if (entry['timestamp'] !== undefined && entry['timestamp'] !== null) {
    const text = entry['timestamp'];
    const parsed = typeof text === 'string' ? Date.parse(text) : typeof text === 'number' ? text * 1000 : NaN;
    if (!Number.isFinite(parsed))
      throw Errors.badRequest(`timestamp=${JSON.stringify(text)} is not an ISO-8601 instant.`);
    timestamp = Math.round(parsed);
  }
  const key = data(entry, 'key');
  const value = data(entry, 'value');
  const record: ProduceRecord = { key: key.bytes, value: value.bytes, timestamp };
  const list = headers(entry);
  if (list !== undefined && list.length > 0) record.headers = list;
  if (partition !== undefined) record.partition = partition;
  return { record, timestamp, key: key.report, value: value.report };
}

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
    const input = c.req.raw.body as ReadableStream<Uint8Array> | null;
    const reader = input?.getReader();
    // The first bytes decide between an answer and a stream: an empty body is 422, as in Confluent's.
    const first: Uint8Array[] = [];
    if (reader !== undefined) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        first.push(value);
        if (!blank(value)) break;
      }
    }
    if (first.every(blank)) {
      throw Errors.invalidPayload('Request body is empty. Data is required.');
    }

    const clusterPrefix = `{"error_code":200,"cluster_id":${JSON.stringify(context.clusterId)},"topic_name":${JSON.stringify(topic)}`;
    const report = (prepared: Prepared, position: RecordPosition): string => {
      let text = `${clusterPrefix},"partition_id":${position.partition},"offset":${position.offset},"timestamp":"${instantText(prepared.timestamp)}"`;
      if (prepared.key !== undefined)
        text += `,"key":{"type":"${prepared.key.type}","size":${prepared.key.size}}`;
      if (prepared.value !== undefined)
        text += `,"value":{"type":"${prepared.value.type}","size":${prepared.value.size}}`;
      return `${text}}${SEPARATOR}`;
    };

    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    const encoder = new TextEncoder();
    let written: Promise<void> = Promise.resolve();
    let unwritten = 0;
    let failed = false;
    const emit = (text: Promise<string>) => {
      unwritten++;
      written = written.then(async () => {
        const chunk = await text;
        if (!failed) await writer.write(encoder.encode(chunk));
        unwritten--;
      });
      written.catch(() => (failed = true));
    };
    const inFlight: Array<Promise<unknown>> = [];
    let batch: Prepared[] = [];
    const flush = () => {
      if (batch.length === 0) return;
      const records = batch;
      batch = [];
      const produced = context.producer.produce(
        topic,
        records.map((p) => p.record),
      );
      inFlight.push(produced.catch(() => undefined));
      emit(
        produced.then(
          (positions) => records.map((p, index) => report(p, positions[index]!)).join(''),
          (error: unknown) => errorReport(error).repeat(records.length),
        ),
      );
    };

    const pump = async () => {
      const scanner = new JsonObjectStream(context.config.producer.maxRequestSize);
      let rechecked = false;
      const take = async (chunk: Uint8Array): Promise<boolean> => {
        let objects: Buffer[];
        try {
          objects = scanner.push(chunk);
        } catch (error) {
          if (!(error instanceof JsonStreamError)) throw error;
          flush();
          const status = error.tooLarge ? 413 : 400;
          emit(Promise.resolve(JSON.stringify({ error_code: status, message: error.message }) + SEPARATOR));
          return false;
        }
        for (const bytes of objects) {
          try {
            const prepared = prepare(bytes);
            const partition = prepared.record.partition;
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
        flush();
        return true;
      };
      try {
        let going = true;
        for (const chunk of first) if (going) going = await take(chunk);
        while (going && !failed && reader !== undefined) {
          while (inFlight.length >= MAX_IN_FLIGHT) await inFlight.shift();
          while (unwritten > MAX_UNWRITTEN && !failed) await written;
          const { done, value } = await reader.read();
          if (done) {
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
        if (!going) await reader?.cancel().catch(() => undefined);
      } catch (error) {
        flush();
        emit(
          Promise.resolve(errorReport(error instanceof HttpError ? error : Errors.badRequest(String(error)))),
        );
      }
      await written.catch(() => undefined);
      await writer.close().catch(() => undefined);
    };
    void pump();
    return new Response(readable, { status: 200, headers: { 'content-type': 'application/json' } });
  });
}
