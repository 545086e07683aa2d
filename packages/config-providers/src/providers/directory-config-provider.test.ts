import { mkdirSync, symlinkSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { fifo, providerParams, useTempDir, writeFile } from '../fixtures.test-helpers.js';
import { DirectoryConfigProvider } from './directory-config-provider.js';

const tempDir = useTempDir();
const keys = (...names: string[]): Set<string> => new Set(names);

/** A directory laid out as a Kubernetes secret volume: each key a symlink into `..data`. */
function secretsDirectory(): string {
  const dir = join(tempDir(), 'secrets');
  mkdirSync(join(dir, '..2024_01_01'), { recursive: true });
  symlinkSync('..2024_01_01', join(dir, '..data'));
  writeFile(join(dir, '..2024_01_01'), 'password', 's3cret\n');
  symlinkSync('..data/password', join(dir, 'password'));
  writeFile(dir, 'user', ' app ');
  writeFile(dir, 'empty', '');
  mkdirSync(join(dir, 'subdir'));
  symlinkSync('missing-target', join(dir, 'dangling'));
  return dir;
}

describe('DirectoryConfigProvider', () => {
  it('maps each regular file asked for to its whole content, following symlinks, skipping directories', async () => {
    const dir = secretsDirectory();
    const { data } = await DirectoryConfigProvider.configure(providerParams()).get(
      dir,
      keys('password', 'user', 'empty', 'subdir', '..data', 'dangling', 'missing'),
    );
    expect(Object.fromEntries(data)).toEqual({ password: 's3cret\n', user: ' app ', empty: '' });
  });

  it('never reads outside the directory through a key', async () => {
    const dir = secretsDirectory();
    writeFile(tempDir(), 'outside', 'leak');
    const { data } = await DirectoryConfigProvider.configure(providerParams()).get(
      dir,
      keys('../outside', '..2024_01_01/password'),
    );
    expect(data.size).toBe(0);
  });

  it('reads the files afresh on every lookup', async () => {
    const dir = secretsDirectory();
    const provider = DirectoryConfigProvider.configure(providerParams());
    expect((await provider.get(dir, keys('user'))).data.get('user')).toBe(' app ');
    writeFile(dir, 'user', 'rotated');
    expect((await provider.get(dir, keys('user'))).data.get('user')).toBe('rotated');
  });

  it('reads nothing, with a warning, for a path that is not a directory', async () => {
    const warn = vi.fn();
    const provider = DirectoryConfigProvider.configure(providerParams({}, warn));
    const file = writeFile(tempDir(), 'user', 'app');
    for (const path of [file, join(tempDir(), 'missing')]) {
      expect((await provider.get(path, keys('user'))).data.size).toBe(0);
    }
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining(`${file} is not a directory`));
  });

  it('skips FIFOs and devices named by a key without waiting, and refuses a file over 1 MiB', async () => {
    const dir = secretsDirectory();
    fifo(dir, 'pipe');
    symlinkSync('/dev/zero', join(dir, 'zero'));
    const provider = DirectoryConfigProvider.configure(providerParams());
    const started = Date.now();
    const { data } = await provider.get(dir, keys('pipe', 'zero', 'user'));
    expect(Object.fromEntries(data)).toEqual({ user: ' app ' });
    expect(Date.now() - started).toBeLessThan(2000);
    truncateSync(writeFile(dir, 'big', ''), 1024 * 1024 + 1);
    await expect(provider.get(dir, keys('big'))).rejects.toThrow(
      `could not read file ${join(dir, 'big')} for property big: larger than 1 MiB (1048576 bytes), the most Sluice reads`,
    );
  });

  it('reads nothing for an empty path', async () => {
    expect((await DirectoryConfigProvider.configure(providerParams()).get('', keys('user'))).data.size).toBe(
      0,
    );
  });

  it('reads only within allowed.paths', async () => {
    const dir = secretsDirectory();
    const warn = vi.fn();
    const provider = DirectoryConfigProvider.configure(providerParams({ 'allowed.paths': dir }, warn));
    expect((await provider.get(dir, keys('user'))).data.get('user')).toBe(' app ');
    expect((await provider.get(join(dir, '..'), keys('user'))).data.size).toBe(0);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('is not in allowed.paths'));
  });
});
