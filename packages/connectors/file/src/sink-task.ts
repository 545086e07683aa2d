import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { ConnectError, SinkTask, type SinkRecord, type TopicPartitionOffset } from '@sluice/sdk';
import { SINK_CONFIG_DEF, SINK_FILE_CONFIG } from './sink-connector.js';
import { VERSION } from './version.js';

/**
 * Appends each record's value as text and a newline (Apache's `FileStreamSinkTask`), to a file opened in
 * append mode (created if missing) or to stdout. Each `put` is one write; `flush` fsyncs the file, so the
 * offsets committed after it never run ahead of the data on disk.
 */
export class FileStreamSinkTask extends SinkTask {
  #filename: string | null = null;
  #file: FileHandle | null = null;
  /** The stdout write in progress, awaited by `flush`. */
  #stdoutWrite: Promise<void> = Promise.resolve();
  /** Appends made since the last fsync: a flush with none has nothing to sync. */
  #unsynced = false;
  /** A regular file is fsynced on flush; a device is not. */
  #regular = true;

  version(): string {
    return VERSION;
  }

  async start(props: Record<string, string>): Promise<void> {
    const filename = SINK_CONFIG_DEF.parse(props).get(SINK_FILE_CONFIG);
    this.#filename = filename;
    if (filename === null) return;
    try {
      // Non-blocking: a FIFO without a reader fails at once instead of holding one of the file threads.
      this.#file = await open(
        filename,
        constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK,
        0o666,
      );
    } catch (error) {
      throw new ConnectError(`Couldn't find or create file '${filename}' for FileStreamSinkTask`, {
        cause: error,
      });
    }
    const info = await this.#file.stat();
    // Files and devices such as /dev/null take appends; a FIFO or a socket would block a write.
    this.#regular = info.isFile();
    if (info.isFIFO() || info.isSocket() || info.isDirectory()) {
      await this.#file.close();
      this.#file = null;
      throw new ConnectError(`${filename} is not a file FileStreamSinkTask can append to`);
    }
  }

  async put(records: readonly SinkRecord[]): Promise<void> {
    if (records.length === 0) return;
    let text = '';
    for (const record of records) text += `${javaString(record.value)}\n`;
    if (this.#file !== null) {
      this.#unsynced = true;
      await this.#file.appendFile(text, 'utf8');
    } else {
      const previous = this.#stdoutWrite;
      this.#stdoutWrite = previous.then(() => writeStdout(text));
      await this.#stdoutWrite;
    }
  }

  override async flush(_currentOffsets: readonly TopicPartitionOffset[]): Promise<void> {
    // A device (/dev/null) has nothing to sync.
    if (this.#file !== null) {
      if (this.#regular && this.#unsynced) {
        this.#unsynced = false;
        try {
          await this.#file.sync();
        } catch (error) {
          this.#unsynced = true;
          throw error;
        }
      }
    } else await this.#stdoutWrite;
  }

  async stop(): Promise<void> {
    const file = this.#file;
    this.#file = null;
    await file?.close();
  }

  /** The file written to, or null for stdout. */
  get filename(): string | null {
    return this.#filename;
  }
}

function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * A value as Java's `String.valueOf` prints it for the types Connect gives a sink: null as `null`, lists
 * as `[a, b]`, maps as `{k=v}`; Structs and decimals print themselves as Connect does.
 */
export function javaString(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(javaString).join(', ')}]`;
  if (value instanceof Map) {
    const entries = [...(value as Map<unknown, unknown>)];
    return `{${entries.map(([k, v]) => `${javaString(k)}=${javaString(v)}`).join(', ')}}`;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value);
    return `{${entries.map(([k, v]) => `${k}=${javaString(v)}`).join(', ')}}`;
  }
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  // Struct, DecimalValue, Buffer, Date: their own toString.
  return (value as { toString(): string }).toString();
}
