import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaLog } from '@sluice/log';
import { kafkaBootstrap, uniqueName, waitFor } from '@sluice/test-kit';
import { BINARY, consume, json, ProxyProcess, V2, type ProxyReply } from './helpers-rest-proxy.js';

interface Err {
  error_code: number;
  message: string;
}

/**
 * Two `sluice rest-proxy` processes on one Kafka cluster, as behind a load balancer: produce works on
 * either, a consumer instance lives where it was created and a request for it that reaches the other
 * instance is forwarded there; its consumer groups span both.
 */
describe('REST Proxy instances behind a load balancer (kafka)', () => {
  const registry = uniqueName('rp-registry');
  const topic = uniqueName('rp-cluster');
  let a: ProxyProcess;
  let b: ProxyProcess;
  let cluster: string;

  beforeAll(async () => {
    const properties = (id: string) => [
      `id=${id}`,
      'host.name=127.0.0.1',
      `sluice.consumer.registry.topic=${registry}`,
      'sluice.consumer.registry.replication.factor=1',
      'consumer.session.timeout.ms=6000',
      'consumer.heartbeat.interval.ms=1000',
    ];
    [a, b] = await Promise.all([
      ProxyProcess.start('standalone', 'kafka', properties('a')),
      ProxyProcess.start('standalone', 'kafka', properties('b')),
    ]);
    cluster = json<{ data: Array<{ cluster_id: string }> }>(await a.send('GET', '/v3/clusters')).data[0]!
      .cluster_id;
    const reply = await a.send('POST', `/v3/clusters/${cluster}/topics`, {
      headers: { 'content-type': 'application/json' },
      body: { topic_name: topic, partitions_count: 2 },
    });
    expect(reply.status, reply.text).toBe(201);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    const log = await KafkaLog.open({ brokers: kafkaBootstrap(), clientId: uniqueName('rp-cleanup') });
    for (const name of [topic, registry]) await log.deleteTopic(name).catch(() => undefined);
    await log.close();
  });

  const create = (proxy: ProxyProcess, group: string, body: Record<string, unknown>) =>
    proxy.send('POST', `/consumers/${group}`, { headers: { 'content-type': V2 }, body });

  it('produces on either instance', async () => {
    for (const proxy of [a, b]) {
      const reply = await proxy.send('POST', `/topics/${topic}/partitions/0`, {
        headers: { 'content-type': BINARY },
        body: { records: [{ value: Buffer.from(`from ${proxy.base}`).toString('base64') }] },
      });
      expect(reply.status, reply.text).toBe(200);
    }
  });

  it('forwards every request for an instance to the instance that owns it', async () => {
    const group = uniqueName('rp-forwarded');
    const created = await create(b, group, { name: 'c1', format: 'binary', 'auto.offset.reset': 'earliest' });
    expect(created.status, created.text).toBe(200);
    // Created through B: base_uri names B (host.name and B's port), and lives there.
    expect(json(created)).toEqual({
      instance_id: 'c1',
      base_uri: `${b.base}/consumers/${group}/instances/c1`,
    });
    const path = `/consumers/${group}/instances/c1`;
    // The same name through A is taken: the instance exists, on B.
    const again = await create(a, group, { name: 'c1' });
    expect(again.status).toBe(409);
    expect(json<Err>(again).error_code).toBe(40902);
    // Everything through A reaches B.
    const viaA = (method: string, suffix: string, body?: unknown, headers: Record<string, string> = {}) =>
      a.send(method, `${path}${suffix}`, { headers: { 'content-type': V2, ...headers }, body });
    expect((await viaA('POST', '/assignments', { partitions: [{ topic, partition: 0 }] })).status).toBe(204);
    expect(json(await viaA('GET', '/assignments'))).toEqual({ partitions: [{ topic, partition: 0 }] });
    const records = await consume<{ offset: number; value: string }>(a.base, path, BINARY, 2);
    expect(records.map((r) => r.offset)).toEqual([0, 1]);
    expect((await viaA('POST', '/offsets', { offsets: [{ topic, partition: 0, offset: 1 }] })).status).toBe(
      200,
    );
    const committed = await viaA('GET', '/offsets', { partitions: [{ topic, partition: 0 }] });
    expect(json(committed)).toEqual({ offsets: [{ topic, partition: 0, offset: 2, metadata: '' }] });
    const mismatch = await viaA('GET', '/records', undefined, {
      accept: 'application/vnd.kafka.json.v2+json',
    });
    expect(json<Err>(mismatch).error_code).toBe(40601);
    expect((await viaA('DELETE', '')).status).toBe(204);
    for (const proxy of [a, b]) {
      const gone = await proxy.send('GET', `${path}/assignments`);
      expect(json<Err>(gone).error_code).toBe(40403);
    }
  });

  it('makes consumers on both instances members of one group, each with a share of the partitions', async () => {
    const group = uniqueName('rp-shared');
    for (const [proxy, name] of [
      [a, 'on-a'],
      [b, 'on-b'],
    ] as const) {
      expect(
        (await create(proxy, group, { name, format: 'binary', 'auto.offset.reset': 'earliest' })).status,
      ).toBe(200);
      const sub = await proxy.send('POST', `/consumers/${group}/instances/${name}/subscription`, {
        headers: { 'content-type': V2 },
        body: { topics: [topic] },
      });
      expect(sub.status).toBe(204);
    }
    const assignments = await waitFor(
      'one partition for each member',
      async () => {
        const got = await Promise.all(
          ['on-a', 'on-b'].map(async (name) =>
            json<{ partitions: Array<{ partition: number }> }>(
              await a.send('GET', `/consumers/${group}/instances/${name}/assignments`),
            ).partitions.map((p) => p.partition),
          ),
        );
        return got.every((partitions) => partitions.length === 1) ? got : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(assignments.flat().sort()).toEqual([0, 1]);
    const members = json<{ data: Array<{ client_id: string }> }>(
      await b.send('GET', `/v3/clusters/${cluster}/consumer-groups/${group}/consumers`),
    );
    expect(members.data.map((m) => m.client_id).sort()).toEqual(['on-a', 'on-b']);
    for (const [proxy, name] of [
      [a, 'on-a'],
      [b, 'on-b'],
    ] as const) {
      expect((await proxy.send('DELETE', `/consumers/${group}/instances/${name}`)).status).toBe(204);
    }
  });

  it("answers 404 naming the owner's base_uri when the owner is gone, and frees the name", async () => {
    const group = uniqueName('rp-orphan');
    expect((await create(a, group, { name: 'lost' })).status).toBe(200);
    await a.stop('SIGKILL');
    const reply: ProxyReply = await b.send('GET', `/consumers/${group}/instances/lost/subscription`);
    expect(reply.status).toBe(404);
    expect(json<Err>(reply)).toMatchObject({
      error_code: 40403,
      message: expect.stringContaining(`${a.base}/consumers/${group}/instances/lost`),
    });
    const recreated = await create(b, group, { name: 'lost' });
    expect(recreated.status, recreated.text).toBe(200);
    expect((await b.send('GET', `/consumers/${group}/instances/lost/subscription`)).status).toBe(200);
    await b.send('DELETE', `/consumers/${group}/instances/lost`);
  });
});
