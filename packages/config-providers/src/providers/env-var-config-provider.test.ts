import { afterEach, describe, expect, it, vi } from 'vitest';
import { providerParams } from '../fixtures.test-helpers.js';
import { EnvVarConfigProvider } from './env-var-config-provider.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

const keys = (...names: string[]): Set<string> => new Set(names);

describe('EnvVarConfigProvider', () => {
  it('returns the variables asked for that are set, allowing every name by default', async () => {
    vi.stubEnv('SLUICE_TEST_USER', 'app');
    vi.stubEnv('SLUICE_TEST_EMPTY', '');
    const { data } = await EnvVarConfigProvider.configure(providerParams()).get(
      '',
      keys('SLUICE_TEST_USER', 'SLUICE_TEST_EMPTY', 'SLUICE_TEST_UNSET', 'toString', '__proto__'),
    );
    expect(Object.fromEntries(data)).toEqual({ SLUICE_TEST_USER: 'app', SLUICE_TEST_EMPTY: '' });
  });

  it('returns only names the whole allowlist.pattern matches', async () => {
    vi.stubEnv('SLUICE_TEST_USER', 'app');
    vi.stubEnv('SLUICE_TEST_PASSWORD', 's3cret');
    vi.stubEnv('XSLUICE_TEST_USER', 'other');
    const provider = EnvVarConfigProvider.configure(
      providerParams({ 'allowlist.pattern': 'SLUICE_TEST_U.*|NONE' }),
    );
    const { data } = await provider.get(
      '',
      keys('SLUICE_TEST_USER', 'SLUICE_TEST_PASSWORD', 'XSLUICE_TEST_USER'),
    );
    expect(Object.fromEntries(data)).toEqual({ SLUICE_TEST_USER: 'app' });
    const partial = EnvVarConfigProvider.configure(providerParams({ 'allowlist.pattern': 'SLUICE_TEST' }));
    expect((await partial.get('', keys('SLUICE_TEST_USER'))).data.size).toBe(0);
  });

  it('reads the environment afresh on every lookup', async () => {
    const provider = EnvVarConfigProvider.configure(providerParams());
    expect((await provider.get('', keys('SLUICE_TEST_ROTATED'))).data.size).toBe(0);
    vi.stubEnv('SLUICE_TEST_ROTATED', 'now');
    expect((await provider.get('', keys('SLUICE_TEST_ROTATED'))).data.get('SLUICE_TEST_ROTATED')).toBe('now');
  });

  it('fails for a variable with a path, as Kafka does', async () => {
    await expect(
      EnvVarConfigProvider.configure(providerParams()).get('/etc', keys('X')),
    ).rejects.toMatchObject({
      code: 'SLUICE_CONFIG_PROVIDER_FAILED',
      message: "a path is not supported by EnvVarConfigProvider, got '/etc'",
    });
  });

  it('refuses an invalid allowlist.pattern, naming the param, even one that would escape the anchors', () => {
    for (const pattern of ['(', 'NONE)|(.*']) {
      expect(() => EnvVarConfigProvider.configure(providerParams({ 'allowlist.pattern': pattern }))).toThrow(
        expect.objectContaining({
          code: 'SLUICE_CONFIG_INVALID',
          key: 'config.providers.test.param.allowlist.pattern',
          message: expect.stringContaining(`invalid regular expression '${pattern}'`),
        }),
      );
    }
  });
});
