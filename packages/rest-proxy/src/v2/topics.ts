import type { Context, Hono } from 'hono';
import { SluiceError } from '@sluice/errors';
import type { ProduceRecord } from '@sluice/log';
import type { ProxyContext } from '../context.js';
import { Errors, NO_SCHEMA_REGISTRY, producerError } from '../errors.js';
import { decodeBinary, encodeJson } from '../formats.js';
import { answer, asObject, field, intParam, requiredObject } from '../http.js';
import { embeddedFormatOf, SCHEMA_FORMATS, type EmbeddedFormat } from '../media.js';

/** A v2 partition: its leader and replicas (`GetPartitionResponse`). */
function partitionEntry(partition: {
  partition: number;
  leader: number | null;
  replicas: number[];
  isr: number[];
}) {
  return {
    partition: partition.partition,
    leader: partition.leader ?? -1,
    replicas: partition.replicas.map((broker) => ({
      broker,
      leader: broker === partition.leader,
      in_sync: partition.isr.includes(broker),
    })),
  };
}

/** Throws v2's 404 (40401) when the topic does not exist. */
async function requireTopic(context: ProxyContext, topic: string): Promise<{ partitions: number }> {
  const described = await context.log.describeTopic(topic).catch((error: unknown) => {
    if (SluiceError.is(error) && error.code === 'SLUICE_INVALID_TOPIC') return undefined;
    throw error;
  });
  if (described === undefined) throw Errors.topicNotFound();
  return described;
}

/** API v2's topics, partitions, brokers and produce (`TopicsResource`, `PartitionsResource`, produce actions). */
export function mountV2Topics(app: Hono, context: ProxyContext): void {
  const { log } = context;

  app.get('/', (c) => answer(c, {}));

  app.get('/brokers', async (c) => {
    const cluster = await log.describeCluster();
    return answer(c, { brokers: cluster.brokers.map((broker) => broker.id) });
  });

  app.get('/topics', async (c) => answer(c, await log.listTopics()));

  app.get('/topics/:topic', async (c) => {
    const topic = c.req.param('topic');
    await requireTopic(context, topic);
    const [configs, partitions] = await Promise.all([
      log.describeTopicConfigs(topic),
      log.describePartitions(topic),
    ]);
    return answer(c, {
      name: topic,
      configs: Object.fromEntries(
        configs.filter((entry) => entry.value !== null).map((e) => [e.name, e.value]),
      ),
      partitions: partitions.map(partitionEntry),
    });
  });

  app.get('/topics/:topic/partitions', async (c) => {
    const topic = c.req.param('topic');
    await requireTopic(context, topic);
    return answer(c, (await log.describePartitions(topic)).map(partitionEntry));
  });

  app.get('/topics/:topic/partitions/:partition', async (c) => {
    const topic = c.req.param('topic');
    const partition = intParam(c.req.param('partition'));
    await requireTopic(context, topic);
    const found = (await log.describePartitions(topic)).find((p) => p.partition === partition);
    if (found === undefined) throw Errors.partitionNotFound();
    return answer(c, partitionEntry(found));
  });

  app.get('/topics/:topic/partitions/:partition/offsets', async (c) => {
    const topic = c.req.param('topic');
    const partition = intParam(c.req.param('partition'));
    await requireTopic(context, topic);
    const range = (await log.offsets(topic)).find((p) => p.partition === partition);
    if (range === undefined) throw Errors.partitionNotFound();
    return answer(c, { beginning_offset: range.beginning, end_offset: range.end });
  });

  const produce = async (c: Context, partition: number | undefined) => {
    const topic = c.req.param('topic')!;
    const format = embeddedFormatOf(c.req.header('content-type') ?? '');
    // selectResourceMethod let only the embedded types through.
    if (format === undefined) throw new Error('produce without an embedded format');
    // Binary data has no JSON numbers to keep as written: the native parser serves.
    const numbers = format === 'json' ? 'exact' : 'doubles';
    const body = await requiredObject(c, 'request', context.config.producer.maxRequestSize, numbers);
    const records = toProduceRecords(body, format, partition);
    const highest = Math.max(-1, ...records.map((record) => record.partition ?? -1));
    const partitions = await context.topics.partitions(topic, highest);
    if (partitions === undefined) throw Errors.topicNotFound();
    for (const record of records) {
      if (record.partition !== undefined && (record.partition < 0 || record.partition >= partitions)) {
        throw Errors.partitionNotFound();
      }
    }
    let offsets;
    try {
      const positions = await context.producer.produce(topic, records);
      offsets = positions.map((p) => ({
        partition: p.partition,
        offset: p.offset,
        error_code: null,
        error: null,
      }));
    } catch (error) {
      // As Confluent's: a Kafka failure is reported per record (all of them: one produce), not as the status.
      if (!SluiceError.is(error) || error.code === 'SLUICE_UNKNOWN_TOPIC_OR_PARTITION') throw error;
      const failed = producerError(error);
      offsets = records.map(() => ({ partition: null, offset: null, ...failed }));
    }
    return answer(c, { offsets, key_schema_id: null, value_schema_id: null });
  };
  app.post('/topics/:topic', (c) => produce(c, undefined));
  app.post('/topics/:topic/partitions/:partition', (c) => produce(c, intParam(c.req.param('partition'))));
}

/**
 * The records of a v2 produce request in `format`, all checked before anything is produced. Schema formats
 * are refused as Confluent's proxy refuses them without a schema registry.
 */
export function toProduceRecords(
  body: Record<string, unknown>,
  format: EmbeddedFormat,
  partition: number | undefined,
): ProduceRecord[] {
  const list = field.array(body, 'records');
  if (list === undefined || list.length === 0) throw Errors.unprocessable('records may not be empty');
  const entries = list.map((item) => asObject(item, 'a record'));
  if (SCHEMA_FORMATS.has(format)) {
    const schemaGiven = ['key_schema', 'key_schema_id', 'value_schema', 'value_schema_id'].some(
      (name) => body[name] !== undefined && body[name] !== null,
    );
    if (schemaGiven)
      throw Errors.invalidPayload(
        `Schema Registry must be configured when using schemas. ${NO_SCHEMA_REGISTRY}`,
      );
    if (entries.some((e) => e['key'] !== undefined && e['key'] !== null))
      throw Errors.keySchemaMissing(NO_SCHEMA_REGISTRY);
    throw Errors.valueSchemaMissing(NO_SCHEMA_REGISTRY);
  }
  return entries.map((entry) => {
    const explicit = field.integer(entry, 'partition');
    const record: ProduceRecord =
      format === 'binary'
        ? { key: decodeBinary(entry['key']), value: decodeBinary(entry['value']) }
        : { key: encodeJson(entry, 'key'), value: encodeJson(entry, 'value') };
    // A record's own partition wins over the path's, as in Confluent's produce actions.
    const target = explicit ?? partition;
    if (target !== undefined) record.partition = target;
    return record;
  });
}
