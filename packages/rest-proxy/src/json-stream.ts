/** The stream cannot go on: bytes that do not start a JSON object, or one larger than the limit. */
export class JsonStreamError extends Error {
  readonly tooLarge: boolean;
  /**
   * The objects the failing chunk completed before the failure, as `push` would have returned them: they
   * are records of the stream like any other (Confluent's proxy produces and reports every record before
   * the one it cannot read).
   */
  completed: unknown[] = [];

  constructor(message: string, tooLarge = false) {
    super(message);
    this.tooLarge = tooLarge;
  }
}

const OPEN_OBJECT = 0x7b;
/** Bytes of JSON's syntax, shared with the readers plugged into the stream. */
export const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
export const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * Reads, in one go, an object of a shape it knows that starts at `start` of `bytes` and ends before `limit`:
 * pushes what it read onto `out` and answers where the object ends (the index after its `}`), or answers -1,
 * having pushed nothing, to leave the object to the splitter (another shape, or not whole before `limit`).
 */
export type ObjectReader<T> = (bytes: Buffer, start: number, limit: number, out: Array<Buffer | T>) => number;

/**
 * Splits a byte stream of concatenated JSON objects (`{…}{…}`, with or without whitespace between them, as
 * Confluent's v3 produce takes them) into one byte range per object, as the bytes arrive: only the object
 * being read is held. It finds boundaries only (braces outside strings); each object is parsed on its own.
 * With a `reader`, each object is first offered to it (whole: one split across chunks once joined), which
 * reads the common shape of object in one pass instead of a split then a parse.
 */
export class JsonObjectStream<T = never> {
  readonly #maxObjectBytes: number;
  readonly #reader: ObjectReader<T> | undefined;
  /** The pieces of an object begun in earlier chunks (empty between objects, or when it began in this one). */
  #partial: Buffer[] = [];
  #partialBytes = 0;
  /** Whether an object is being read. */
  #inObject = false;
  #depth = 0;
  #inString = false;
  #escaped = false;

  constructor(maxObjectBytes: number, reader?: ObjectReader<T>) {
    this.#maxObjectBytes = maxObjectBytes;
    this.#reader = reader;
  }

  /**
   * The objects that `chunk` completes, in order: what the reader read, or the object's bytes. Throws
   * `JsonStreamError` when the stream cannot go on (with the objects completed before, see `completed`). Objects that lie within the chunk are views of it; only
   * one that spans chunks is copied.
   */
  push(chunk: Uint8Array): Array<Buffer | T> {
    const objects: Array<Buffer | T> = [];
    try {
      this.#scan(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), objects);
    } catch (error) {
      if (error instanceof JsonStreamError) error.completed = objects;
      throw error;
    }
    return objects;
  }

  #scan(bytes: Buffer, objects: Array<Buffer | T>): void {
    const reader = this.#reader;
    /** Where the object being read starts in this chunk; 0 for one begun in an earlier chunk. */
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      if (!this.#inObject) {
        if (isSpace(byte)) continue;
        if (byte !== OPEN_OBJECT) {
          throw new JsonStreamError(
            `Error processing JSON: expected a JSON object, found ${JSON.stringify(String.fromCharCode(byte))}`,
          );
        }
        if (reader !== undefined) {
          // Within the size limit: an object the reader reads is never too large.
          const end = reader(bytes, i, Math.min(bytes.length, i + this.#maxObjectBytes), objects);
          if (end > i) {
            i = end - 1;
            continue;
          }
        }
        this.#inObject = true;
        this.#depth = 1;
        start = i;
        continue;
      }
      if (this.#inString) {
        if (this.#escaped) {
          this.#escaped = false;
          continue;
        }
        // Straight to the next quote (strings, base64 data, are most of the bytes), unless a backslash
        // comes first.
        const quote = bytes.indexOf(QUOTE, i);
        const backslash = bytes.subarray(i, quote < 0 ? bytes.length : quote).indexOf(BACKSLASH);
        if (backslash >= 0) {
          i += backslash;
          this.#escaped = true;
        } else if (quote < 0) {
          i = bytes.length - 1;
        } else {
          i = quote;
          this.#inString = false;
        }
        continue;
      }
      if (byte === QUOTE) this.#inString = true;
      else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) this.#depth++;
      else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
        this.#depth--;
        if (this.#depth === 0) {
          const size = this.#partialBytes + i + 1 - start;
          if (size > this.#maxObjectBytes) throw this.#tooLarge();
          const tail = bytes.subarray(start, i + 1);
          if (this.#partial.length === 0) objects.push(tail);
          else {
            // An object split across chunks is offered to the reader whole, as one within a chunk is.
            const whole = Buffer.concat([...this.#partial, tail], size);
            if (reader === undefined || reader(whole, 0, whole.length, objects) !== whole.length)
              objects.push(whole);
          }
          this.#partial = [];
          this.#partialBytes = 0;
          this.#inObject = false;
        }
      }
    }
    if (this.#inObject) {
      const rest = bytes.subarray(start);
      this.#partial.push(rest);
      this.#partialBytes += rest.length;
      if (this.#partialBytes > this.#maxObjectBytes) throw this.#tooLarge();
    }
  }

  /** At the end of the input: throws if an object was left unfinished. */
  end(): void {
    if (this.#inObject)
      throw new JsonStreamError('Error processing JSON: the stream ended inside a JSON object');
  }

  #tooLarge(): JsonStreamError {
    return new JsonStreamError(
      `Error processing message: Produce request size is larger than allowed threshold (${this.#maxObjectBytes} bytes, producer.max.request.size)`,
      true,
    );
  }
}
