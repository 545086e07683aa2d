import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName, waitFor } from '@sluice/test-kit';
import type { Backend } from './helpers-rest.js';
import {
  BINARY,
  consume,
  json,
  JSON_V2,
  ProxyProcess,
  V2,
  type ProxyHost,
  type ProxyReply,
} from './helpers-rest-proxy.js';

interface Offsets {
  offsets: Array<{
    partition: number | null;
    offset: number | null;
    error_code: number | null;
    error: string | null;
  }>;
  key_schema_id: null;
  value_schema_id: null;
}
interface Err {
  error_code: number;
  message: string;
}
const b64 = (text: string) => Buffer.from(text).toString('base64');
const text = (value: string | null) => (value === null ? null : Buffer.from(value, 'base64').toString());

/** Expects a Confluent error answer. */
function expectError(reply: ProxyReply, status: number, code: number, message?: RegExp): void {
  expect({ status: reply.status, code: json<Err>(reply).error_code }, reply.text).toEqual({ status, code });
  if (message !== undefined) expect(json<Err>(reply).message).toMatch(message);
}

/** Streams `chunks` as one chunked request, a pause between them, and answers the report lines. */
function streamRecords(
  base: string,
  path: string,
  chunks: string[],
  pauseMs = 50,
): Promise<{ status: number; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const sent = request(
      base + path,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            lines: body.split('\r\n').filter((line) => line !== ''),
          }),
        );
        response.on('error', reject);
      },
    );
    sent.on('error', reject);
    void (async () => {
      for (const chunk of chunks) {
        sent.write(chunk);
        await new Promise((r) => setTimeout(r, pauseMs));
      }
      sent.end();
    })();
  });
}

const TARGETS: Array<[ProxyHost, Backend]> = [
  ['standalone', 'embedded'],
  ['worker', 'embedded'],
  ['standalone', 'kafka'],
  ['worker', 'kafka'],
];

describe.each(TARGETS)('REST Proxy API (%s, %s)', (host, backend) => {
  let proxy: ProxyProcess;
  let cluster: string;
  const topic = uniqueName('rp-topic');
  const group = uniqueName('rp-group');
  const created: string[] = [];
  const send = (
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: unknown } = {},
  ) => proxy.send(method, path, options);
  const v3 = (path = '') => `/v3/clusters/${cluster}${path}`;
  const instance = (name: string, g = group) => `/consumers/${g}/instances/${name}`;
  const newConsumer = async (name: string, body: Record<string, unknown> = {}, g = group) => {
    const reply = await send('POST', `/consumers/${g}`, {
      headers: { 'content-type': V2 },
      body: { name, ...body },
    });
    expect(reply.status, reply.text).toBe(200);
    return json<{ instance_id: string; base_uri: string }>(reply);
  };

  beforeAll(async () => {
    proxy = await ProxyProcess.start(host, backend, [
      'producer.max.request.size=65536',
      'consumer.session.timeout.ms=10000',
      'consumer.heartbeat.interval.ms=1000',
      'consumer.auto.commit.interval.ms=500',
    ]);
    cluster = json<{ data: Array<{ cluster_id: string }> }>(await send('GET', '/v3/clusters')).data[0]!
      .cluster_id;
    const reply = await send('POST', v3('/topics'), {
      headers: { 'content-type': 'application/json' },
      body: {
        topic_name: topic,
        partitions_count: 2,
        replication_factor: 1,
        configs: [{ name: 'retention.ms', value: '3600000' }],
      },
    });
    expect(reply.status, reply.text).toBe(201);
    created.push(topic);
  });
  afterAll(async () => {
    if (proxy !== undefined) {
      for (const name of created) await send('DELETE', v3(`/topics/${name}`)).catch(() => undefined);
      await proxy.close();
    }
  });

  describe('v3 metadata', () => {
    it('lists the cluster with its links, and 404s another cluster id', async () => {
      const list = json<{ kind: string; metadata: { self: string }; data: Array<Record<string, unknown>> }>(
        await send('GET', '/v3/clusters'),
      );
      expect(list.kind).toBe('KafkaClusterList');
      expect(list.metadata.self).toBe(`${proxy.base}/v3/clusters`);
      expect(list.data[0]).toMatchObject({
        kind: 'KafkaCluster',
        metadata: { self: `${proxy.base}${v3()}`, resource_name: `crn:///kafka=${cluster}` },
        cluster_id: cluster,
        brokers: { related: `${proxy.base}${v3('/brokers')}` },
        topics: { related: `${proxy.base}${v3('/topics')}` },
        consumer_groups: { related: `${proxy.base}${v3('/consumer-groups')}` },
      });
      const one = await send('GET', v3());
      expect(one.status).toBe(200);
      expect(one.headers['content-type']).toBe('application/json');
      expectError(
        await send('GET', '/v3/clusters/no-such-cluster/topics'),
        404,
        404,
        /Cluster no-such-cluster could not be found/,
      );
    });

    it('lists brokers and their configs', async () => {
      const brokers = json<{
        kind: string;
        data: Array<{ broker_id: number; kind: string; configs: { related: string } }>;
      }>(await send('GET', v3('/brokers')));
      expect(brokers.kind).toBe('KafkaBrokerList');
      const id = brokers.data[0]!.broker_id;
      expect(json(await send('GET', v3(`/brokers/${id}`)))).toMatchObject({
        kind: 'KafkaBroker',
        broker_id: id,
      });
      const configs = json<{ kind: string; data: Array<{ name: string; kind: string; source: string }> }>(
        await send('GET', v3(`/brokers/${id}/configs`)),
      );
      expect(configs.kind).toBe('KafkaBrokerConfigList');
      expect(configs.data.map((c) => c.name)).toContain('num.partitions');
      expect(json(await send('GET', v3(`/brokers/${id}/configs/num.partitions`)))).toMatchObject({
        kind: 'KafkaBrokerConfig',
        name: 'num.partitions',
        broker_id: id,
        value: expect.stringMatching(/^\d+$/),
      });
      expect((await send('GET', v3('/brokers/424242'))).status).toBe(404);
      expect((await send('GET', v3('/brokers/424242/configs'))).status).toBe(404);
      expect(json(await send('GET', '/brokers'))).toEqual({ brokers: brokers.data.map((b) => b.broker_id) });
    });

    it('gets, lists and describes topics with partitions and replicas', async () => {
      const topics = json<{ kind: string; data: Array<{ topic_name: string }> }>(
        await send('GET', v3('/topics')),
      );
      expect(topics.kind).toBe('KafkaTopicList');
      expect(topics.data.map((t) => t.topic_name)).toContain(topic);
      expect(json(await send('GET', v3(`/topics/${topic}`)))).toMatchObject({
        kind: 'KafkaTopic',
        metadata: {
          self: `${proxy.base}${v3(`/topics/${topic}`)}`,
          resource_name: `crn:///kafka=${cluster}/topic=${topic}`,
        },
        topic_name: topic,
        partitions_count: 2,
        replication_factor: 1,
        is_internal: false,
        partitions: { related: `${proxy.base}${v3(`/topics/${topic}/partitions`)}` },
        configs: { related: `${proxy.base}${v3(`/topics/${topic}/configs`)}` },
      });
      const partitions = json<{
        kind: string;
        data: Array<{ partition_id: number; leader: { related: string } }>;
      }>(await send('GET', v3(`/topics/${topic}/partitions`)));
      expect(partitions.kind).toBe('KafkaPartitionList');
      expect(partitions.data.map((p) => p.partition_id)).toEqual([0, 1]);
      const leader = json<{ kind: string; is_leader: boolean; broker_id: number }>(
        await send('GET', new URL(partitions.data[1]!.leader.related).pathname),
      );
      expect(leader).toMatchObject({ kind: 'KafkaReplica', is_leader: true });
      expect(json(await send('GET', v3(`/topics/${topic}/partitions/1`)))).toMatchObject({
        kind: 'KafkaPartition',
        partition_id: 1,
      });
      expect(
        json<{ data: unknown[] }>(await send('GET', v3(`/topics/${topic}/partitions/1/replicas`))).data,
      ).toHaveLength(1);
      expectError(await send('GET', v3(`/topics/${topic}/partitions/7`)), 404, 40403);
      expectError(await send('GET', v3('/topics/no-such-topic-here')), 404, 40403);
      expectError(await send('GET', v3('/topics/no-such-topic-here/partitions')), 404, 40403);
      // v2's view of the same.
      expect(json<string[]>(await send('GET', '/topics'))).toContain(topic);
      const v2 = json<{
        name: string;
        configs: Record<string, string>;
        partitions: Array<{ partition: number; leader: number; replicas: unknown[] }>;
      }>(await send('GET', `/topics/${topic}`));
      expect(v2).toMatchObject({
        name: topic,
        configs: { 'retention.ms': '3600000', 'cleanup.policy': 'delete' },
      });
      expect(v2.partitions.map((p) => p.partition)).toEqual([0, 1]);
      expect(v2.partitions[0]!.replicas[0]).toMatchObject({ leader: true, in_sync: true });
      expect(json(await send('GET', `/topics/${topic}/partitions/1`))).toMatchObject({ partition: 1 });
      expect(json<unknown[]>(await send('GET', `/topics/${topic}/partitions`))).toHaveLength(2);
      expectError(await send('GET', '/topics/no-such-topic-here'), 404, 40401, /Topic not found/);
      expectError(await send('GET', `/topics/${topic}/partitions/5`), 404, 40402, /Partition not found/);
      expectError(await send('GET', `/topics/${topic}/partitions/5/offsets`), 404, 40402);
    });

    it('creates and deletes topics, refusing one that exists or an invalid config', async () => {
      const name = uniqueName('rp-created');
      created.push(name);
      const reply = await send('POST', v3('/topics'), {
        headers: { 'content-type': 'application/json' },
        body: {
          topic_name: name,
          partitions_count: 3,
          configs: [{ name: 'cleanup.policy', value: 'compact' }],
        },
      });
      expect(reply.status, reply.text).toBe(201);
      expect(reply.headers['location']).toBe(`${proxy.base}${v3(`/topics/${name}`)}`);
      expect(json(reply)).toMatchObject({ kind: 'KafkaTopic', topic_name: name, partitions_count: 3 });
      const again = await send('POST', v3('/topics'), {
        headers: { 'content-type': 'application/json' },
        body: { topic_name: name },
      });
      expectError(again, 400, 40002, /already exists/);
      const invalidName = uniqueName('rp-invalid');
      const invalid = await send('POST', v3('/topics'), {
        headers: { 'content-type': 'application/json' },
        body: { topic_name: invalidName, configs: [{ name: 'no.such.config', value: 'x' }] },
      });
      expect(invalid.status, invalid.text).toBe(400);
      expect(json<Err>(invalid).error_code).toBe(40002);
      expectError(await send('GET', v3(`/topics/${invalidName}`)), 404, 40403); // refused: not created
      expectError(
        await send('POST', v3('/topics'), { headers: { 'content-type': 'application/json' }, body: {} }),
        422,
        422,
      );
      expectError(
        await send('POST', v3('/topics'), { headers: { 'content-type': 'application/json' } }),
        422,
        42206,
      );
      expect((await send('DELETE', v3(`/topics/${name}`))).status).toBe(204);
      expectError(await send('GET', v3(`/topics/${name}`)), 404, 40403);
      expectError(await send('DELETE', v3(`/topics/${name}`)), 404, 40403);
    });

    it('lists, updates, resets and batch-alters topic configs', async () => {
      const list = json<{
        kind: string;
        data: Array<{ name: string; value: string; is_default: boolean; source: string }>;
      }>(await send('GET', v3(`/topics/${topic}/configs`)));
      expect(list.kind).toBe('KafkaTopicConfigList');
      expect(list.data.find((c) => c.name === 'retention.ms')).toMatchObject({
        value: '3600000',
        is_default: false,
        source: 'DYNAMIC_TOPIC_CONFIG',
      });
      expect(list.data.find((c) => c.name === 'cleanup.policy')).toMatchObject({
        value: 'delete',
        is_default: true,
      });
      const config = (name: string) => send('GET', v3(`/topics/${topic}/configs/${name}`));
      expect(json(await config('retention.ms'))).toMatchObject({
        kind: 'KafkaTopicConfig',
        topic_name: topic,
        name: 'retention.ms',
        synonyms: expect.arrayContaining([expect.objectContaining({ source: 'DYNAMIC_TOPIC_CONFIG' })]),
      });
      const put = await send('PUT', v3(`/topics/${topic}/configs/segment.ms`), {
        headers: { 'content-type': 'application/json' },
        body: { value: '7200000' },
      });
      expect(put.status, put.text).toBe(204);
      expect(json(await config('segment.ms'))).toMatchObject({ value: '7200000', is_default: false });
      expect((await send('DELETE', v3(`/topics/${topic}/configs/segment.ms`))).status).toBe(204);
      expect(json(await config('segment.ms'))).toMatchObject({ is_default: true });
      const alter = await send('POST', v3(`/topics/${topic}/configs:alter`), {
        headers: { 'content-type': 'application/json' },
        body: {
          data: [
            { name: 'segment.ms', value: '3600001' },
            { name: 'retention.ms', operation: 'DELETE' },
          ],
        },
      });
      expect(alter.status, alter.text).toBe(204);
      expect(json(await config('segment.ms'))).toMatchObject({ value: '3600001' });
      expect(json(await config('retention.ms'))).toMatchObject({ is_default: true });
      // A batch with one bad entry changes nothing.
      const bad = await send('POST', v3(`/topics/${topic}/configs:alter`), {
        headers: { 'content-type': 'application/json' },
        body: {
          data: [
            { name: 'segment.ms', value: '5000000' },
            { name: 'no.such.config', value: '1' },
          ],
        },
      });
      expect(bad.status).toBe(404);
      expect(json(await config('segment.ms'))).toMatchObject({ value: '3600001' });
      expect((await config('no.such.config')).status).toBe(404);
      expectError(await send('GET', v3('/topics/no-such-topic-here/configs')), 404, 40403);
    });
  });

  describe('v2 produce', () => {
    it('produces binary records with keys and partitions, and JSON records, answering their offsets', async () => {
      const reply = await send('POST', `/topics/${topic}`, {
        headers: { 'content-type': BINARY },
        body: {
          records: [
            { key: b64('k1'), value: b64('v1'), partition: 0 },
            { value: b64('v2'), partition: 1 },
            { value: null, partition: 0 },
          ],
        },
      });
      expect(reply.status, reply.text).toBe(200);
      expect(reply.headers['content-type']).toBe(V2);
      const body = json<Offsets>(reply);
      expect(body).toMatchObject({ key_schema_id: null, value_schema_id: null });
      expect(body.offsets).toHaveLength(3);
      expect(body.offsets[1]).toMatchObject({ partition: 1, error_code: null, error: null });
      for (const entry of body.offsets) expect(entry.offset).toEqual(expect.any(Number));
      const toPartition = await send('POST', `/topics/${topic}/partitions/1`, {
        headers: { 'content-type': JSON_V2, accept: V2 },
        // As text: numbers keep the digits the client wrote (a double holds neither as written).
        body: '{"records": [{"value": {"n": 1.0, "big": 12345678901234567890}}, {"key": "k", "value": [1, 2]}]}',
      });
      expect(toPartition.status, toPartition.text).toBe(200);
      expect(json<Offsets>(toPartition).offsets.map((o) => o.partition)).toEqual([1, 1]);
      const offsets = json<{ beginning_offset: number; end_offset: number }>(
        await send('GET', `/topics/${topic}/partitions/1/offsets`),
      );
      expect(offsets).toEqual({ beginning_offset: 0, end_offset: 3 });
    });

    it('refuses, changing nothing: unknown topics and partitions, bad base64, wrong types, too large, schemas', async () => {
      const before = json<{ end_offset: number }>(
        await send('GET', `/topics/${topic}/partitions/0/offsets`),
      ).end_offset;
      const post = (path: string, type: string, body: unknown) =>
        send('POST', path, { headers: { 'content-type': type }, body });
      expectError(
        await post('/topics/no-such-topic-here', BINARY, { records: [{ value: b64('x') }] }),
        404,
        40401,
      );
      expectError(
        await post(`/topics/${topic}/partitions/9`, BINARY, { records: [{ value: b64('x') }] }),
        404,
        40402,
      );
      expectError(
        await post(`/topics/${topic}`, BINARY, {
          records: [
            { value: b64('x'), partition: 0 },
            { value: b64('y'), partition: 5 },
          ],
        }),
        404,
        40402,
      );
      expectError(
        await post(`/topics/${topic}`, BINARY, {
          records: [{ value: b64('x'), partition: 0 }, { value: 'not base64!' }],
        }),
        400,
        400,
        /base64/,
      );
      expectError(await post(`/topics/${topic}`, BINARY, { records: [] }), 422, 422);
      expectError(await post(`/topics/${topic}`, BINARY, '{"records": [{"value": '), 400, 400);
      expectError(
        await post(`/topics/${topic}`, V2, { records: [{ value: b64('x') }] }),
        415,
        415,
        /Unsupported Media Type/,
      );
      expectError(await post(`/topics/${topic}`, 'text/plain', 'hello'), 415, 415);
      expectError(
        await post(`/topics/${topic}`, 'application/vnd.kafka.avro.v2+json', {
          records: [{ value: { a: 1 } }],
        }),
        422,
        42202,
        /schema registry/i,
      );
      expectError(
        await post(`/topics/${topic}`, 'application/vnd.kafka.protobuf.v2+json', {
          records: [{ key: 1, value: 1 }],
        }),
        422,
        42201,
        /schema registry/i,
      );
      expectError(
        await post(`/topics/${topic}`, 'application/vnd.kafka.jsonschema.v2+json', {
          value_schema: '{}',
          records: [{ value: 1 }],
        }),
        422,
        42206,
        /Schema Registry must be configured/,
      );
      const large = { records: [{ value: b64('x'.repeat(70_000)) }] };
      expectError(await post(`/topics/${topic}`, BINARY, large), 413, 413);
      const notAcceptable = await send('POST', `/topics/${topic}`, {
        headers: { 'content-type': BINARY, accept: 'text/html' },
        body: { records: [{ value: b64('x') }] },
      });
      expectError(notAcceptable, 406, 406, /Not Acceptable/);
      const after = json<{ end_offset: number }>(
        await send('GET', `/topics/${topic}/partitions/0/offsets`),
      ).end_offset;
      expect(after).toBe(before);
      expect(
        (await send('GET', `/topics/${topic}`, { headers: { accept: 'application/json' } })).headers[
          'content-type'
        ],
      ).toBe('application/json');
      expectError(await send('GET', '/no/such/path'), 404, 404, /HTTP 404 Not Found/);
      expectError(await send('PUT', `/topics/${topic}`), 405, 405);
    });
  });

  // A record Kafka refuses. The embedded store has no record size limit to enforce; a retriable refusal
  // (50003) cannot be made on one broker (Kafka caps min.insync.replicas at the replication factor): the
  // unit tests of the log's and the proxy's error mapping cover it.
  if (backend === 'kafka') {
    it("reports Kafka's refusal of records per record (50002), producing none of the request's", async () => {
      const small = uniqueName('rp-small');
      const reply = await send('POST', v3('/topics'), {
        headers: { 'content-type': 'application/json' },
        body: {
          topic_name: small,
          partitions_count: 1,
          replication_factor: 1,
          configs: [{ name: 'max.message.bytes', value: '1000' }],
        },
      });
      expect(reply.status, reply.text).toBe(201);
      created.push(small);
      const produced = await send('POST', `/topics/${small}`, {
        headers: { 'content-type': BINARY },
        body: { records: [{ value: b64('x'.repeat(5000)) }, { value: b64('y') }] },
      });
      expect(produced.status, produced.text).toBe(200);
      const { offsets } = json<Offsets>(produced);
      expect(offsets.map((o) => [o.partition, o.offset, o.error_code])).toEqual([
        [null, null, 50002],
        [null, null, 50002],
      ]);
      expect(offsets[0]!.error).toMatch(/larger than/i);
      const stream = await streamRecords(proxy.base, v3(`/topics/${small}/records`), [
        JSON.stringify({ value: { type: 'STRING', data: 'z'.repeat(5000) } }),
      ]);
      expect(stream.lines.map((l) => (JSON.parse(l) as Err).error_code)).toEqual([50002]);
      const ends = json<{ end_offset: number }>(await send('GET', `/topics/${small}/partitions/0/offsets`));
      expect(ends.end_offset).toBe(0);
    });
  }

  describe('v2 consumers', () => {
    it('creates a JSON consumer, subscribes, reads with a matching Accept, commits and reads offsets', async () => {
      const jsonTopic = uniqueName('rp-json');
      created.push(jsonTopic);
      await send('POST', v3('/topics'), {
        headers: { 'content-type': 'application/json' },
        body: { topic_name: jsonTopic },
      });
      const produced = await send('POST', `/topics/${jsonTopic}`, {
        headers: { 'content-type': JSON_V2 },
        body: {
          records: [{ key: 'a', value: { foo: 'bar', n: 1.5 } }, { value: [1, 'two'] }, { value: null }],
        },
      });
      expect(produced.status, produced.text).toBe(200);
      const { instance_id, base_uri } = await newConsumer('json-1', {
        format: 'json',
        'auto.offset.reset': 'earliest',
        'auto.commit.enable': 'false',
        'fetch.min.bytes': 1,
        'consumer.request.timeout.ms': 2000,
      });
      expect(instance_id).toBe('json-1');
      expect(base_uri).toBe(`${proxy.base}${instance('json-1')}`);
      expectError(
        await send('POST', `/consumers/${group}`, {
          headers: { 'content-type': V2 },
          body: { name: 'json-1' },
        }),
        409,
        40902,
      );
      const sub = await send('POST', `${instance('json-1')}/subscription`, {
        headers: { 'content-type': V2 },
        body: { topics: [jsonTopic] },
      });
      expect(sub.status, sub.text).toBe(204);
      expect(json(await send('GET', `${instance('json-1')}/subscription`))).toEqual({ topics: [jsonTopic] });
      // Accept must name the instance's format (binary, v2's default, is not it).
      expectError(
        await send('GET', `${instance('json-1')}/records`, { headers: { accept: BINARY } }),
        406,
        40601,
      );
      expectError(
        await send('GET', `${instance('json-1')}/records`, { headers: { accept: V2 } }),
        406,
        40601,
      );
      expectError(
        await send('GET', `${instance('json-1')}/records`, { headers: { accept: 'text/csv' } }),
        406,
        406,
      );
      const records = await consume<{
        topic: string;
        key: unknown;
        value: unknown;
        partition: number;
        offset: number;
      }>(proxy.base, instance('json-1'), JSON_V2, 3);
      expect(records).toEqual([
        { topic: jsonTopic, key: 'a', value: { foo: 'bar', n: 1.5 }, partition: 0, offset: 0 },
        { topic: jsonTopic, key: null, value: [1, 'two'], partition: 0, offset: 1 },
        { topic: jsonTopic, key: null, value: null, partition: 0, offset: 2 },
      ]);
      const assignment = json<{ partitions: unknown[] }>(
        await send('GET', `${instance('json-1')}/assignments`),
      );
      expect(assignment).toEqual({ partitions: [{ topic: jsonTopic, partition: 0 }] });
      // Nothing committed yet; then commit offset 1 (Confluent commits offset + 1).
      const committedBody = { partitions: [{ topic: jsonTopic, partition: 0 }] };
      expect(
        json(
          await send('GET', `${instance('json-1')}/offsets`, {
            headers: { 'content-type': V2 },
            body: committedBody,
          }),
        ),
      ).toEqual({ offsets: [] });
      const commit = await send('POST', `${instance('json-1')}/offsets`, {
        headers: { 'content-type': V2 },
        body: { offsets: [{ topic: jsonTopic, partition: 0, offset: 1 }] },
      });
      expect(commit.status, commit.text).toBe(200);
      expect(json(commit)).toEqual([]);
      expect(
        json(
          await send('GET', `${instance('json-1')}/offsets`, {
            headers: { 'content-type': V2 },
            body: committedBody,
          }),
        ),
      ).toEqual({
        offsets: [{ topic: jsonTopic, partition: 0, offset: 2, metadata: '' }],
      });
      expectError(await send('GET', `${instance('json-1')}/offsets`), 404, 40402);
      // Commit of everything consumed.
      expect(
        (await send('POST', `${instance('json-1')}/offsets`, { headers: { 'content-type': V2 } })).status,
      ).toBe(200);
      expect(
        json(
          await send('GET', `${instance('json-1')}/offsets`, {
            headers: { 'content-type': V2 },
            body: committedBody,
          }),
        ),
      ).toMatchObject({
        offsets: [{ offset: 3 }],
      });
      // v3 sees the group, its member (client id = the instance's name), its assignment and its lag.
      const groupData = json<Record<string, unknown>>(await send('GET', v3(`/consumer-groups/${group}`)));
      expect(groupData).toMatchObject({
        kind: 'KafkaConsumerGroup',
        consumer_group_id: group,
        state: 'STABLE',
        partition_assignor: 'range',
        is_simple: false,
      });
      const consumers = json<{ data: Array<{ consumer_id: string; client_id: string }> }>(
        await send('GET', v3(`/consumer-groups/${group}/consumers`)),
      );
      const member = consumers.data.find((m) => m.client_id === 'json-1');
      expect(member).toBeDefined();
      expect(
        json(await send('GET', v3(`/consumer-groups/${group}/consumers/${member!.consumer_id}`))),
      ).toMatchObject({ kind: 'KafkaConsumer', client_id: 'json-1' });
      const assignments = json<{ data: Array<Record<string, unknown>> }>(
        await send('GET', v3(`/consumer-groups/${group}/consumers/${member!.consumer_id}/assignments`)),
      );
      expect(assignments.data).toEqual([
        expect.objectContaining({ kind: 'KafkaConsumerAssignment', topic_name: jsonTopic, partition_id: 0 }),
      ]);
      const lags = json<{ kind: string; data: Array<Record<string, unknown>> }>(
        await send('GET', v3(`/consumer-groups/${group}/lags`)),
      );
      expect(lags.kind).toBe('KafkaConsumerLagList');
      expect(lags.data).toEqual([
        expect.objectContaining({
          topic_name: jsonTopic,
          partition_id: 0,
          current_offset: 3,
          log_end_offset: 3,
          lag: 0,
          client_id: 'json-1',
        }),
      ]);
      expect(
        json(await send('GET', v3(`/consumer-groups/${group}/lags/${jsonTopic}/partitions/0`))),
      ).toMatchObject({ kind: 'KafkaConsumerLag', lag: 0 });
      await send('POST', `/topics/${jsonTopic}`, {
        headers: { 'content-type': JSON_V2 },
        body: { records: [{ value: 1 }, { value: 2 }] },
      });
      expect(json(await send('GET', v3(`/consumer-groups/${group}/lag-summary`)))).toMatchObject({
        kind: 'KafkaConsumerGroupLagSummary',
        max_lag: 2,
        total_lag: 2,
        max_lag_topic_name: jsonTopic,
        max_lag_client_id: 'json-1',
      });
      const groups = json<{ data: Array<{ consumer_group_id: string }> }>(
        await send('GET', v3('/consumer-groups')),
      );
      expect(groups.data.map((g) => g.consumer_group_id)).toContain(group);
      expect((await send('GET', v3('/consumer-groups/no-such-group-here'))).status).toBe(404);
      expect((await send('DELETE', instance('json-1'))).status).toBe(204);
      expectError(
        await send('GET', `${instance('json-1')}/records`, { headers: { accept: JSON_V2 } }),
        404,
        40403,
        /Consumer instance not found/,
      );
    });

    it('seeks, assigns manually, refuses illegal states, and reads within max_bytes', async () => {
      const name = 'binary-1';
      const g = uniqueName('rp-manual');
      await newConsumer(
        name,
        { format: 'binary', 'auto.offset.reset': 'earliest', 'consumer.request.timeout.ms': 500 },
        g,
      );
      const path = instance(name, g);
      const post = (suffix: string, body: unknown) =>
        send('POST', `${path}${suffix}`, { headers: { 'content-type': V2 }, body });
      expectError(
        await post('/positions', { offsets: [{ topic, partition: 0, offset: 0 }] }),
        409,
        40903,
        /No current assignment for partition/,
      );
      expect(
        (
          await post('/assignments', {
            partitions: [
              { topic, partition: 0 },
              { topic, partition: 1 },
            ],
          })
        ).status,
      ).toBe(204);
      expect(json(await send('GET', `${path}/assignments`))).toEqual({
        partitions: [
          { topic, partition: 0 },
          { topic, partition: 1 },
        ],
      });
      expectError(await post('/subscription', { topics: [topic] }), 409, 40903, /mutually exclusive/);
      expect((await post('/positions', { offsets: [{ topic, partition: 1, offset: 1 }] })).status).toBe(204);
      expect((await post('/positions/end', { partitions: [{ topic, partition: 0 }] })).status).toBe(204);
      const fromOne = await consume<{ partition: number; offset: number; value: string }>(
        proxy.base,
        path,
        BINARY,
        2,
      );
      expect(fromOne.map((r) => [r.partition, r.offset])).toEqual([
        [1, 1],
        [1, 2],
      ]);
      expect(text(fromOne[0]!.value)).toBe('{"n":1.0,"big":12345678901234567890}');
      expect((await post('/positions/beginning', { partitions: [{ topic, partition: 1 }] })).status).toBe(
        204,
      );
      // max_bytes: the first record (2 bytes) fits, the next would pass the limit.
      const limited = json<Array<{ offset: number; value: string }>>(
        await send('GET', `${path}/records?max_bytes=3`, { headers: { accept: BINARY } }),
      );
      expect(limited.map((r) => [r.offset, text(r.value)])).toEqual([[0, 'v2']]);
      expectError(
        await send('GET', `${path}/records?timeout=abc`, { headers: { accept: BINARY } }),
        404,
        404,
      );
      // A seek by time: the first record at or after a time before everything is offset 0.
      expect(
        (
          await post('/positions', {
            timestamps: [{ topic, partition: 1, timestamp: '2000-01-01T00:00:00Z' }],
          })
        ).status,
      ).toBe(204);
      const again = json<Array<{ offset: number }>>(
        await send('GET', `${path}/records`, { headers: { accept: BINARY } }),
      );
      expect(again[0]?.offset).toBe(0);
      expect((await send('DELETE', path)).status).toBe(204);
      expectError(await send('DELETE', path), 404, 40403);
    });

    it('subscribes to a pattern, unsubscribes, and checks consumer settings', async () => {
      const g = uniqueName('rp-pattern');
      await newConsumer('pattern-1', { format: 'binary' }, g);
      const path = instance('pattern-1', g);
      const sub = await send('POST', `${path}/subscription`, {
        headers: { 'content-type': V2 },
        body: { topic_pattern: `${topic.replace(/-/g, '.')}` },
      });
      expect(sub.status, sub.text).toBe(204);
      expect(json(await send('GET', `${path}/subscription`))).toEqual({ topics: [topic] });
      await waitFor("the pattern consumer's assignment", async () => {
        const reply = json<{ partitions: unknown[] }>(await send('GET', `${path}/assignments`));
        return reply.partitions.length === 2 ? true : undefined;
      });
      expect((await send('DELETE', `${path}/subscription`)).status).toBe(204);
      expect(json(await send('GET', `${path}/subscription`))).toEqual({ topics: [] });
      expect(json(await send('GET', `${path}/assignments`))).toEqual({ partitions: [] });
      await send('DELETE', path);
      const create = (body: unknown) =>
        send('POST', `/consumers/${g}`, { headers: { 'content-type': V2 }, body });
      expectError(await create({ format: 'avro' }), 422, 42204, /schema registry/i);
      expectError(await create({ format: 'jsonschema' }), 422, 42204);
      expectError(await create({ format: 'xml' }), 422, 422);
      expectError(await create({ 'auto.offset.reset': 'sometimes' }), 422, 42204, /auto.offset.reset/);
      expectError(await create({ 'fetch.min.bytes': 20_000_000 }), 422, 40001);
      const generated = json<{ instance_id: string }>(await create({}));
      expect(generated.instance_id).toMatch(/^rest-consumer-/);
      await send('DELETE', instance(generated.instance_id, g));
      expectError(
        await send('POST', `${instance('nobody', g)}/subscription`, {
          headers: { 'content-type': V2 },
          body: { topics: [topic] },
        }),
        404,
        40403,
      );
    });
  });

  describe('v3 records', () => {
    it('produces one record and answers its delivery report', async () => {
      const reply = await send('POST', v3(`/topics/${topic}/records`), {
        headers: { 'content-type': 'application/json' },
        body: {
          partition_id: 1,
          headers: [{ name: 'h', value: b64('hv') }],
          key: { type: 'STRING', data: 'key' },
          value: { type: 'JSON', data: { a: 1 } },
          timestamp: '2024-01-02T03:04:05Z',
        },
      });
      expect(reply.status, reply.text).toBe(200);
      const report = json<Record<string, unknown>>(reply);
      expect(report).toEqual({
        error_code: 200,
        cluster_id: cluster,
        topic_name: topic,
        partition_id: 1,
        offset: expect.any(Number),
        timestamp: '2024-01-02T03:04:05Z',
        key: { type: 'STRING', size: 3 },
        value: { type: 'JSON', size: 7 },
      });
    });

    it('streams records in one chunked request, one report per record in order, errors in place', async () => {
      const records = [
        { value: { type: 'BINARY', data: b64('one') } },
        { value: { type: 'JSON', data: 2 }, partition_id: 0 },
        { value: { type: 'AVRO', data: 3 } },
        { value: { type: 'BINARY', data: b64('four') }, partition_id: 9 },
        { value: { type: 'STRING', data: 'five' }, key: { type: 'BINARY', data: b64('k') } },
      ];
      // Split mid-object: chunk boundaries do not matter.
      const body = records.map((r) => JSON.stringify(r)).join('\n');
      const chunks = [body.slice(0, 30), body.slice(30, 100), body.slice(100)];
      const { status, lines } = await streamRecords(proxy.base, v3(`/topics/${topic}/records`), chunks);
      expect(status).toBe(200);
      const reports = lines.map(
        (line) =>
          JSON.parse(line) as {
            error_code: number;
            offset?: number;
            partition_id?: number;
            message?: string;
          },
      );
      expect(reports.map((r) => r.error_code)).toEqual([200, 200, 42206, 40402, 200]);
      expect(reports[1]!.partition_id).toBe(0);
      expect(reports[2]!.message).toMatch(/Schema Registry must be configured/);
      // The stream's records are readable, in order.
      const g = uniqueName('rp-stream');
      await newConsumer(
        'reader',
        { format: 'binary', 'auto.offset.reset': 'earliest', 'consumer.request.timeout.ms': 500 },
        g,
      );
      await send('POST', `${instance('reader', g)}/assignments`, {
        headers: { 'content-type': V2 },
        body: { partitions: [{ topic, partition: reports[0]!.partition_id! }] },
      });
      await send('POST', `${instance('reader', g)}/positions`, {
        headers: { 'content-type': V2 },
        body: { offsets: [{ topic, partition: reports[0]!.partition_id!, offset: reports[0]!.offset! }] },
      });
      const [first] = await consume<{ value: string }>(proxy.base, instance('reader', g), BINARY, 1);
      expect(text(first!.value)).toBe('one');
      await send('DELETE', instance('reader', g));
    });

    it('stores every streamed record exactly as sent: keys, headers, odd and empty values, two partitions', async () => {
      const count = 1500;
      const expected: Array<{ key: string | null; value: string; partition: number | undefined }> = [];
      const objects: string[] = [];
      for (let i = 0; i < count; i++) {
        const length = i % 11 === 0 ? 0 : (i * 13) % 251;
        const bytes = Buffer.from(Array.from({ length }, (_, k) => (i * 7 + k * 31) & 0xff));
        // Padded, and unpadded for some: both are taken.
        const data = i % 4 === 1 ? bytes.toString('base64').replace(/=+$/, '') : bytes.toString('base64');
        const key = i % 3 === 0 ? Buffer.from(`key-${i % 10}`) : null;
        const partition = i % 2 === 0 ? (i / 2) % 2 : undefined;
        const record: Record<string, unknown> = { value: { type: 'BINARY', data } };
        if (partition !== undefined) record['partition_id'] = partition;
        if (key !== null) record['key'] = { type: 'BINARY', data: key.toString('base64') };
        if (i % 50 === 0) record['headers'] = [{ name: 'n', value: b64(String(i)) }];
        // Most in the compact shape binary producers send, some spaced out (the general parser's).
        objects.push(i % 7 === 0 ? JSON.stringify(record, null, 1) : JSON.stringify(record));
        expected.push({ key: key?.toString('base64') ?? null, value: bytes.toString('base64'), partition });
      }
      const body = objects.join('\n');
      const chunks: string[] = [];
      for (let at = 0; at < body.length; at += 4093) chunks.push(body.slice(at, at + 4093));
      const { status, lines } = await streamRecords(proxy.base, v3(`/topics/${topic}/records`), chunks, 1);
      expect(status).toBe(200);
      const reports = lines.map(
        (line) => JSON.parse(line) as { error_code: number; partition_id: number; offset: number },
      );
      expect(reports).toHaveLength(count);
      expect(reports.filter((r) => r.error_code !== 200)).toEqual([]);
      const keyPartitions = new Map<string, number>();
      const byPosition = new Map<string, { key: string | null; value: string }>();
      reports.forEach((report, index) => {
        const sent = expected[index]!;
        if (sent.partition !== undefined) expect(report.partition_id).toBe(sent.partition);
        else if (sent.key !== null) {
          // A key always goes to the same partition.
          expect(report.partition_id).toBe(keyPartitions.get(sent.key) ?? report.partition_id);
          keyPartitions.set(sent.key, report.partition_id);
        }
        byPosition.set(`${report.partition_id}@${report.offset}`, { key: sent.key, value: sent.value });
      });
      // Every report names its own offset, and a partition's records are in the order they were sent.
      expect(byPosition.size).toBe(count);
      for (const partition of [0, 1]) {
        const offsets = reports.filter((r) => r.partition_id === partition).map((r) => r.offset);
        expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      }
      const g = uniqueName('rp-exact');
      await newConsumer('reader', { format: 'binary', 'consumer.request.timeout.ms': 500 }, g);
      await send('POST', `${instance('reader', g)}/assignments`, {
        headers: { 'content-type': V2 },
        body: { partitions: [0, 1].map((partition) => ({ topic, partition })) },
      });
      await send('POST', `${instance('reader', g)}/positions`, {
        headers: { 'content-type': V2 },
        body: {
          offsets: [0, 1].map((partition) => ({
            topic,
            partition,
            offset: Math.min(...reports.filter((r) => r.partition_id === partition).map((r) => r.offset)),
          })),
        },
      });
      const read = await consume<{ partition: number; offset: number; key: string | null; value: string }>(
        proxy.base,
        instance('reader', g),
        BINARY,
        count,
      );
      const stored = new Map(
        read.map((r) => [`${r.partition}@${r.offset}`, { key: r.key, value: r.value ?? '' }]),
      );
      expect(stored).toEqual(byPosition);
      await send('DELETE', instance('reader', g));
    });

    it("keeps JSON data's numbers as the client wrote them, a type spelt with escapes too", async () => {
      // As text: 1.0 and 2.50 would lose their digits as doubles; \u004a is "J".
      const { lines } = await streamRecords(proxy.base, v3(`/topics/${topic}/records`), [
        '{"partition_id": 0, "value": {"type": "JSON", "data": {"n": 1.0, "big": 12345678901234567890}}}',
        '{"partition_id": 0, "value": {"type": "\\u004aSON", "data": 2.50}}',
      ]);
      const reports = lines.map((line) => JSON.parse(line) as { error_code: number; offset: number });
      expect(reports.map((r) => r.error_code)).toEqual([200, 200]);
      const g = uniqueName('rp-numbers');
      await newConsumer('reader', { format: 'binary', 'consumer.request.timeout.ms': 500 }, g);
      await send('POST', `${instance('reader', g)}/assignments`, {
        headers: { 'content-type': V2 },
        body: { partitions: [{ topic, partition: 0 }] },
      });
      await send('POST', `${instance('reader', g)}/positions`, {
        headers: { 'content-type': V2 },
        body: { offsets: [{ topic, partition: 0, offset: reports[0]!.offset }] },
      });
      const read = await consume<{ value: string }>(proxy.base, instance('reader', g), BINARY, 2);
      expect(read.slice(0, 2).map((r) => text(r.value))).toEqual([
        '{"n":1.0,"big":12345678901234567890}',
        '2.50',
      ]);
      await send('DELETE', instance('reader', g));
    });

    it('ends a stream at bytes that are not JSON, and refuses what cannot start one', async () => {
      const { status, lines } = await streamRecords(proxy.base, v3(`/topics/${topic}/records`), [
        '{"value":{"type":"JSON","data":1}}',
        ' nonsense {"value":{"type":"JSON","data":2}}',
      ]);
      expect(status).toBe(200);
      expect(lines.map((l) => (JSON.parse(l) as Err).error_code)).toEqual([200, 400]);
      // In one chunk with the bytes that end the stream: the records before them are produced and reported.
      const same = await streamRecords(proxy.base, v3(`/topics/${topic}/records`), [
        '{"value":{"type":"JSON","data":3}}{"partition_id":0,"value":{"type":"BINARY","data":"AAE="}} nonsense',
      ]);
      expect(same.lines.map((l) => (JSON.parse(l) as Err).error_code)).toEqual([200, 200, 400]);
      const big = await streamRecords(proxy.base, v3(`/topics/${topic}/records`), [
        JSON.stringify({ value: { type: 'STRING', data: 'x'.repeat(70_000) } }),
      ]);
      expect(big.lines.map((l) => (JSON.parse(l) as Err).error_code)).toEqual([413]);
      const records = v3(`/topics/${topic}/records`);
      expectError(
        await send('POST', records, { headers: { 'content-type': 'application/json' } }),
        422,
        42206,
        /Request body is empty/,
      );
      expectError(
        await send('POST', v3('/topics/no-such-topic-here/records'), {
          headers: { 'content-type': 'application/json' },
          body: { value: { type: 'JSON', data: 1 } },
        }),
        404,
        40403,
      );
      expectError(
        await send('POST', records, { headers: { 'content-type': 'text/plain' }, body: 'x' }),
        415,
        415,
      );
    });
  });
});
