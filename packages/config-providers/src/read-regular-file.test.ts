import { execFileSync } from 'node:child_process';
import { mkdirSync, truncateSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fifo, useTempDir, writeFile } from './fixtures.test-helpers.js';
import { FileReadError, MAX_CONFIG_FILE_BYTES, readRegularFile, within } from './read-regular-file.js';

const tempDir = useTempDir();

async function failure(
  path: string,
  options?: Parameters<typeof readRegularFile>[1],
): Promise<FileReadError> {
  const error = await readRegularFile(path, options).then(
    () => new Error(`${path} was read`),
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(FileReadError);
  return error as FileReadError;
}

describe('readRegularFile', () => {
  it('reads a regular file, also through a symlink', async () => {
    const file = writeFile(tempDir(), 'store.pem', 'content');
    expect((await readRegularFile(file)).toString()).toBe('content');
    execFileSync('ln', ['-s', file, join(tempDir(), 'link')]);
    expect((await readRegularFile(join(tempDir(), 'link'))).toString()).toBe('content');
    expect((await readRegularFile(writeFile(tempDir(), 'empty', ''))).length).toBe(0);
  });

  it('refuses a FIFO at once, without waiting for a writer', async () => {
    const started = Date.now();
    const error = await failure(fifo(tempDir(), 'pipe'));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toMatchObject({ failure: 'not-regular', detail: 'it is a FIFO' });
  });

  it('keeps the thread pool free while FIFOs are named: other file reads still complete', async () => {
    const pipes = Array.from({ length: 6 }, (_, i) => fifo(tempDir(), `pipe-${i}`));
    const reads = pipes.map((pipe) => readRegularFile(pipe).catch(() => undefined));
    const file = writeFile(tempDir(), 'other', 'other');
    const other = await within(readFile(file, 'utf8'), 2000, () => new Error('the thread pool is blocked'));
    expect(other).toBe('other');
    await within(Promise.all(reads), 2000, () => new Error('a FIFO read did not end'));
  });

  it('refuses devices, whatever they would give: /dev/null, /dev/zero', async () => {
    for (const device of ['/dev/null', '/dev/zero']) {
      expect(await failure(device)).toMatchObject({
        failure: 'not-regular',
        detail: 'it is a character device',
        message: 'not a readable regular file',
      });
    }
  });

  it('gives one message for a missing file, a directory, a device and a FIFO', async () => {
    const directory = join(tempDir(), 'dir');
    mkdirSync(directory);
    const paths = [join(tempDir(), 'missing'), join(tempDir(), 'missing', 'below'), directory, '/dev/null'];
    const errors = await Promise.all([...paths, fifo(tempDir(), 'pipe')].map((path) => failure(path)));
    expect(new Set(errors.map((error) => error.message))).toEqual(new Set(['not a readable regular file']));
    expect(errors.map((error) => error.failure)).toEqual([
      'missing',
      'missing',
      'not-regular',
      'not-regular',
      'not-regular',
    ]);
    expect(errors[0]!.detailedMessage).toMatch(/^not a readable regular file \(ENOENT: /);
  });

  it('refuses /proc and /sys pseudo-files, which say they are empty (the worker’s environment is one)', async () => {
    expect(await failure('/proc/self/environ')).toMatchObject({
      failure: 'not-regular',
      message: 'not a readable regular file',
      detail: 'it says it is empty but has content, as /proc and /sys files do',
    });
  });

  it('refuses a file larger than the bound, naming the bound, and reads one at the bound', async () => {
    const big = join(tempDir(), 'big');
    writeFile(tempDir(), 'big', '');
    truncateSync(big, MAX_CONFIG_FILE_BYTES + 1);
    expect(await failure(big)).toMatchObject({
      failure: 'too-large',
      message: 'larger than 1 MiB (1048576 bytes), the most Sluice reads',
    });
    truncateSync(big, MAX_CONFIG_FILE_BYTES);
    expect((await readRegularFile(big)).length).toBe(MAX_CONFIG_FILE_BYTES);
    expect(await failure(writeFile(tempDir(), 'small', '12345'), { maxBytes: 4 })).toMatchObject({
      message: 'larger than 4 bytes, the most Sluice reads',
    });
  });

  it('gives up a read that takes longer than the timeout', async () => {
    const never = new Promise<never>(() => undefined);
    await expect(within(never, 20, () => new Error('timed out'))).rejects.toThrow('timed out');
    expect(new FileReadError('/x', 'timeout', '', { maxBytes: 1, timeoutMs: 10_000 }).message).toBe(
      'not read within 10000 ms',
    );
  });
});
