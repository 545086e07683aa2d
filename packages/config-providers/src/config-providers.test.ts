import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '@sluice/errors';
import { ConfigProviders } from './config-providers.js';
import { useTempDir, writeFile } from './fixtures.test-helpers.js';

const tempDir = useTempDir();

afterEach(() => {
  vi.unstubAllEnvs();
});

const ALL_PROVIDERS = {
  'config.providers': 'file, dir,env',
  'config.providers.file.class': 'org.apache.kafka.common.config.provider.FileConfigProvider',
  'config.providers.dir.class': 'DirectoryConfigProvider',
  'config.providers.env.class': 'EnvVar',
};

describe('ConfigProviders.fromWorkerProperties', () => {
  it('accepts the Apache class names and their aliases', () => {
    const classes = [
      'org.apache.kafka.common.config.provider.FileConfigProvider',
      'FileConfigProvider',
      'File',
      'org.apache.kafka.common.config.provider.DirectoryConfigProvider',
      'DirectoryConfigProvider',
      'Directory',
      'org.apache.kafka.common.config.provider.EnvVarConfigProvider',
      'EnvVarConfigProvider',
      ' EnvVar ',
    ];
    for (const className of classes) {
      expect(() =>
        ConfigProviders.fromWorkerProperties({
          'config.providers': 'p',
          'config.providers.p.class': className,
        }),
      ).not.toThrow();
    }
  });

  it('refuses a listed name without a class, naming the key', () => {
    const props = { ...ALL_PROVIDERS, 'config.providers': 'file,vault' };
    expect(() => ConfigProviders.fromWorkerProperties(props)).toThrow(
      new ConfigError(
        'config.providers.vault.class',
        "config.providers.vault.class must be set: config.providers lists 'vault'",
      ),
    );
    expect(() => ConfigProviders.fromWorkerProperties(props)).toThrow(
      expect.objectContaining({ key: 'config.providers.vault.class' }),
    );
  });

  it('refuses an unknown class, naming the key and listing the known classes', () => {
    const props = {
      'config.providers': 'vault',
      'config.providers.vault.class': 'com.example.VaultConfigProvider',
    };
    let error: unknown;
    try {
      ConfigProviders.fromWorkerProperties(props);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'SLUICE_CONFIG_INVALID', key: 'config.providers.vault.class' });
    const { message } = error as ConfigError;
    expect(message).toContain(
      "config.providers.vault.class: no config provider class or alias 'com.example.VaultConfigProvider'",
    );
    expect(message).toContain(
      'org.apache.kafka.common.config.provider.FileConfigProvider (FileConfigProvider, File)',
    );
    expect(message).toContain('org.apache.kafka.common.config.provider.DirectoryConfigProvider');
    expect(message).toContain('org.apache.kafka.common.config.provider.EnvVarConfigProvider');
  });

  it('refuses an invalid param, naming its full key', () => {
    const props = { ...ALL_PROVIDERS, 'config.providers.dir.param.allowed.paths': 'relative/path' };
    expect(() => ConfigProviders.fromWorkerProperties(props)).toThrow(
      expect.objectContaining({ key: 'config.providers.dir.param.allowed.paths' }),
    );
  });

  it('declares no provider without config.providers, leaving every variable as written', async () => {
    const providers = ConfigProviders.fromWorkerProperties({
      'config.providers.file.class': 'FileConfigProvider',
    });
    const config = { a: '${file:/etc/passwd:root}', b: '${env:HOME}' };
    expect(await providers.transform(config)).toEqual({ config, ttls: {}, secrets: [] });
  });
});

describe('ConfigProviders.transform', () => {
  it('resolves file, directory and environment variables, several in one value', async () => {
    const file = writeFile(tempDir(), 'db.properties', 'host=db1\nport: 5432\n');
    const secrets = join(tempDir(), 'secrets');
    mkdirSync(secrets);
    writeFile(secrets, 'password', 's3cret');
    vi.stubEnv('SLUICE_TEST_DB', 'app');
    const providers = ConfigProviders.fromWorkerProperties({
      ...ALL_PROVIDERS,
      'config.providers.env.param.allowlist.pattern': 'SLUICE_TEST_.*',
    });
    const raw = {
      'connector.class': 'Example',
      'connection.url': `jdbc://\${file:${file}:host}:\${file:${file}:port}/\${dir:${secrets}:password}`,
      'connection.user': '${env:SLUICE_TEST_DB}',
      'connection.password': `\${dir:${secrets}:password}`,
      'unknown.provider': '${vault:/secret:pw}',
      'unknown.key': `\${file:${file}:nope}`,
      'not.allowed': '${env:HOME}',
    };
    expect(await providers.transform(raw)).toEqual({
      config: {
        'connector.class': 'Example',
        'connection.url': 'jdbc://db1:5432/s3cret',
        'connection.user': 'app',
        'connection.password': 's3cret',
        'unknown.provider': '${vault:/secret:pw}',
        'unknown.key': `\${file:${file}:nope}`,
        'not.allowed': '${env:HOME}',
      },
      ttls: {},
      // What the variables were replaced by, each once: the runtime hides these in traces and messages.
      secrets: ['db1', '5432', 's3cret', 'app'],
    });
  });

  it('reads sources afresh on each call, so a rotated secret takes effect on the next start', async () => {
    const file = writeFile(tempDir(), 'db.properties', 'password=old');
    const providers = ConfigProviders.fromWorkerProperties(ALL_PROVIDERS);
    const config = { password: `\${file:${file}:password}` };
    expect((await providers.transform(config)).config.password).toBe('old');
    writeFile(tempDir(), 'db.properties', 'password=new');
    expect((await providers.transform(config)).config.password).toBe('new');
  });

  it('fails with a ConfigError naming the key, the variable and the path of a file it cannot read', async () => {
    const missing = join(tempDir(), 'missing.properties');
    const providers = ConfigProviders.fromWorkerProperties(ALL_PROVIDERS);
    await expect(
      providers.transform({ 'connection.password': `\${file:${missing}:password}` }),
    ).rejects.toMatchObject({
      code: 'SLUICE_CONFIG_INVALID',
      key: 'connection.password',
      message:
        `connection.password: cannot resolve \${file:${missing}:password}: could not read properties from file ` +
        `${missing}: not a readable regular file`,
    });
  });

  it('tells the warn option about a path outside allowed.paths, and leaves its variable as written', async () => {
    const allowed = join(tempDir(), 'allowed');
    mkdirSync(allowed);
    const outside = writeFile(tempDir(), 'db.properties', 'password=s3cret');
    const warn = vi.fn();
    const providers = ConfigProviders.fromWorkerProperties(
      { ...ALL_PROVIDERS, 'config.providers.file.param.allowed.paths': allowed },
      { warn },
    );
    const config = { password: `\${file:${outside}:password}` };
    expect((await providers.transform(config)).config).toEqual(config);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining(outside));
  });

  it('refuses to transform once closed', async () => {
    const providers = ConfigProviders.fromWorkerProperties(ALL_PROVIDERS);
    providers.close();
    providers.close();
    await expect(providers.transform({})).rejects.toMatchObject({ code: 'SLUICE_CONFIG_PROVIDERS_CLOSED' });
  });
});

describe('ConfigProviders.reverseTransform', () => {
  it('puts the variables of the raw connector config back into generated task configs', async () => {
    const file = writeFile(tempDir(), 'db.properties', 'password=s3cret');
    const raw = { 'connection.password': `\${file:${file}:password}`, topic: 'orders' };
    const { config } = await ConfigProviders.fromWorkerProperties(ALL_PROVIDERS).transform(raw);
    const tasks = [{ ...config, 'task.id': '0' }];
    expect(ConfigProviders.reverseTransform(raw, tasks)).toEqual([{ ...raw, 'task.id': '0' }]);
  });
});
