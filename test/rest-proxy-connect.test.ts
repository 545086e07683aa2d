import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '@sluice/test-kit';
import type { Backend } from './helpers-rest.js';
import { BINARY, consume, json, JSON_V2, ProxyProcess, V2 } from './helpers-rest-proxy.js';

const STRING_CONVERTER = 'org.apache.kafka.connect.storage.StringConverter';

interface Status {
  connector: { state: string };
  tasks: Array<{ state: string; trace?: string }>;
}
const running = (s: Status) =>
  s.connector.state === 'RUNNING' && s.tasks.length > 0 && s.tasks.every((t) => t.state === 'RUNNING');

describe.each<Backend>(['embedded', 'kafka'])('REST Proxy and Connect in one worker (%s)', (backend) => {
  let proxy: ProxyProcess;
  let cluster: string;
  const created: string[] = [];

  beforeAll(async () => {
    proxy = await ProxyProcess.start('worker', backend);
    cluster = json<{ data: Array<{ cluster_id: string }> }>(await proxy.send('GET', '/v3/clusters')).data[0]!
      .cluster_id;
  });
  afterAll(async () => {
    if (proxy === undefined) return;
    for (const topic of created)
      await proxy.send('DELETE', `/v3/clusters/${cluster}/topics/${topic}`).catch(() => undefined);
    await proxy.close();
  });

  const createTopic = async (partitions = 1) => {
    const topic = uniqueName('rp-connect');
    const reply = await proxy.send('POST', `/v3/clusters/${cluster}/topics`, {
      headers: { 'content-type': 'application/json' },
      body: { topic_name: topic, partitions_count: partitions },
    });
    expect(reply.status, reply.text).toBe(201);
    created.push(topic);
    return topic;
  };

  it('delivers records produced over HTTP (v2 and v3) to a FileStreamSink', async () => {
    const worker = proxy.worker!;
    const topic = await createTopic();
    const output = join(worker.dir, 'sink-output.txt');
    const sink = uniqueName('rp-sink');
    const put = await worker.call('PUT', `/connectors/${sink}/config`, {
      'connector.class': 'FileStreamSink',
      file: output,
      topics: topic,
      'value.converter': STRING_CONVERTER,
      'key.converter': STRING_CONVERTER,
    });
    expect(put.status).toBe(201);
    await worker.until<Status>(`/connectors/${sink}/status`, running);
    const v2 = await proxy.send('POST', `/topics/${topic}`, {
      headers: { 'content-type': BINARY },
      body: {
        records: ['first line', 'second line'].map((line) => ({
          value: Buffer.from(line).toString('base64'),
        })),
      },
    });
    expect(v2.status, v2.text).toBe(200);
    const v3 = await proxy.send('POST', `/v3/clusters/${cluster}/topics/${topic}/records`, {
      headers: { 'content-type': 'application/json' },
      body: { value: { type: 'STRING', data: 'third line' } },
    });
    expect(json<{ error_code: number }>(v3).error_code).toBe(200);
    await worker.until(
      '/connectors',
      () => existsSync(output) && readFileSync(output, 'utf8') === 'first line\nsecond line\nthird line\n',
    );
    expect((await worker.call('DELETE', `/connectors/${sink}`)).status).toBe(204);
  });

  it('lets a consumer instance read what a FileStreamSource wrote', async () => {
    const worker = proxy.worker!;
    const topic = await createTopic();
    const input = join(worker.dir, 'source-input.txt');
    writeFileSync(input, 'alpha\nbeta\n{"json": true}\n');
    const source = uniqueName('rp-source');
    const put = await worker.call('PUT', `/connectors/${source}/config`, {
      'connector.class': 'FileStreamSource',
      file: input,
      topic,
      'value.converter': STRING_CONVERTER,
    });
    expect(put.status).toBe(201);
    await worker.until<Status>(`/connectors/${source}/status`, running);
    const group = uniqueName('rp-connect-readers');
    const create = await proxy.send('POST', `/consumers/${group}`, {
      headers: { 'content-type': V2 },
      body: { name: 'reader', format: 'binary', 'auto.offset.reset': 'earliest', 'fetch.min.bytes': 1 },
    });
    expect(create.status, create.text).toBe(200);
    const path = `/consumers/${group}/instances/reader`;
    await proxy.send('POST', `${path}/subscription`, {
      headers: { 'content-type': V2 },
      body: { topics: [topic] },
    });
    const records = await consume<{ value: string; offset: number }>(proxy.base, path, BINARY, 3);
    expect(records.map((r) => Buffer.from(r.value, 'base64').toString())).toEqual([
      'alpha',
      'beta',
      '{"json": true}',
    ]);
    expect(records.map((r) => r.offset)).toEqual([0, 1, 2]);
    // A JSON consumer reads the JSON line as JSON, and says which record is not JSON.
    const jsonGroup = uniqueName('rp-connect-json');
    await proxy.send('POST', `/consumers/${jsonGroup}`, {
      headers: { 'content-type': V2 },
      body: { name: 'reader', format: 'json', 'auto.offset.reset': 'earliest', 'fetch.min.bytes': 1 },
    });
    const jsonPath = `/consumers/${jsonGroup}/instances/reader`;
    await proxy.send('POST', `${jsonPath}/assignments`, {
      headers: { 'content-type': V2 },
      body: { partitions: [{ topic, partition: 0 }] },
    });
    await proxy.send('POST', `${jsonPath}/positions`, {
      headers: { 'content-type': V2 },
      body: { offsets: [{ topic, partition: 0, offset: 2 }] },
    });
    expect(json(await proxy.send('GET', `${jsonPath}/records`, { headers: { accept: JSON_V2 } }))).toEqual([
      { topic, key: null, value: { json: true }, partition: 0, offset: 2 },
    ]);
    await proxy.send('POST', `${jsonPath}/positions`, {
      headers: { 'content-type': V2 },
      body: { offsets: [{ topic, partition: 0, offset: 0 }] },
    });
    const notJson = await proxy.send('GET', `${jsonPath}/records`, { headers: { accept: JSON_V2 } });
    expect(notJson.status).toBe(408);
    expect(json(notJson)).toMatchObject({
      error_code: 40801,
      message: expect.stringContaining(`${topic}-0@0 is not JSON`),
    });
    expect((await worker.call('DELETE', `/connectors/${source}`)).status).toBe(204);
    await proxy.send('DELETE', path);
    await proxy.send('DELETE', jsonPath);
  });
});
