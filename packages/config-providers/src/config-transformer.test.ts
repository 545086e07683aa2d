import { describe, expect, it, vi } from 'vitest';
import { SluiceError } from '@sluice/errors';
import type { ConfigData, ConfigProvider } from './config-provider.js';
import { transformConfig } from './config-transformer.js';

/** A provider over `paths` (path → key → value), recording what it is asked. */
function fakeProvider(paths: Record<string, Record<string, string>>, ttl?: number) {
  const get = vi.fn((path: string, keys: ReadonlySet<string>): Promise<ConfigData> => {
    const values = paths[path] ?? {};
    const data = new Map(Object.entries(values).filter(([key]) => keys.has(key)));
    return Promise.resolve(ttl === undefined ? { data } : { data, ttl });
  });
  return { get, close: vi.fn() } satisfies ConfigProvider;
}

describe('transformConfig', () => {
  it('replaces every variable it can resolve, several in one value, across keys', async () => {
    const file = fakeProvider({ '/db': { host: 'db1', port: '5432', password: 's3cret' } });
    const env = fakeProvider({ '': { DB: 'app' } });
    const { config, ttls } = await transformConfig(
      new Map([
        ['file', file],
        ['env', env],
      ]),
      {
        url: 'jdbc://${file:/db:host}:${file:/db:port}/${env:DB}',
        password: '${file:/db:password}',
        plain: 'no variables',
      },
    );
    expect(config).toEqual({ url: 'jdbc://db1:5432/app', password: 's3cret', plain: 'no variables' });
    expect(ttls).toEqual({});
  });

  it('asks each provider once per path, for every key wanted there', async () => {
    const file = fakeProvider({ '/a': { x: '1', y: '2' }, '/b': { z: '3' } });
    await transformConfig(new Map([['file', file]]), {
      one: '${file:/a:x}',
      two: '${file:/a:y}${file:/b:z}',
      three: '${file:/a:x}',
    });
    expect(file.get).toHaveBeenCalledTimes(2);
    expect(file.get).toHaveBeenCalledWith('/a', new Set(['x', 'y']));
    expect(file.get).toHaveBeenCalledWith('/b', new Set(['z']));
  });

  it('leaves a variable naming an unknown provider or a missing key as written', async () => {
    const file = fakeProvider({ '/a': { x: '1' } });
    const { config } = await transformConfig(new Map([['file', file]]), {
      unknown: '${vault:/a:x}',
      missing: '${file:/a:nope}',
      mixed: '${file:/a:x}-${file:/a:nope}-${vault:/a:x}',
    });
    expect(config).toEqual({
      unknown: '${vault:/a:x}',
      missing: '${file:/a:nope}',
      mixed: '1-${file:/a:nope}-${vault:/a:x}',
    });
    expect(file.get).toHaveBeenCalledTimes(1);
  });

  it('inserts values literally and does not resolve them again', async () => {
    const file = fakeProvider({ '/a': { x: '${file:/a:y} $&', y: 'never' } });
    const { config } = await transformConfig(new Map([['file', file]]), { v: '${file:/a:x}' });
    expect(config).toEqual({ v: '${file:/a:y} $&' });
  });

  it('reports the TTL a provider gives, per path, ignoring a negative one', async () => {
    const leased = fakeProvider({ '/lease': { token: 't' } }, 60_000);
    const negative = fakeProvider({ '/other': { token: 't' } }, -1);
    const { ttls } = await transformConfig(
      new Map([
        ['vault', leased],
        ['other', negative],
      ]),
      {
        a: '${vault:/lease:token}',
        b: '${other:/other:token}',
      },
    );
    expect(ttls).toEqual({ '/lease': 60_000 });
  });

  it('fails with a ConfigError naming the first config key and variable of a provider that throws', async () => {
    const failing: ConfigProvider = {
      get: () => Promise.reject(new SluiceError('SLUICE_CONFIG_PROVIDER_FAILED', 'could not read /a')),
      close: () => undefined,
    };
    const failure = transformConfig(new Map([['file', failing]]), {
      plain: 'x',
      'connection.password': 'pw=${file:/a:password}',
      other: '${file:/a:user}',
    });
    await expect(failure).rejects.toMatchObject({
      code: 'SLUICE_CONFIG_INVALID',
      key: 'connection.password',
      message: 'connection.password: cannot resolve ${file:/a:password}: could not read /a',
    });
  });

  it('keeps a __proto__ key a plain key', async () => {
    const { config } = await transformConfig(
      new Map(),
      JSON.parse('{"__proto__": "v"}') as Record<string, string>,
    );
    expect(Object.getPrototypeOf(config)).toBe(Object.prototype);
    expect(Object.entries(config)).toEqual([['__proto__', 'v']]);
  });
});
