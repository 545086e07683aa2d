import { describe, expect, it } from 'vitest';
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
