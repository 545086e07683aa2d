import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { SluiceError } from '@sluice/errors';

/** The most a file named in a config is read: 1 MiB (a Kubernetes secret is at most that, whole). */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/** How long reading a file named in a config may take before it is given up: 10 s. */
export const CONFIG_FILE_TIMEOUT_MS = 10_000;

/** Why a file could not be read. */
export type FileReadFailure = 'missing' | 'unreadable' | 'not-regular' | 'too-large' | 'timeout';

/**
 * A file that {@link readRegularFile} refused or could not read. The message (without the path, which the
 * caller names) says only what may be shown to anyone: it is the same for a missing file, one the process may
 * not read and one that is not a regular file, so that it does not tell whether an arbitrary path exists. `failure` and `detail` (the system's reason, such
 * as `ENOENT: no such file or directory`) are for the operator's log, or for messages about paths the user
 * may read anyway.
 */
export class FileReadError extends SluiceError {
  readonly path: string;
  readonly failure: FileReadFailure;
  readonly detail: string;

  constructor(path: string, failure: FileReadFailure, detail: string, limits: Required<ReadFileOptions>) {
    super('SLUICE_FILE_UNREADABLE', describeFailure(failure, limits));
    this.path = path;
    this.failure = failure;
    this.detail = detail;
  }

  /** The message with the system's reason: for the operator, or for a path the user may read anyway. */
  get detailedMessage(): string {
    return this.detail === '' ? this.message : `${this.message} (${this.detail})`;
  }
}

export interface ReadFileOptions {
  /** Largest file accepted, in bytes. @default MAX_CONFIG_FILE_BYTES (1 MiB) */
  maxBytes?: number;
  /** Longest the whole read may take, in ms. @default CONFIG_FILE_TIMEOUT_MS (10 s) */
  timeoutMs?: number;
}

function describeFailure(failure: FileReadFailure, limits: Required<ReadFileOptions>): string {
  switch (failure) {
    case 'missing':
    case 'unreadable':
    case 'not-regular':
      return 'not a readable regular file';
    case 'too-large':
      return `larger than ${sizeText(limits.maxBytes)}, the most Sluice reads`;
    case 'timeout':
      return `not read within ${limits.timeoutMs} ms`;
  }
}

function sizeText(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB (${bytes} bytes)` : `${bytes} bytes`;
}

// Opening a FIFO for reading blocks until a writer comes, even in the thread pool (where it would hold one of
// its four threads for good); O_NONBLOCK makes the open return at once. Regular files ignore the flag.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/**
 * Reads a file named in a config (a key store, a properties file, a secret) without ever blocking the event
 * loop or growing without bound: only a regular file (symlinks followed) of at most `maxBytes` is read, with
 * asynchronous I/O, and the whole read is given up after `timeoutMs` (a hung network file system). The path is
 * checked before it is opened, so a device is never opened (some act on open), and the open file is checked
 * again, so a path swapped in between cannot slip through. Throws a {@link FileReadError}.
 */
export async function readRegularFile(path: string, options: ReadFileOptions = {}): Promise<Buffer> {
  const limits: Required<ReadFileOptions> = {
    maxBytes: options.maxBytes ?? MAX_CONFIG_FILE_BYTES,
    timeoutMs: options.timeoutMs ?? CONFIG_FILE_TIMEOUT_MS,
  };
  return within(
    readChecked(path, limits),
    limits.timeoutMs,
    () => new FileReadError(path, 'timeout', '', limits),
  );
}

/**
 * `work`, or `timedOut()` thrown once `ms` passed. Work that times out goes on in the background (file system
 * calls cannot be cancelled) and cleans up after itself; its result is dropped.
 */
export async function within<T>(work: Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(timedOut()), ms).unref();
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function readChecked(path: string, limits: Required<ReadFileOptions>): Promise<Buffer> {
  const fail = (failure: FileReadFailure, detail: string) => new FileReadError(path, failure, detail, limits);
  let before: Stats;
  try {
    before = await stat(path);
  } catch (error) {
    throw systemFailure(error, fail);
  }
  checkStats(before, limits, fail);
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    throw systemFailure(error, fail);
  }
  try {
    const opened = await handle.stat();
    if (opened.dev !== before.dev || opened.ino !== before.ino) {
      throw fail('not-regular', 'the path was replaced while it was read');
    }
    checkStats(opened, limits, fail);
    // Pseudo-files (/proc, /sys) say they are empty regular files and yet have content, such as the worker's
    // environment in /proc/self/environ: they are not what a config names, and are refused.
    const pseudo = opened.size === 0;
    // Room for one byte more than the file had, so that growing past the limit since the check shows.
    let buffer = Buffer.alloc(Math.min(opened.size, limits.maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        const grown = Buffer.alloc(Math.min(buffer.length * 2, limits.maxBytes + 1));
        buffer.copy(grown);
        buffer = grown;
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      if (pseudo)
        throw fail('not-regular', 'it says it is empty but has content, as /proc and /sys files do');
      length += bytesRead;
      if (length > limits.maxBytes) throw fail('too-large', 'the file grew while it was read');
    }
    return buffer.subarray(0, length);
  } catch (error) {
    throw error instanceof FileReadError ? error : systemFailure(error, fail);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function checkStats(
  stats: Stats,
  limits: Required<ReadFileOptions>,
  fail: (failure: FileReadFailure, detail: string) => FileReadError,
): void {
  if (!stats.isFile()) throw fail('not-regular', `it is ${fileType(stats)}`);
  if (stats.size > limits.maxBytes) throw fail('too-large', `${stats.size} bytes`);
}

function fileType(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

function systemFailure(
  error: unknown,
  fail: (failure: FileReadFailure, detail: string) => FileReadError,
): FileReadError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const detail = error instanceof Error ? error.message : String(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') return fail('missing', detail);
  if (code === 'EISDIR') return fail('not-regular', detail);
  return fail('unreadable', detail);
}
