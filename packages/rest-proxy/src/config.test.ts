import { describe, expect, it } from 'vitest';
import { resolveRestProxyConfig } from './config.js';

const resolve = (entries: Record<string, string>) => resolveRestProxyConfig(new Map(Object.entries(entries)));

describe('resolveRestProxyConfig', () => {
  it("has Confluent REST Proxy's defaults", () => {
    const config = resolve({});
    expect(config).toMatchObject({
      listeners: [{ protocol: 'http', host: '0.0.0.0', port: 8082 }],
      advertisedListeners: [],
      hostName: undefined,
      id: '',
      bootstrapServers: [],
      consumerInstanceTimeoutMs: 300000,
      consumerRequestTimeoutMs: 1000,
      consumerRequestMaxBytes: 67108864,
      consumerIteratorBackoffMs: 50,
      fetchMinBytes: -1,
      consumer: { sessionTimeoutMs: 45000, autoOffsetReset: 'latest', enableAutoCommit: true },
      producer: { maxRequestSize: 1048576, compressionType: 'none', acks: -1 },
      apiV2Enabled: true,
      apiV3Enabled: true,
      registryTopic: '_sluice_rest_proxy_consumers',
    });
  });

  it("reads Confluent's settings, dropping PLAINTEXT:// from bootstrap.servers", () => {
    const config = resolve({
      listeners: 'http://0.0.0.0:8082,https://localhost:8443',
      'advertised.listeners': 'http://proxy-1.example.com:8082',
      'host.name': 'proxy-1',
      id: 'kafka-rest-1',
      'bootstrap.servers': 'PLAINTEXT://broker-1:9092, broker-2:9092',
      'consumer.request.timeout.ms': '2500',
      'producer.compression.type': 'GZIP',
      'producer.acks': '1',
    });
    expect(config.listeners).toHaveLength(2);
    expect(config.advertisedListeners.map((url) => url.href)).toEqual(['http://proxy-1.example.com:8082/']);
    expect(config).toMatchObject({
      hostName: 'proxy-1',
      id: 'kafka-rest-1',
      bootstrapServers: ['broker-1:9092', 'broker-2:9092'],
      consumerRequestTimeoutMs: 2500,
      producer: { compressionType: 'gzip', acks: 1 },
    });
  });

  it('accepts Confluent settings it has no use for, and names them', () => {
    const config = resolve({
      'zookeeper.connect': 'localhost:2181',
      'consumer.threads': '50',
      'producer.linger.ms': '5',
      'client.sasl.mechanism': 'PLAIN',
      'metrics.jmx.prefix': 'kafka.rest',
    });
    expect(config.ignored.sort()).toEqual([
      'client.sasl.mechanism',
      'consumer.threads',
      'metrics.jmx.prefix',
      'producer.linger.ms',
      'zookeeper.connect',
    ]);
  });

  it('notes that a schema registry URL cannot be used yet', () => {
    expect(resolve({ 'schema.registry.url': 'http://localhost:8081' }).notes).toEqual([
      expect.stringContaining('Sluice has no schema registry client yet'),
    ]);
  });

  it('refuses what it cannot do, naming the key and the expected value', () => {
    const refusals: Array<[Record<string, string>, string]> = [
      [{ bogus: '1' }, 'bogus is not a REST Proxy setting'],
      [
        { listeners: 'localhost:8082' },
        "listeners must be a list of protocol://host:port (http or https), got 'localhost:8082'",
      ],
      [{ listeners: '' }, "listeners must be a list of protocol://host:port, got ''"],
      [
        { 'advertised.listeners': 'ftp://x:1' },
        "advertised.listeners must be a list of http(s)://host:port URLs, got 'ftp://x:1'",
      ],
      [
        { 'advertised.listeners': 'http://a:1,http://b:2' },
        'advertised.listeners names http twice; give one URL per scheme',
      ],
      [
        { 'bootstrap.servers': 'SSL://broker:9093' },
        "bootstrap.servers: SSL listeners are not supported by Sluice's REST Proxy yet; use a PLAINTEXT listener",
      ],
      [{ 'bootstrap.servers': 'broker' }, "bootstrap.servers must be a list of host:port, got 'broker'"],
      [
        { 'consumer.instance.timeout.ms': '0' },
        "consumer.instance.timeout.ms must be an integer from 1 to 2147483647, got '0'",
      ],
      [{ 'fetch.min.bytes': '-2' }, "fetch.min.bytes must be an integer from -1 to 10000000, got '-2'"],
      [
        { 'consumer.auto.offset.reset': 'smallest' },
        "consumer.auto.offset.reset must be one of earliest, latest, none, got 'smallest'",
      ],
      [
        { 'consumer.enable.auto.commit': 'yes' },
        "consumer.enable.auto.commit must be true or false, got 'yes'",
      ],
      [
        { 'producer.compression.type': 'zstd' },
        'producer.compression.type=zstd needs a codec the Kafka client (kafkajs) lacks; use none or gzip',
      ],
      [
        { 'producer.acks': '0' },
        "producer.acks=0 is not supported: the REST Proxy answers each record's offset, which acks=0 never gives",
      ],
      [
        { 'client.security.protocol': 'SASL_SSL' },
        "client.security.protocol=SASL_SSL is not supported by Sluice's REST Proxy yet; only PLAINTEXT",
      ],
      [
        { 'consumer.session.timeout.ms': '3000', 'consumer.heartbeat.interval.ms': '3000' },
        'consumer.heartbeat.interval.ms must be lower than consumer.session.timeout.ms (3000), got 3000',
      ],
    ];
    for (const [properties, message] of refusals) expect(() => resolve(properties), message).toThrow(message);
  });

  it('reports every refusal at once', () => {
    expect(() => resolve({ bogus: '1', 'fetch.min.bytes': 'x' })).toThrow(
      "bogus is not a REST Proxy setting; fetch.min.bytes must be an integer from -1 to 10000000, got 'x'",
    );
  });
});
