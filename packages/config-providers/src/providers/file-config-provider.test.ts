import { mkdirSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { fifo, providerParams, useTempDir, writeFile } from '../fixtures.test-helpers.js';
import { FileConfigProvider } from './file-config-provider.js';

const tempDir = useTempDir();
const keys = (...names: string[]): Set<string> => new Set(names);

describe('FileConfigProvider', () => {
  it('returns the keys asked for that the properties file has', async () => {
    const file = writeFile(tempDir(), 'db.properties', 'user = app\npassword=s3cr\\u0065t\\\n  !\nother=x\n');
    const { data, ttl } = await FileConfigProvider.configure(providerParams()).get(
      file,
      keys('user', 'password', 'missing'),
    );
    expect(Object.fromEntries(data)).toEqual({ user: 'app', password: 's3cret!' });
    expect(ttl).toBeUndefined();
  });

  it('keeps a byte order mark as part of the first key, as Java’s UTF-8 reader does', async () => {
    const file = writeFile(tempDir(), 'bom.properties', '\ufeffpassword=s3cret\nuser=app');
    const { data } = await FileConfigProvider.configure(providerParams()).get(file, keys('password', 'user'));
    expect(Object.fromEntries(data)).toEqual({ user: 'app' });
  });

  it('reads the file afresh on every lookup', async () => {
    const provider = FileConfigProvider.configure(providerParams());
    const file = writeFile(tempDir(), 'db.properties', 'password=old');
    expect((await provider.get(file, keys('password'))).data.get('password')).toBe('old');
    writeFile(tempDir(), 'db.properties', 'password=new');
    expect((await provider.get(file, keys('password'))).data.get('password')).toBe('new');
  });

  it('fails, naming the file, when it is missing, not a file, not UTF-8 or malformed', async () => {
    const provider = FileConfigProvider.configure(providerParams());
    const missing = join(tempDir(), 'missing.properties');
    const directory = join(tempDir(), 'dir');
    mkdirSync(directory);
    const latin1 = writeFile(tempDir(), 'latin1.properties', Buffer.from('password=caf\xe9', 'latin1'));
    const malformed = writeFile(tempDir(), 'malformed.properties', 'password=\\u00');
    for (const [file, reason] of [
      [missing, /not a readable regular file$/],
      [directory, /not a readable regular file$/],
      [latin1, /not valid/],
      [malformed, /malformed \\uxxxx/],
    ] as const) {
      const failure = provider.get(file, keys('password'));
      await expect(failure).rejects.toThrow(`could not read properties from file ${file}: `);
      await expect(failure).rejects.toThrow(reason);
      await expect(failure).rejects.toMatchObject({ code: 'SLUICE_CONFIG_PROVIDER_FAILED' });
    }
  });

  it('refuses what is not a regular file without reading it or waiting: /dev/null, a FIFO, /dev/zero', async () => {
    const provider = FileConfigProvider.configure(providerParams());
    const pipe = fifo(tempDir(), 'pipe');
    for (const path of ['/dev/null', pipe, '/dev/zero']) {
      const started = Date.now();
      await expect(provider.get(path, keys('password'))).rejects.toThrow(
        `could not read properties from file ${path}: not a readable regular file`,
      );
      expect(Date.now() - started).toBeLessThan(2000);
    }
  });

  it('keeps file reads going while variables name FIFOs (the thread pool is not held by them)', async () => {
    const provider = FileConfigProvider.configure(providerParams());
    const pipes = Array.from({ length: 6 }, (_, i) => fifo(tempDir(), `pipe-${i}`));
    const pending = pipes.map((pipe) => provider.get(pipe, keys('password')).catch(() => undefined));
    const file = writeFile(tempDir(), 'db.properties', 'password=p');
    const read = provider.get(file, keys('password'));
    const timeout = new Promise<never>((_resolve, reject) => {
      setTimeout(() => reject(new Error('a regular file was not read within 2 s')), 2000).unref();
    });
    expect((await Promise.race([read, timeout])).data.get('password')).toBe('p');
    await Promise.race([Promise.all(pending), timeout]);
  });

  it('refuses a file larger than 1 MiB, naming the bound', async () => {
    const big = writeFile(tempDir(), 'big.properties', '');
    truncateSync(big, 1024 * 1024 + 1);
    await expect(FileConfigProvider.configure(providerParams()).get(big, keys('password'))).rejects.toThrow(
      `could not read properties from file ${big}: larger than 1 MiB (1048576 bytes), the most Sluice reads`,
    );
  });

  it('without allowed.paths, fails alike for a missing file, a directory and a FIFO, logging the reason', async () => {
    const warn = vi.fn();
    const provider = FileConfigProvider.configure(providerParams({}, warn));
    const directory = join(tempDir(), 'dir');
    mkdirSync(directory);
    const paths = [join(tempDir(), 'missing'), directory, fifo(tempDir(), 'pipe')];
    const messages = await Promise.all(
      paths.map((path) =>
        provider.get(path, keys('password')).then(
          () => 'resolved',
          (error: Error) => error.message.replace(path, '<path>'),
        ),
      ),
    );
    expect(new Set(messages)).toEqual(
      new Set(['could not read properties from file <path>: not a readable regular file']),
    );
    // The three reads run at once, so their warnings come in any order.
    expect(warn.mock.calls.map(([message]) => String(message)).sort()).toEqual([
      expect.stringMatching(/dir: not a readable regular file \(it is a directory\)$/),
      expect.stringMatching(/missing: not a readable regular file \(ENOENT: no such file or directory/),
      expect.stringMatching(/pipe: not a readable regular file \(it is a FIFO\)$/),
    ]);
  });

  it('within allowed.paths, says why a file cannot be read', async () => {
    const provider = FileConfigProvider.configure(providerParams({ 'allowed.paths': tempDir() }));
    const missing = join(tempDir(), 'missing');
    await expect(provider.get(missing, keys('password'))).rejects.toThrow(
      `could not read properties from file ${missing}: not a readable regular file (ENOENT: no such file or directory`,
    );
    await expect(provider.get(fifo(tempDir(), 'pipe'), keys('password'))).rejects.toThrow(
      'not a readable regular file (it is a FIFO)',
    );
  });

  it('reads nothing for an empty path', async () => {
    const { data } = await FileConfigProvider.configure(providerParams()).get('', keys('password'));
    expect(data.size).toBe(0);
  });

  it('reads only within allowed.paths, warning about a path outside', async () => {
    const allowedDir = join(tempDir(), 'allowed');
    mkdirSync(allowedDir);
    const inside = writeFile(allowedDir, 'db.properties', 'password=inside');
    const outside = writeFile(tempDir(), 'db.properties', 'password=outside');
    const warn = vi.fn();
    const provider = FileConfigProvider.configure(providerParams({ 'allowed.paths': allowedDir }, warn));
    expect((await provider.get(inside, keys('password'))).data.get('password')).toBe('inside');
    expect((await provider.get(outside, keys('password'))).data.size).toBe(0);
    expect((await provider.get(`${allowedDir}/../db.properties`, keys('password'))).data.size).toBe(0);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining(outside));
  });

  it('refuses an invalid allowed.paths, naming the param', () => {
    expect(() => FileConfigProvider.configure(providerParams({ 'allowed.paths': 'relative' }))).toThrow(
      expect.objectContaining({
        code: 'SLUICE_CONFIG_INVALID',
        key: 'config.providers.test.param.allowed.paths',
      }),
    );
  });
});
