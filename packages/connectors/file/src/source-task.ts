import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { ConnectError, Schema, SourceRecord, SourceTask } from '@sluice/sdk';
import { DEFAULT_BUFFER_SIZE, LineBuffer } from './line-buffer.js';
import { FILENAME_FIELD, POSITION_FIELD, parseSourceConfig, settle, toPosition } from './source-connector.js';
import { VERSION } from './version.js';

/**
 * How long `poll` waits at the end of the file, or for it to appear, before returning null: a second, as
 * Apache's task waits. Each idle poll costs a read and a turn of the task's loop, so a worker carrying a
 * thousand idle file tasks spent most of a core on polls 100 ms apart (`npm run bench:scale`).
 */
export const IDLE_WAIT_MS = 1000;

/**
 * Reads lines of a file (tail -f style: lines appended later are read too) or of stdin (Apache's
 * `FileStreamSourceTask`). Each line is one record: no key, a STRING value, source partition
 * `{filename}` and source offset `{position}`, the byte offset just after the line (a bigint, as Connect's
 * Long). A file that does not exist yet is retried at every poll. Reads are positioned reads of up to 1 MiB
 * into one buffer; nothing else of the file is kept in memory.
 */
export class FileStreamSourceTask extends SourceTask {
  #topic = '';
  #batchSize = 1;
  /** Null for stdin. */
  #filename: string | null = null;
  #partition: Readonly<Record<string, unknown>> = Object.freeze({ [FILENAME_FIELD]: null });
  #file: FileHandle | null = null;
  #lines: LineBuffer | null = null;
  #stdin: StdinReader | null = null;
  #stopped = false;
  #wake: (() => void) | null = null;
  #polling: Promise<unknown> | null = null;

  version(): string {
    return VERSION;
  }

  start(props: Record<string, string>): Promise<void> {
    return settle(() => {
      const config = parseSourceConfig(props);
      this.#topic = config.topic;
      this.#batchSize = Math.max(1, config.batchSize);
      // Apache's task takes the file name as given (its connector trims it when validating).
      const filename = props.file;
      this.#filename = filename === undefined || filename === '' ? null : filename;
      this.#partition = Object.freeze({ [FILENAME_FIELD]: this.#filename });
      if (this.#filename === null) {
        this.#lines = new LineBuffer();
        this.#stdin = new StdinReader(process.stdin, () => this.#wakeUp());
      }
    });
  }

  poll(): Promise<SourceRecord[] | null> {
    const polling = this.#poll();
    this.#polling = polling;
    return polling;
  }

  async #poll(): Promise<SourceRecord[] | null> {
    if (this.#stopped) return null;
    if (this.#stdin !== null) return this.#pollStdin(this.#stdin);
    const lines = this.#lines ?? (await this.#open());
    if (lines === null || this.#file === null) {
      await this.#sleep(IDLE_WAIT_MS);
      return null;
    }
    const records: SourceRecord[] = [];
    const timestamp = Date.now();
    for (;;) {
      this.#take(lines, records, timestamp);
      if (records.length >= this.#batchSize || this.#stopped) break;
      const room = lines.writable();
      let read: number;
      try {
        ({ bytesRead: read } = await this.#file.read(room.buffer, room.offset, room.length, lines.end));
      } catch (error) {
        if (this.#stopped) break;
        throw new ConnectError(`Error reading ${this.#filename}: ${message(error)}`, { cause: error });
      }
      lines.added(read);
      if (read === 0) break;
    }
    if (records.length > 0) return records;
    await this.#sleep(IDLE_WAIT_MS);
    return null;
  }

  /** Opens the file and positions the reader at the committed offset; null while the file is missing. */
  async #open(): Promise<LineBuffer | null> {
    const filename = this.#filename ?? '';
    let file: FileHandle;
    try {
      // Non-blocking, so a FIFO without a writer cannot hold one of the process's few file threads.
      file = await open(filename, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch {
      // Apache's task also waits for any file it cannot open, e.g. one not created yet.
      return null;
    }
    const info = await file.stat().catch(() => undefined);
    if (info === undefined || !info.isFile()) {
      await file.close();
      // A device or a FIFO never ends (and /dev/zero has no line ends): a text file is what this reads.
      throw new ConnectError(`${filename} is not a regular file; FileStreamSource reads regular files`);
    }
    try {
      const offset = await this.context.offsetStorageReader.offset({ [FILENAME_FIELD]: filename });
      const recorded = offset?.[POSITION_FIELD] ?? null;
      const position = recorded === null ? 0n : toPosition(recorded);
      if (position === null) throw new ConnectError('Offset position is the incorrect type');
      if (position < 0n || position > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new ConnectError(`Offset position ${position} is out of range`);
      }
      if (this.#stopped) {
        await file.close();
        return null;
      }
      this.#file = file;
      this.#lines = new LineBuffer(Number(position));
      return this.#lines;
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  async #pollStdin(stdin: StdinReader): Promise<SourceRecord[] | null> {
    const lines = this.#lines ?? new LineBuffer();
    while (lines.pending < DEFAULT_BUFFER_SIZE) {
      const chunk = stdin.shift();
      if (chunk === undefined) break;
      lines.append(chunk);
    }
    const records: SourceRecord[] = [];
    this.#take(lines, records, Date.now());
    if (records.length > 0) return records;
    await this.#sleep(IDLE_WAIT_MS);
    return null;
  }

  #take(lines: LineBuffer, records: SourceRecord[], timestamp: number): void {
    const tracked = this.#filename !== null;
    while (records.length < this.#batchSize) {
      const line = lines.next();
      if (line === null) return;
      records.push(
        new SourceRecord({
          sourcePartition: this.#partition,
          sourceOffset: { [POSITION_FIELD]: tracked ? BigInt(lines.position) : null },
          topic: this.#topic,
          valueSchema: Schema.STRING_SCHEMA,
          value: line,
          timestamp,
        }),
      );
    }
  }

  /** Waits `ms`, or less if the task stops or stdin has data. */
  #sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#wakeUp(), ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Ends a waiting poll at once, lets a reading one finish, then closes the file. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wakeUp();
    this.#stdin?.close();
    await this.#polling?.catch(() => undefined);
    const file = this.#file;
    this.#file = null;
    await file?.close();
  }
}

/** Chunks of a readable stream (stdin), paused while more than a buffer's worth waits to be polled. */
class StdinReader {
  readonly #stream: NodeJS.ReadableStream;
  readonly #chunks: Buffer[] = [];
  #queued = 0;
  readonly #onData: (chunk: Buffer | string) => void;

  constructor(stream: NodeJS.ReadableStream, onData: () => void) {
    this.#stream = stream;
    this.#onData = (chunk) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      this.#chunks.push(bytes);
      this.#queued += bytes.length;
      if (this.#queued >= DEFAULT_BUFFER_SIZE) this.#stream.pause();
      onData();
    };
    stream.on('data', this.#onData);
    stream.resume();
  }

  shift(): Buffer | undefined {
    const chunk = this.#chunks.shift();
    if (chunk !== undefined) {
      this.#queued -= chunk.length;
      if (this.#queued < DEFAULT_BUFFER_SIZE && this.#stream.isPaused()) this.#stream.resume();
    }
    return chunk;
  }

  close(): void {
    this.#stream.off('data', this.#onData);
    this.#stream.pause();
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
