import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaLog } from '@sluice/log';
import { kafkaBootstrap, uniqueName, waitFor } from '@sluice/test-kit';
import type { Backend } from './helpers-rest.js';
import { BINARY, consume, json, ProxyProcess, V2 } from './helpers-rest-proxy.js';

/** Idle consumer instances expire after `consumer.instance.timeout.ms`: they commit (auto commit) and leave. */
describe.each<Backend>(['embedded', 'kafka'])('REST Proxy consumer instance expiry (%s)', (backend) => {
  let proxy: ProxyProcess;
  let cluster: string;
  const topic = uniqueName('rp-expiry');

  beforeAll(async () => {
    proxy = await ProxyProcess.start('standalone', backend, [
      'consumer.instance.timeout.ms=2500',
      'consumer.session.timeout.ms=6000',
      'consumer.heartbeat.interval.ms=1000',
      'consumer.auto.commit.interval.ms=60000',
    ]);
    cluster = json<{ data: Array<{ cluster_id: string }> }>(await proxy.send('GET', '/v3/clusters')).data[0]!
      .cluster_id;
    await proxy.send('POST', `/v3/clusters/${cluster}/topics`, {
      headers: { 'content-type': 'application/json' },
      body: { topic_name: topic },
    });
  });
  afterAll(async () => {
    await proxy?.send('DELETE', `/v3/clusters/${cluster}/topics/${topic}`).catch(() => undefined);
    await proxy?.close();
  });

  it('keeps an instance in use, and deletes one left idle, committing its position and leaving its group', async () => {
    const group = uniqueName('rp-expiring');
    const path = (name: string) => `/consumers/${group}/instances/${name}`;
    for (const name of ['busy', 'idle']) {
      const reply = await proxy.send('POST', `/consumers/${group}`, {
        headers: { 'content-type': V2 },
        body: { name, format: 'binary', 'auto.offset.reset': 'earliest', 'fetch.min.bytes': 1 },
      });
      expect(reply.status, reply.text).toBe(200);
    }
    await proxy.send('POST', `/topics/${topic}`, {
      headers: { 'content-type': BINARY },
      body: { records: [{ value: 'YQ==' }, { value: 'Yg==' }] },
    });
    await proxy.send('POST', `${path('idle')}/subscription`, {
      headers: { 'content-type': V2 },
      body: { topics: [topic] },
    });
    expect(await consume(proxy.base, path('idle'), BINARY, 2)).toHaveLength(2);
    // `busy` is used every second for longer than the timeout; `idle` not at all.
    const started = Date.now();
    while (Date.now() - started < 4_000) {
      expect((await proxy.send('GET', `${path('busy')}/subscription`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const gone = await proxy.send('GET', `${path('idle')}/subscription`);
    expect(gone.status).toBe(404);
    expect(json(gone)).toMatchObject({ error_code: 40403 });
    // On closing, auto commit wrote the position, and the member left (the group is empty).
    const committed = await waitFor('the expired consumer group to be empty', async () => {
      const described = json<{ state: string }>(
        await proxy.send('GET', `/v3/clusters/${cluster}/consumer-groups/${group}`),
      );
      return described.state === 'EMPTY' ? described : undefined;
    });
    expect(committed.state).toBe('EMPTY');
    const lags = json<{ data: Array<{ current_offset: number }> }>(
      await proxy.send('GET', `/v3/clusters/${cluster}/consumer-groups/${group}/lags`),
    );
    expect(lags.data.map((l) => l.current_offset)).toEqual([2]);
    await proxy.send('DELETE', path('busy'));
  });
});

describe('REST Proxy in a worker that stops (kafka)', () => {
  it('deletes its consumer instances on SIGTERM: they leave their groups at once', async () => {
    const proxy = await ProxyProcess.start('worker', 'kafka', ['consumer.session.timeout.ms=60000']);
    const log = await KafkaLog.open({ brokers: kafkaBootstrap(), clientId: uniqueName('rp-observer') });
    const topic = uniqueName('rp-stopping');
    const group = uniqueName('rp-stopping');
    try {
      await log.createTopic({ name: topic });
      await proxy.send('POST', `/consumers/${group}`, {
        headers: { 'content-type': V2 },
        body: { name: 'c' },
      });
      await proxy.send('POST', `/consumers/${group}/instances/c/subscription`, {
        headers: { 'content-type': V2 },
        body: { topics: [topic] },
      });
      await waitFor('the member to join', async () => {
        const [described] = await log.describeGroups([group]);
        return described?.state === 'Stable' ? true : undefined;
      });
      await proxy.stop('SIGTERM');
      // The session timeout is a minute: an empty group now means the member left, not that it expired.
      // (A group without members or offsets is gone at once: Dead.)
      const [after] = await log.describeGroups([group]);
      expect(after?.members).toEqual([]);
      expect(['Empty', 'Dead']).toContain(after?.state);
    } finally {
      await log.deleteTopic(topic).catch(() => undefined);
      await log.close();
      await proxy.close();
    }
  });
});
