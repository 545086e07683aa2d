import type { Context, Hono } from 'hono';
import { SluiceError } from '@sluice/errors';
import { TOPIC_CONFIG_DEFAULTS, type ConfigChange, type GroupInfo, type PartitionInfo } from '@sluice/log';
import { decodeAssignment } from '@sluice/protocol';
import type { ProxyContext } from '../context.js';
import { Errors } from '../errors.js';
import { answer, asObject, field, intParam, noContent, optionalObject, requiredObject } from '../http.js';
import { baseUrl } from '../urls.js';
import {
  assignmentData,
  brokerConfigData,
  brokerData,
  clusterData,
  consumerData,
  consumerGroupData,
  lagData,
  lagSummaryData,
  partitionData,
  replicaData,
  topicConfigData,
  topicData,
  V3Links,
  type GroupConsumer,
  type Lag,
} from './resources.js';

const CLUSTER = '/v3/clusters/:cluster';

/** The links of an answer to this request, after checking that it names this cluster (404 otherwise). */
export function linksFor(c: Context, context: ProxyContext): V3Links {
  const cluster = c.req.param('cluster');
  if (cluster !== undefined && cluster !== context.clusterId) {
    throw Errors.notFound(`Cluster ${cluster} could not be found.`);
  }
  return new V3Links(baseUrl(context.config, new URL(c.req.url)), context.clusterId);
}

/** A topic's partitions, or v3's 404 for a topic that does not exist. */
async function partitionsOf(context: ProxyContext, topic: string): Promise<PartitionInfo[]> {
  try {
    return await context.log.describePartitions(topic);
  } catch (error) {
    if (
      SluiceError.is(error) &&
      (error.code === 'SLUICE_UNKNOWN_TOPIC_OR_PARTITION' || error.code === 'SLUICE_INVALID_TOPIC')
    ) {
      throw Errors.unknownTopicOrPartition();
    }
    throw error;
  }
}

/** A group's members as v3 shows them, with the partitions their consumer-protocol assignment gives. */
function consumersOf(group: GroupInfo): GroupConsumer[] {
  return group.members.map((member) => {
    let partitions: Array<{ topic: string; partition: number }> = [];
    if (group.protocolType === 'consumer' && member.assignment.byteLength > 0) {
      try {
        partitions = decodeAssignment(member.assignment).partitions;
      } catch {
        // A member of another protocol's bytes: no partitions to show.
      }
    }
    return {
      consumerId: member.memberId,
      instanceId: member.groupInstanceId,
      clientId: member.clientId,
      partitions,
    };
  });
}

/** API v3's clusters, brokers, configs, topics, partitions, replicas and consumer groups. */
export function mountV3Admin(app: Hono, context: ProxyContext): void {
  const { log } = context;

  const group = async (c: Context): Promise<GroupInfo> => {
    const groupId = c.req.param('group')!;
    const [found] = await context.groups.describeGroups([groupId]);
    if (found === undefined || found.state === 'Dead') {
      throw Errors.notFound(`Consumer Group ${groupId} could not be found.`);
    }
    return found;
  };

  const lagsOf = async (found: GroupInfo): Promise<Lag[]> => {
    const committed = await log.fetchGroupOffsets(found.groupId);
    const owners = new Map<string, GroupConsumer>();
    for (const consumer of consumersOf(found)) {
      for (const tp of consumer.partitions) owners.set(`${tp.topic}\u0000${tp.partition}`, consumer);
    }
    const ends = new Map<string, number>();
    for (const topic of new Set(committed.map((o) => o.topic))) {
      const offsets = await log.offsets(topic).catch(() => []);
      for (const range of offsets) ends.set(`${topic}\u0000${range.partition}`, range.end);
    }
    return committed.flatMap((offset) => {
      const k = `${offset.topic}\u0000${offset.partition}`;
      const end = ends.get(k);
      if (end === undefined) return [];
      return [
        {
          topic: offset.topic,
          partition: offset.partition,
          currentOffset: offset.offset,
          logEndOffset: end,
          consumer: owners.get(k),
        },
      ];
    });
  };

  app.get('/v3/clusters', async (c) => {
    const links = linksFor(c, context);
    const cluster = await log.describeCluster();
    return answer(
      c,
      links.list('KafkaClusterList', links.clusters(), [clusterData(links, cluster.controllerId)]),
    );
  });

  app.get(CLUSTER, async (c) => {
    const links = linksFor(c, context);
    return answer(c, clusterData(links, (await log.describeCluster()).controllerId));
  });

  // ---- brokers ----

  app.get(`${CLUSTER}/brokers`, async (c) => {
    const links = linksFor(c, context);
    const { brokers } = await log.describeCluster();
    return answer(
      c,
      links.list(
        'KafkaBrokerList',
        links.url('brokers'),
        brokers.map((b) => brokerData(links, b)),
      ),
    );
  });

  const broker = async (c: Context) => {
    const id = intParam(c.req.param('broker'));
    const found = (await log.describeCluster()).brokers.find((b) => b.id === id);
    if (found === undefined) throw Errors.notFound(`Broker ${id} could not be found.`);
    return found;
  };

  app.get(`${CLUSTER}/brokers/:broker`, async (c) => {
    const links = linksFor(c, context);
    return answer(c, brokerData(links, await broker(c)));
  });

  app.get(`${CLUSTER}/brokers/:broker/configs`, async (c) => {
    const links = linksFor(c, context);
    const { id } = await broker(c);
    const configs = await log.describeBrokerConfigs(id);
    return answer(
      c,
      links.list(
        'KafkaBrokerConfigList',
        links.url('brokers', id, 'configs'),
        configs.map((e) => brokerConfigData(links, id, e)),
      ),
    );
  });

  app.get(`${CLUSTER}/brokers/:broker/configs/:name`, async (c) => {
    const links = linksFor(c, context);
    const { id } = await broker(c);
    const name = c.req.param('name');
    const entry = (await log.describeBrokerConfigs(id)).find((e) => e.name === name);
    if (entry === undefined) throw Errors.notFound(`Config ${name} could not be found.`);
    return answer(c, brokerConfigData(links, id, entry));
  });

  app.get(`${CLUSTER}/brokers/:broker/partition-replicas`, async (c) => {
    const links = linksFor(c, context);
    const { id } = await broker(c);
    const data: unknown[] = [];
    for (const topic of await log.listTopics()) {
      for (const partition of await partitionsOf(context, topic).catch(() => [])) {
        if (partition.replicas.includes(id)) data.push(replicaData(links, topic, partition, id));
      }
    }
    return answer(c, links.list('KafkaReplicaList', links.url('brokers', id, 'partition-replicas'), data));
  });

  // ---- topics ----

  app.get(`${CLUSTER}/topics`, async (c) => {
    const links = linksFor(c, context);
    const data: unknown[] = [];
    for (const topic of await log.listTopics()) {
      const partitions = await log.describePartitions(topic).catch(() => undefined);
      if (partitions !== undefined) data.push(topicData(links, topic, partitions));
    }
    return answer(c, links.list('KafkaTopicList', links.url('topics'), data));
  });

  app.post(`${CLUSTER}/topics`, async (c) => {
    const links = linksFor(c, context);
    const body = await optionalObject(c);
    if (body === undefined) throw Errors.invalidPayload('Request body is empty. Data is required.');
    const name = field.string(body, 'topic_name');
    if (name === undefined) throw Errors.unprocessable('topic_name may not be null');
    const partitionsCount = field.integer(body, 'partitions_count', 1);
    const replicationFactor = field.integer(body, 'replication_factor', 1, 32767);
    const validateOnly = body['validate_only'] === true;
    const configs: Record<string, string> = {};
    for (const item of field.array(body, 'configs') ?? []) {
      const entry = asObject(item, 'an entry of configs');
      const configName = field.string(entry, 'name');
      const value = field.text(entry, 'value');
      if (configName === undefined) throw Errors.unprocessable('configs[].name may not be null');
      if (log.backend === 'embedded' && !(configName in TOPIC_CONFIG_DEFAULTS)) {
        throw Errors.kafkaBadRequest(`Unknown topic config name: ${configName}`);
      }
      if (value !== undefined) configs[configName] = value;
    }
    if (log.backend === 'embedded' && replicationFactor !== undefined && replicationFactor > 1) {
      throw Errors.kafkaBadRequest(
        `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ${replicationFactor} cannot be reached because only 1 broker(s) are registered.`,
      );
    }
    if (validateOnly) {
      if ((await log.describeTopic(name).catch(() => undefined)) !== undefined) {
        throw Errors.kafkaBadRequest(`Topic '${name}' already exists.`);
      }
    } else {
      await log.createTopic({
        name,
        ...(partitionsCount === undefined ? {} : { partitions: partitionsCount }),
        ...(replicationFactor === undefined ? {} : { replicationFactor }),
        configs,
      });
    }
    const partitions = validateOnly ? [] : await log.describePartitions(name);
    const data = topicData(links, name, partitions, replicationFactor ?? partitions[0]?.replicas.length ?? 0);
    return new Response(JSON.stringify(data), {
      status: validateOnly ? 200 : 201,
      headers: { 'content-type': 'application/json', location: links.url('topics', name) },
    });
  });

  app.get(`${CLUSTER}/topics/:topic`, async (c) => {
    const links = linksFor(c, context);
    const topic = c.req.param('topic');
    return answer(c, topicData(links, topic, await partitionsOf(context, topic)));
  });

  app.delete(`${CLUSTER}/topics/:topic`, async (c) => {
    linksFor(c, context);
    const topic = c.req.param('topic');
    await partitionsOf(context, topic);
    await log.deleteTopic(topic);
    context.topics.forget(topic);
    return noContent(c);
  });

  // ---- topic configs ----

  const topicConfigs = async (topic: string) => {
    try {
      return await log.describeTopicConfigs(topic);
    } catch (error) {
      if (SluiceError.is(error) && error.code === 'SLUICE_UNKNOWN_TOPIC_OR_PARTITION')
        throw Errors.unknownTopicOrPartition();
      throw error;
    }
  };

  app.get(`${CLUSTER}/topics/:topic/configs`, async (c) => {
    const links = linksFor(c, context);
    const topic = c.req.param('topic');
    const configs = await topicConfigs(topic);
    return answer(
      c,
      links.list(
        'KafkaTopicConfigList',
        links.url('topics', topic, 'configs'),
        configs.map((e) => topicConfigData(links, topic, e)),
      ),
    );
  });

  app.get(`${CLUSTER}/topics/:topic/configs/:name`, async (c) => {
    const links = linksFor(c, context);
    const topic = c.req.param('topic');
    const name = c.req.param('name');
    const entry = (await topicConfigs(topic)).find((e) => e.name === name);
    if (entry === undefined) throw Errors.notFound(`Config ${name} could not be found for topic ${topic}.`);
    return answer(c, topicConfigData(links, topic, entry));
  });

  const alter = async (c: Context, changes: ConfigChange[], validateOnly = false) => {
    linksFor(c, context);
    const topic = c.req.param('topic')!;
    const configs = await topicConfigs(topic);
    for (const change of changes) {
      if (!configs.some((e) => e.name === change.name)) {
        throw Errors.notFound(`Config ${change.name} could not be found for topic ${topic}.`);
      }
    }
    await log.alterTopicConfigs(topic, changes, { validateOnly });
    return noContent(c);
  };

  app.put(`${CLUSTER}/topics/:topic/configs/:name`, async (c) => {
    const body = await requiredObject(c);
    const value = field.text(body, 'value');
    // A null value resets the config, as Confluent's UpdateTopicConfigRequest with no value does.
    return alter(c, [{ name: c.req.param('name'), value: value ?? null }]);
  });

  app.delete(`${CLUSTER}/topics/:topic/configs/:name`, (c) =>
    alter(c, [{ name: c.req.param('name'), value: null }]),
  );

  app.post(`${CLUSTER}/topics/:topic/configs:alter`, async (c) => {
    const body = await requiredObject(c);
    const changes = (field.array(body, 'data') ?? []).map((item) => {
      const entry = asObject(item, 'an entry of data');
      const name = field.string(entry, 'name');
      if (name === undefined) throw Errors.unprocessable('data[].name may not be null');
      const operation = (field.string(entry, 'operation') ?? 'SET').toUpperCase();
      if (operation !== 'SET' && operation !== 'DELETE') {
        throw Errors.badRequest(`operation must be SET or DELETE, got ${operation}`);
      }
      return { name, value: operation === 'DELETE' ? null : (field.text(entry, 'value') ?? null) };
    });
    return alter(c, changes, body['validate_only'] === true);
  });

  // ---- partitions and replicas ----

  const partition = async (c: Context) => {
    const topic = c.req.param('topic')!;
    const id = intParam(c.req.param('partition'));
    const found = (await partitionsOf(context, topic)).find((p) => p.partition === id);
    if (found === undefined) throw Errors.unknownTopicOrPartition();
    return { topic, found };
  };

  app.get(`${CLUSTER}/topics/:topic/partitions`, async (c) => {
    const links = linksFor(c, context);
    const topic = c.req.param('topic');
    const partitions = await partitionsOf(context, topic);
    return answer(
      c,
      links.list(
        'KafkaPartitionList',
        links.url('topics', topic, 'partitions'),
        partitions.map((p) => partitionData(links, topic, p)),
      ),
    );
  });

  app.get(`${CLUSTER}/topics/:topic/partitions/:partition`, async (c) => {
    const links = linksFor(c, context);
    const { topic, found } = await partition(c);
    return answer(c, partitionData(links, topic, found));
  });

  app.get(`${CLUSTER}/topics/:topic/partitions/:partition/replicas`, async (c) => {
    const links = linksFor(c, context);
    const { topic, found } = await partition(c);
    return answer(
      c,
      links.list(
        'KafkaReplicaList',
        links.url('topics', topic, 'partitions', found.partition, 'replicas'),
        found.replicas.map((b) => replicaData(links, topic, found, b)),
      ),
    );
  });

  app.get(`${CLUSTER}/topics/:topic/partitions/:partition/replicas/:broker`, async (c) => {
    const links = linksFor(c, context);
    const { topic, found } = await partition(c);
    const id = intParam(c.req.param('broker'));
    if (!found.replicas.includes(id)) throw Errors.notFound(`Replica ${id} could not be found.`);
    return answer(c, replicaData(links, topic, found, id));
  });

  // ---- consumer groups ----

  app.get(`${CLUSTER}/consumer-groups`, async (c) => {
    const links = linksFor(c, context);
    const listed = (await context.groups.listGroups()).filter(
      (g) => g.protocolType === 'consumer' || g.protocolType === '',
    );
    const groups = await context.groups.describeGroups(listed.map((g) => g.groupId));
    return answer(
      c,
      links.list(
        'KafkaConsumerGroupList',
        links.url('consumer-groups'),
        groups.map((g) => consumerGroupData(links, g)),
      ),
    );
  });

  app.get(`${CLUSTER}/consumer-groups/:group`, async (c) => {
    const links = linksFor(c, context);
    return answer(c, consumerGroupData(links, await group(c)));
  });

  app.get(`${CLUSTER}/consumer-groups/:group/consumers`, async (c) => {
    const links = linksFor(c, context);
    const found = await group(c);
    return answer(
      c,
      links.list(
        'KafkaConsumerList',
        links.url('consumer-groups', found.groupId, 'consumers'),
        consumersOf(found).map((consumer) => consumerData(links, found.groupId, consumer)),
      ),
    );
  });

  const consumer = async (c: Context) => {
    const found = await group(c);
    const id = c.req.param('consumer');
    const member = consumersOf(found).find((m) => m.consumerId === id);
    if (member === undefined) throw Errors.notFound(`Consumer ${id} could not be found.`);
    return { found, member };
  };

  app.get(`${CLUSTER}/consumer-groups/:group/consumers/:consumer`, async (c) => {
    const links = linksFor(c, context);
    const { found, member } = await consumer(c);
    return answer(c, consumerData(links, found.groupId, member));
  });

  app.get(`${CLUSTER}/consumer-groups/:group/consumers/:consumer/assignments`, async (c) => {
    const links = linksFor(c, context);
    const { found, member } = await consumer(c);
    return answer(
      c,
      links.list(
        'KafkaConsumerAssignmentList',
        links.url('consumer-groups', found.groupId, 'consumers', member.consumerId, 'assignments'),
        member.partitions.map((tp) => assignmentData(links, found.groupId, member.consumerId, tp)),
      ),
    );
  });

  app.get(`${CLUSTER}/consumer-groups/:group/lags`, async (c) => {
    const links = linksFor(c, context);
    const found = await group(c);
    const lags = await lagsOf(found);
    if (lags.length === 0) throw Errors.notFound('Consumer lags not found.');
    return answer(
      c,
      links.list(
        'KafkaConsumerLagList',
        links.url('consumer-groups', found.groupId, 'lags'),
        lags.map((l) => lagData(links, found.groupId, l)),
      ),
    );
  });

  app.get(`${CLUSTER}/consumer-groups/:group/lags/:topic/partitions/:partition`, async (c) => {
    const links = linksFor(c, context);
    const found = await group(c);
    const topic = c.req.param('topic');
    const id = intParam(c.req.param('partition'));
    const lag = (await lagsOf(found)).find((l) => l.topic === topic && l.partition === id);
    if (lag === undefined) throw Errors.notFound(`Consumer lag for ${topic}-${id} could not be found.`);
    return answer(c, lagData(links, found.groupId, lag));
  });

  app.get(`${CLUSTER}/consumer-groups/:group/lag-summary`, async (c) => {
    const links = linksFor(c, context);
    const found = await group(c);
    const lags = await lagsOf(found);
    if (lags.length === 0) throw Errors.notFound('Consumer group offsets could not be found.');
    return answer(c, lagSummaryData(links, found.groupId, lags));
  });
}
