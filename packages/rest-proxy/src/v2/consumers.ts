import type { Context, Hono } from 'hono';
import { SluiceError } from '@sluice/errors';
import { bodyBytesOf, HttpError, PeerUnreachableError, readBodyBytes } from '@sluice/rest';
import type { AutoOffsetReset } from '../config.js';
import type { ConsumerInstance } from '../consumers/consumer-instance.js';
import type { ConsumerOwner } from '../consumers/registry.js';
import { FORWARDED_HEADER, type ProxyContext } from '../context.js';
import { Errors, NO_SCHEMA_REGISTRY } from '../errors.js';
import {
  answer,
  asObject,
  field,
  longQuery,
  noContent,
  optionalObject,
  requiredObject,
  topicPartitions,
} from '../http.js';
import { baseUrl, absoluteUrl } from '../urls.js';
import { EMBEDDED_FORMATS, recordsAnswerType, SCHEMA_FORMATS, type EmbeddedFormat } from '../media.js';

const INSTANCE = '/consumers/:group/instances/:instance';

/** Java's `ConsumerConfig` answer for a bad `auto.offset.reset`. */
function offsetReset(value: string | undefined, fallback: AutoOffsetReset): AutoOffsetReset {
  if (value === undefined) return fallback;
  if (value === 'earliest' || value === 'latest' || value === 'none') return value;
  // Kafka's old names, which Confluent's v1 took and some clients still send.
  if (value === 'smallest') return 'earliest';
  if (value === 'largest') return 'latest';
  throw Errors.invalidConsumerConfig(
    `Invalid value ${value} for configuration auto.offset.reset: String must be one of: latest, earliest, none`,
  );
}

function autoCommit(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === 'false') return v === 'true';
  throw Errors.invalidConsumerConfig(
    `Invalid value ${value} for configuration enable.auto.commit: Expected value to be either true or false`,
  );
}

/**
 * API v2's consumers (`ConsumersResource`): instances, subscriptions, assignments, positions, records and
 * offsets. A request for an instance another proxy owns is forwarded there (see the README: several instances).
 */
export function mountV2Consumers(app: Hono, context: ProxyContext): void {
  const { consumers, config } = context;

  app.post('/consumers/:group', async (c) => {
    const group = c.req.param('group');
    const body = (await optionalObject(c)) ?? {};
    const formatName = (field.text(body, 'format') ?? 'binary').toLowerCase();
    if (!EMBEDDED_FORMATS.includes(formatName as EmbeddedFormat))
      throw Errors.unprocessable('Invalid format type.');
    const format = formatName as EmbeddedFormat;
    if (SCHEMA_FORMATS.has(format)) {
      throw Errors.invalidConsumerConfig(
        `format ${format} reads its data through a schema registry. ${NO_SCHEMA_REGISTRY}`,
      );
    }
    const fetchMinBytes = field.integer(body, 'fetch.min.bytes') ?? field.integer(body, 'responseMinBytes');
    if (fetchMinBytes !== undefined && (fetchMinBytes < -1 || fetchMinBytes > 10_000_000)) {
      throw Errors.invalidConsumerConfigConstraint(
        `Invalid value ${fetchMinBytes} for configuration fetch.min.bytes: Value must be no more than 10000000`,
      );
    }
    const requestTimeoutMs =
      field.integer(body, 'consumer.request.timeout.ms') ?? field.integer(body, 'requestWaitMs');
    if (requestTimeoutMs !== undefined && requestTimeoutMs <= 0) {
      throw Errors.invalidConsumerConfig(
        `consumer.request.timeout.ms must be positive, got ${requestTimeoutMs}`,
      );
    }
    const name = field.text(body, 'id') ?? field.text(body, 'name') ?? consumers.generatedName();
    if (name === '') throw Errors.unprocessable('name may not be empty');
    const base = absoluteUrl(baseUrl(config, new URL(c.req.url)), 'consumers', group, 'instances', name);
    const settings = {
      group,
      name,
      format,
      autoOffsetReset: offsetReset(field.text(body, 'auto.offset.reset'), config.consumer.autoOffsetReset),
      autoCommit: autoCommit(field.text(body, 'auto.commit.enable'), config.consumer.enableAutoCommit),
      fetchMinBytes: fetchMinBytes ?? config.fetchMinBytes,
      requestTimeoutMs: requestTimeoutMs ?? config.consumerRequestTimeoutMs,
    };
    const owner = { owner: context.selfUrl(), baseUri: base };
    await consumers.create(settings, owner, (other) => ownerAlive(context, other, group, name));
    return answer(c, { instance_id: name, base_uri: base });
  });

  // Requests for an instance this proxy does not have go to its owner, if another proxy has it.
  app.use(INSTANCE, forwardToOwner(context));
  app.use(`${INSTANCE}/*`, forwardToOwner(context));

  const instance = (c: Context): ConsumerInstance => {
    const found = consumers.get(c.req.param('group')!, c.req.param('instance')!);
    if (found === undefined) throw Errors.consumerInstanceNotFound();
    return found;
  };

  app.delete(INSTANCE, async (c) => {
    await consumers.delete(instance(c));
    return noContent(c);
  });

  app.post(`${INSTANCE}/subscription`, async (c) => {
    const consumer = instance(c);
    const body = await requiredObject(c, 'subscription');
    const topics = field.array(body, 'topics');
    const pattern = field.string(body, 'topic_pattern');
    let subscription: { topics: string[] } | { pattern: RegExp } | undefined;
    if (topics !== undefined) {
      subscription = {
        topics: topics.map((topic) => {
          if (typeof topic !== 'string' || topic.trim() === '') {
            throw Errors.unprocessable('Topic collection to subscribe to cannot contain null or empty topic');
          }
          return topic;
        }),
      };
    } else if (pattern !== undefined) {
      try {
        // Java's Matcher.matches(): the whole name.
        subscription = { pattern: new RegExp(`^(?:${pattern})$`, 'u') };
      } catch (error) {
        throw Errors.badRequest(
          `topic_pattern is not a valid regular expression: ${(error as Error).message}`,
        );
      }
    }
    if (subscription !== undefined) {
      const chosen = subscription;
      await consumer.run(() => consumer.subscribe(chosen));
    }
    return noContent(c);
  });

  app.get(`${INSTANCE}/subscription`, async (c) => {
    const consumer = instance(c);
    return answer(c, { topics: await consumer.run(() => Promise.resolve(consumer.subscription())) });
  });

  app.delete(`${INSTANCE}/subscription`, async (c) => {
    const consumer = instance(c);
    await consumer.run(() => consumer.unsubscribe());
    return noContent(c);
  });

  app.post(`${INSTANCE}/assignments`, async (c) => {
    const consumer = instance(c);
    const body = await requiredObject(c, 'assignment');
    const partitions = topicPartitions(field.array(body, 'partitions'), 'partitions');
    await consumer.run(() => Promise.resolve(consumer.assign(partitions)));
    return noContent(c);
  });

  app.get(`${INSTANCE}/assignments`, async (c) => {
    const consumer = instance(c);
    return answer(c, { partitions: await consumer.run(() => Promise.resolve(consumer.assignment())) });
  });

  app.post(`${INSTANCE}/positions`, async (c) => {
    const consumer = instance(c);
    const body = await requiredObject(c, 'request');
    const offsets = (field.array(body, 'offsets') ?? []).map((item) => {
      const entry = asObject(item, 'an entry of offsets');
      const topic = field.string(entry, 'topic');
      const partition = field.integer(entry, 'partition', 0);
      const offset = field.integer(entry, 'offset', 0, Number.MAX_SAFE_INTEGER);
      if (topic === undefined || partition === undefined || offset === undefined) {
        throw Errors.unprocessable('offsets[] need topic, partition and offset');
      }
      return { topic, partition, offset };
    });
    const timestamps = (field.array(body, 'timestamps') ?? []).map((item) => {
      const entry = asObject(item, 'an entry of timestamps');
      const topic = field.string(entry, 'topic');
      const partition = field.integer(entry, 'partition', 0);
      const timestamp = instant(entry['timestamp']);
      if (topic === undefined || partition === undefined) {
        throw Errors.unprocessable('timestamps[] need topic, partition and timestamp');
      }
      return { topic, partition, timestamp };
    });
    await consumer.run(async () => {
      // Checked first: a seek to a partition the instance does not have changes nothing.
      for (const t of timestamps) consumer.assertAssigned(t.topic, t.partition);
      for (const o of offsets) consumer.assertAssigned(o.topic, o.partition);
      const byTime = await Promise.all(
        timestamps.map(async (t) => ({
          topic: t.topic,
          partition: t.partition,
          offset: await context.log.offsetForTime(t.topic, t.partition, t.timestamp),
        })),
      );
      consumer.seek([...offsets, ...byTime]);
    });
    return noContent(c);
  });

  for (const where of ['beginning', 'end'] as const) {
    app.post(`${INSTANCE}/positions/${where}`, async (c) => {
      const consumer = instance(c);
      const body = await requiredObject(c, 'request');
      const partitions = topicPartitions(field.array(body, 'partitions'), 'partitions');
      await consumer.run(() => Promise.resolve(consumer.seekTo(where, partitions)));
      return noContent(c);
    });
  }

  app.get(`${INSTANCE}/records`, async (c) => {
    const consumer = instance(c);
    const type = recordsAnswerType(c.req.header('accept'), consumer.settings.format);
    const timeout = longQuery(c, 'timeout');
    const maxBytes = longQuery(c, 'max_bytes');
    const records = await consumer.run(() => consumer.records(timeout, maxBytes));
    const body = records
      .map(
        (r) =>
          `{"topic":${JSON.stringify(r.topic)},"key":${r.key},"value":${r.value},"partition":${r.partition},"offset":${r.offset}}`,
      )
      .join(',');
    return answer(c, `[${body}]`, { type });
  });

  app.post(`${INSTANCE}/offsets`, async (c) => {
    const consumer = instance(c);
    const body = await optionalObject(c, 'request');
    const list = body === undefined ? undefined : field.array(body, 'offsets');
    const offsets = list?.map((item) => {
      const entry = asObject(item, 'an entry of offsets');
      const topic = field.string(entry, 'topic');
      const partition = field.integer(entry, 'partition', 0);
      const offset = field.integer(entry, 'offset', 0, Number.MAX_SAFE_INTEGER);
      if (topic === undefined || partition === undefined || offset === undefined) {
        throw Errors.unprocessable('offsets[] need topic, partition and offset');
      }
      return { topic, partition, offset };
    });
    await consumer.run(() => consumer.commit(offsets));
    // Confluent answers the committed offsets it tracks, which is always none.
    return answer(c, []);
  });

  app.get(`${INSTANCE}/offsets`, async (c) => {
    const consumer = instance(c);
    const body = await optionalObject(c, 'request');
    // Confluent's answer to a request without a body.
    if (body === undefined) throw Errors.partitionNotFound();
    const partitions = topicPartitions(field.array(body, 'partitions'), 'partitions');
    return answer(c, { offsets: await consumer.run(() => consumer.committed(partitions)) });
  });
}

/** A seek timestamp as Jackson reads a Java `Instant`: ISO-8601 text, or a number of seconds since the epoch. */
function instant(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value * 1000);
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms) && /T/.test(value)) return ms;
  }
  throw new HttpError(
    400,
    `Cannot deserialize value of field "timestamp": expected an ISO-8601 instant, got ${JSON.stringify(value)}`,
  );
}

/**
 * Forwards a request for a consumer instance that is not here to the proxy that owns it (per the registry),
 * and answers what the owner answers. Not forwarded twice; an owner that does not answer is 404 naming it.
 */
function forwardToOwner(context: ProxyContext) {
  return async (c: Context, next: () => Promise<void>): Promise<Response | void> => {
    const group = c.req.param('group')!;
    const name = c.req.param('instance')!;
    if (context.consumers.get(group, name) !== undefined) return next();
    if (c.req.header(FORWARDED_HEADER) !== undefined) throw Errors.consumerInstanceNotFound();
    const owner = await context.consumers.owner(group, name);
    if (owner === undefined || owner.owner === context.selfUrl()) throw Errors.consumerInstanceNotFound();
    await readBodyBytes(c, context.config.producer.maxRequestSize);
    const target = new URL(c.req.url);
    const headers: Record<string, string> = { [FORWARDED_HEADER]: context.selfUrl() };
    for (const name of ['accept', 'content-type']) {
      const value = c.req.header(name);
      if (value !== undefined) headers[name] = value;
    }
    const body = bodyBytesOf(c);
    let reply;
    try {
      reply = await context.peers.request(`${owner.owner}${target.pathname}${target.search}`, {
        method: c.req.method,
        headers,
        body: body !== undefined && body.byteLength > 0 ? body : undefined,
      });
    } catch (error) {
      if (!(error instanceof PeerUnreachableError)) throw error;
      throw Errors.consumerInstanceNotFound(
        `It was created on ${owner.baseUri}, and that REST Proxy instance did not answer (${error.message}).`,
      );
    }
    const type = reply.headers['content-type'];
    return new Response(reply.status === 204 ? null : reply.body, {
      status: reply.status,
      headers: typeof type === 'string' ? { 'content-type': type } : {},
    });
  };
}

/** Whether the proxy recorded as an instance's owner still has it (it answers for it), for name reuse. */
async function ownerAlive(
  context: ProxyContext,
  owner: ConsumerOwner,
  group: string,
  name: string,
): Promise<boolean> {
  try {
    const reply = await context.peers.request(
      `${owner.owner}/consumers/${encodeURIComponent(group)}/instances/${encodeURIComponent(name)}/subscription`,
      {
        method: 'GET',
        headers: { accept: 'application/vnd.kafka.v2+json', [FORWARDED_HEADER]: context.selfUrl() },
      },
    );
    return reply.status === 200;
  } catch (error) {
    if (SluiceError.is(error)) return false;
    throw error;
  }
}
