import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProperties } from '@sluice/config-providers';
import { resolveWorkerConfig } from './worker-config.js';

const resolve = (entries: Record<string, string>) => resolveWorkerConfig(new Map(Object.entries(entries)));

describe('resolveWorkerConfig', () => {
  it("runs embedded with Kafka Connect's defaults when bootstrap.servers is not set", () => {
    const config = resolve({});
    expect(config.mode).toBe('embedded');
    expect(config.listeners).toEqual([{ protocol: 'http', host: '', port: 8083 }]);
    expect(config.dataDir).toBe('./data');
    expect(config.offsetFlushIntervalMs).toBe(60000);
    expect(config.offsetFlushTimeoutMs).toBe(5000);
    expect(config.taskShutdownGracefulTimeoutMs).toBe(5000);
    expect(config.sessionTimeoutMs).toBe(10000);
    expect(config.heartbeatIntervalMs).toBe(3000);
    expect(config.rebalanceTimeoutMs).toBe(60000);
  });

  it('reads several listeners, http and https, and the advertised settings', () => {
    const config = resolve({
      listeners: 'http://127.0.0.1:8083, https://[::1]:8443',
      'rest.advertised.listener': 'https',
      'rest.advertised.host.name': 'worker-1',
      'rest.advertised.port': '9443',
    });
    expect(config.listeners).toEqual([
      { protocol: 'http', host: '127.0.0.1', port: 8083 },
      { protocol: 'https', host: '::1', port: 8443 },
    ]);
    expect(config).toMatchObject({
      advertisedListener: 'https',
      advertisedHostName: 'worker-1',
      advertisedPort: 9443,
    });
  });

  it('runs distributed with bootstrap.servers and requires the group and internal topics', () => {
    expect(() => resolve({ 'bootstrap.servers': 'localhost:9092' })).toThrow(
      /group\.id is required when bootstrap\.servers is set; config\.storage\.topic is required/,
    );
    const config = resolve({
      'bootstrap.servers': 'a:9092,b:9092',
      'group.id': 'connect',
      'config.storage.topic': 'c',
      'offset.storage.topic': 'o',
      'status.storage.topic': 's',
    });
    expect(config.mode).toBe('distributed');
    expect(config.bootstrapServers).toEqual(['a:9092', 'b:9092']);
    expect(config.offsetStorage).toEqual({ name: 'o', replicationFactor: 3, partitions: 25 });
  });

  it.each([
    [{ listeners: 'ftp://host:1' }, 'listeners', /listeners must be a list of protocol:\/\/host:port/],
    [{ listeners: 'http://host:99999' }, 'listeners', /listeners must be a list/],
    [{ listeners: '' }, 'listeners', /listeners must be a list/],
    [
      { 'offset.flush.interval.ms': 'soon' },
      'offset.flush.interval.ms',
      /offset\.flush\.interval\.ms must be an integer/,
    ],
    [
      { 'rest.advertised.port': '-1' },
      'rest.advertised.port',
      /rest\.advertised\.port must be an integer from 0/,
    ],
    [{ 'rest.advertised.listener': 'ftp' }, 'rest.advertised.listener', /must be one of http, https/],
    [{ 'rest.advertised.listener': 'https' }, 'rest.advertised.listener', /no listener uses it/],
    [
      { 'offset.flush.intervall.ms': '1' },
      'offset.flush.intervall.ms',
      /offset\.flush\.intervall\.ms is not a worker setting/,
    ],
  ])('rejects %j naming the key', (entries, key, message) => {
    expect(() => resolve(entries)).toThrow(message);
    expect(() => resolve(entries)).toThrow(expect.objectContaining({ key, code: 'SLUICE_CONFIG_INVALID' }));
  });

  it('passes prefixed settings through', () => {
    const config = resolve({
      'listeners.https.ssl.keystore.location': '/k.p12',
      'value.converter.schemas.enable': 'false',
    });
    expect(config.originals.get('listeners.https.ssl.keystore.location')).toBe('/k.p12');
  });
});

describe("a Connect worker's distributed settings", () => {
  const distributed = {
    'bootstrap.servers': 'localhost:9092',
    'group.id': 'connect-cluster',
    'config.storage.topic': 'connect-configs',
    'offset.storage.topic': 'connect-offsets',
    'status.storage.topic': 'connect-status',
  };

  it('takes a connect-distributed.properties with the group protocol, signing and rebalance keys unchanged', () => {
    const config = resolve({
      ...distributed,
      'connect.protocol': 'sessioned',
      'scheduled.rebalance.max.delay.ms': '300000',
      'inter.worker.key.generation.algorithm': 'HmacSHA256',
      'inter.worker.key.size': '256',
      'inter.worker.key.ttl.ms': '3600000',
      'inter.worker.signature.algorithm': 'HmacSHA256',
      'inter.worker.verification.algorithms': 'HmacSHA256,HmacSHA512',
      'worker.sync.timeout.ms': '2000',
      'exactly.once.source.support': 'disabled',
      'metric.reporters': '',
      'metrics.sample.window.ms': '30000',
      'topic.tracking.enable': 'true',
    });
    expect(config).toMatchObject({
      scheduledRebalanceMaxDelayMs: 300000,
      workerSyncTimeoutMs: 2000,
      internalRequests: {
        keyGenerationAlgorithm: 'HmacSHA256',
        keySizeBits: 256,
        keyTtlMs: 3600000,
        signatureAlgorithm: 'HmacSHA256',
        verificationAlgorithms: ['HmacSHA256', 'HmacSHA512'],
      },
    });
    expect(config.ignored.sort()).toEqual([
      'metric.reporters',
      'metrics.sample.window.ms',
      'topic.tracking.enable',
    ]);
  });

  it("defaults as Connect does, except the delay before a departed worker's work moves: none", () => {
    const config = resolve(distributed);
    expect(config).toMatchObject({
      sessionTimeoutMs: 10000,
      heartbeatIntervalMs: 3000,
      rebalanceTimeoutMs: 60000,
      scheduledRebalanceMaxDelayMs: 0,
      workerSyncTimeoutMs: 3000,
      workerUnsyncBackoffMs: 300000,
      groupProtocols: ['sluice-v2', 'sluice-v1'],
      internalRequests: { signatureAlgorithm: 'HmacSHA256', keyTtlMs: 3600000 },
    });
  });

  it('offers the worker group protocols up to sluice.protocol, newest first, as connect.protocol does', () => {
    expect(resolve({ ...distributed, 'sluice.protocol': 'sluice-v2' }).groupProtocols).toEqual([
      'sluice-v2',
      'sluice-v1',
    ]);
    expect(resolve({ ...distributed, 'sluice.protocol': 'sluice-v1' }).groupProtocols).toEqual(['sluice-v1']);
  });

  it.each([
    [
      { 'connect.protocol': 'fast' },
      /connect\.protocol must be one of eager, compatible, sessioned, got 'fast'/,
    ],
    [
      { 'sluice.protocol': 'sluice-v3' },
      /sluice\.protocol must be one of sluice-v2, sluice-v1, got 'sluice-v3'/,
    ],
    [{ 'exactly.once.source.support': 'enabled' }, /exactly\.once\.source\.support=enabled is not supported/],
    [
      { 'session.timeout.ms': '3000', 'heartbeat.interval.ms': '3000' },
      /heartbeat\.interval\.ms must be lower than session\.timeout\.ms \(3000\), got 3000/,
    ],
    [{ 'inter.worker.signature.algorithm': 'HmacSHA512' }, /inter\.worker\.signature\.algorithm/],
  ])('refuses %j naming the key', (settings, message) => {
    expect(() => resolve({ ...distributed, ...settings })).toThrow(message);
  });
});

describe('resolveWorkerConfig: the hosted REST Proxy', () => {
  it("serves Connect on 8083 and the REST Proxy on 8082, embedded, with the repository's worker.properties", () => {
    const file = new URL('../../../config/worker.properties', import.meta.url);
    const config = resolveWorkerConfig(parseProperties(readFileSync(file, 'utf8')));
    expect(config.mode).toBe('embedded');
    expect(config.listeners).toEqual([{ protocol: 'http', host: 'localhost', port: 8083 }]);
    expect(config.restProxy?.listeners).toEqual([{ protocol: 'http', host: 'localhost', port: 8082 }]);
  });

  it('hosts none without rest.proxy.listeners', () => {
    expect(resolve({}).restProxy).toBeUndefined();
  });

  it("reads rest.proxy.* as the proxy's settings, with Confluent's names after the prefix", () => {
    const config = resolve({
      'rest.proxy.listeners': 'http://localhost:8082',
      'rest.proxy.consumer.instance.timeout.ms': '60000',
      'rest.proxy.id': 'worker-proxy',
    });
    expect(config.restProxy).toMatchObject({
      listeners: [{ protocol: 'http', host: 'localhost', port: 8082 }],
      consumerInstanceTimeoutMs: 60000,
      id: 'worker-proxy',
    });
  });

  it('names the prefixed key in every refusal', () => {
    expect(() => resolve({ 'rest.proxy.consumer.instance.timeout.ms': '1' })).toThrow(
      'rest.proxy.listeners must be set to host the REST Proxy (other rest.proxy.* settings are given: rest.proxy.consumer.instance.timeout.ms)',
    );
    expect(() =>
      resolve({
        'rest.proxy.listeners': 'http://localhost:8082',
        'rest.proxy.consumer.request.timeout.ms': 'soon',
      }),
    ).toThrow("rest.proxy.consumer.request.timeout.ms must be an integer from 1 to 2147483647, got 'soon'");
    expect(() =>
      resolve({ 'rest.proxy.listeners': 'http://localhost:8082', 'rest.proxy.bogus': '1' }),
    ).toThrow('rest.proxy.bogus is not a REST Proxy setting');
    expect(() =>
      resolve({ 'rest.proxy.listeners': 'http://localhost:8082', 'rest.proxy.bootstrap.servers': 'x:9092' }),
    ).toThrow("rest.proxy.bootstrap.servers cannot be set: a REST Proxy in a worker uses the worker's log");
    expect(() =>
      resolve({
        'rest.proxy.listeners': 'http://localhost:8082',
        'rest.proxy.producer.compression.type': 'gzip',
      }),
    ).toThrow(
      "rest.proxy.producer.compression.type cannot be set: a REST Proxy in a worker uses the worker's log",
    );
  });
});
