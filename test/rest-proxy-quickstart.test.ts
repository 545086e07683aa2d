import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName, waitFor } from '@sluice/test-kit';
import type { Backend } from './helpers-rest.js';
import { json, ProxyProcess, type ProxyHost } from './helpers-rest-proxy.js';

/**
 * The curl command lines of Confluent's REST Proxy quick start ("Produce and Consume JSON/Binary Messages"),
 * as they are written there, with the host, port and topic names put in (the test broker does not create
 * topics on first use, so the topics are made first); and a commit, from the API reference's example.
 */
function quickstart(
  base: string,
  jsonTopic: string,
  binaryTopic: string,
  jsonGroup: string,
  binaryGroup: string,
) {
  const script = `
curl -X POST -H "Content-Type: application/vnd.kafka.json.v2+json" \\
      -H "Accept: application/vnd.kafka.v2+json" \\
      --data '{"records":[{"value":{"foo":"bar"}}]}' "http://localhost:8082/topics/jsontest"

curl -X POST -H "Content-Type: application/vnd.kafka.v2+json" \\
      --data '{"name": "my_consumer_instance", "format": "json", "auto.offset.reset": "earliest"}' \\
      http://localhost:8082/consumers/my_json_consumer

curl -X POST -H "Content-Type: application/vnd.kafka.v2+json" --data '{"topics":["jsontest"]}' \\
 http://localhost:8082/consumers/my_json_consumer/instances/my_consumer_instance/subscription

curl -X GET -H "Accept: application/vnd.kafka.json.v2+json" \\
      http://localhost:8082/consumers/my_json_consumer/instances/my_consumer_instance/records

curl -X POST -H "Content-Type: application/vnd.kafka.v2+json" \\
      --data '{"offsets":[{"topic":"jsontest","partition":0,"offset":0}]}' \\
      http://localhost:8082/consumers/my_json_consumer/instances/my_consumer_instance/offsets

curl -X DELETE -H "Content-Type: application/vnd.kafka.v2+json" \\
      http://localhost:8082/consumers/my_json_consumer/instances/my_consumer_instance

curl -X POST -H "Content-Type: application/vnd.kafka.binary.v2+json" \\
      -H "Accept: application/vnd.kafka.v2+json" \\
      --data '{"records":[{"value":"S2Fma2E="}]}' "http://localhost:8082/topics/binarytest"

curl -X POST -H "Content-Type: application/vnd.kafka.v2+json" \\
      --data '{"name": "my_consumer_instance", "format": "binary", "auto.offset.reset": "earliest"}' \\
      http://localhost:8082/consumers/my_binary_consumer

curl -X POST -H "Content-Type: application/vnd.kafka.v2+json" --data '{"topics":["binarytest"]}' \\
      http://localhost:8082/consumers/my_binary_consumer/instances/my_consumer_instance/subscription

curl -X GET -H "Accept: application/vnd.kafka.binary.v2+json" \\
      http://localhost:8082/consumers/my_binary_consumer/instances/my_consumer_instance/records

curl -X DELETE -H "Content-Type: application/vnd.kafka.v2+json" \\
      http://localhost:8082/consumers/my_binary_consumer/instances/my_consumer_instance
`;
  return script
    .replaceAll('http://localhost:8082', base)
    .replaceAll('my_json_consumer', jsonGroup)
    .replaceAll('my_binary_consumer', binaryGroup)
    .replaceAll('jsontest', jsonTopic)
    .replaceAll('binarytest', binaryTopic)
    .trim()
    .split(/\n\s*\n/)
    .map((command) => command.replace(/\\\n\s*/g, ''));
}

/** Runs one command line with bash, as a reader of the quick start would; answers what curl printed. */
function run(command: string): string {
  return execFileSync('bash', ['-c', `${command} --silent --show-error`], { encoding: 'utf8' });
}

describe.each<[ProxyHost, Backend]>([
  ['worker', 'embedded'],
  ['standalone', 'kafka'],
])("Confluent's quick start, with curl (%s, %s)", (host, backend) => {
  let proxy: ProxyProcess;
  const [jsonTopic, binaryTopic] = [uniqueName('jsontest'), uniqueName('binarytest')];

  beforeAll(async () => {
    proxy = await ProxyProcess.start(host, backend);
    const cluster = json<{ data: Array<{ cluster_id: string }> }>(await proxy.send('GET', '/v3/clusters'))
      .data[0]!.cluster_id;
    for (const topic of [jsonTopic, binaryTopic]) {
      const reply = await proxy.send('POST', `/v3/clusters/${cluster}/topics`, {
        headers: { 'content-type': 'application/json' },
        body: { topic_name: topic, partitions_count: 1 },
      });
      expect(reply.status, reply.text).toBe(201);
    }
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('runs unchanged and prints the same shapes', async () => {
    const [jsonGroup, binaryGroup] = [uniqueName('my_json_consumer'), uniqueName('my_binary_consumer')];
    const commands = quickstart(proxy.base, jsonTopic, binaryTopic, jsonGroup, binaryGroup);
    expect(commands).toHaveLength(11);
    const [produceJson, createJson, subscribeJson, readJson, commitJson, deleteJson] = commands.slice(0, 6);
    const [produceBinary, createBinary, subscribeBinary, readBinary, deleteBinary] = commands.slice(6);

    expect(JSON.parse(run(produceJson!))).toEqual({
      offsets: [{ partition: 0, offset: 0, error_code: null, error: null }],
      key_schema_id: null,
      value_schema_id: null,
    });
    expect(JSON.parse(run(createJson!))).toEqual({
      instance_id: 'my_consumer_instance',
      base_uri: `${proxy.base}/consumers/${jsonGroup}/instances/my_consumer_instance`,
    });
    expect(run(subscribeJson!)).toBe('');
    // As the quick start says, the first reads may come back empty while the consumer joins its group.
    const jsonRecords = await waitFor('the JSON record', () => {
      const records = JSON.parse(run(readJson!)) as unknown[];
      return records.length > 0 ? records : undefined;
    });
    expect(jsonRecords).toEqual([
      { key: null, value: { foo: 'bar' }, partition: 0, offset: 0, topic: jsonTopic },
    ]);
    expect(JSON.parse(run(commitJson!))).toEqual([]);
    expect(run(deleteJson!)).toBe('');

    expect(JSON.parse(run(produceBinary!))).toEqual({
      offsets: [{ partition: 0, offset: 0, error_code: null, error: null }],
      key_schema_id: null,
      value_schema_id: null,
    });
    expect(JSON.parse(run(createBinary!))).toEqual({
      instance_id: 'my_consumer_instance',
      base_uri: `${proxy.base}/consumers/${binaryGroup}/instances/my_consumer_instance`,
    });
    expect(run(subscribeBinary!)).toBe('');
    const binaryRecords = await waitFor('the binary record', () => {
      const records = JSON.parse(run(readBinary!)) as unknown[];
      return records.length > 0 ? records : undefined;
    });
    expect(binaryRecords).toEqual([
      { key: null, value: 'S2Fma2E=', partition: 0, offset: 0, topic: binaryTopic },
    ]);
    expect(run(deleteBinary!)).toBe('');
  });
});
