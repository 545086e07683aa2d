/** The stream cannot go on: bytes that do not start a JSON object, or one larger than the limit. */
export class JsonStreamError extends Error {
  readonly tooLarge: boolean;

  constructor(message: string, tooLarge = false) {
    super(message);
    this.tooLarge = tooLarge;
  }
}

const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * Splits a byte stream of concatenated JSON objects (`{…}{…}`, with or without whitespace between them, as
 * Confluent's v3 produce takes them) into one byte range per object, as the bytes arrive: only the object
 * being read is held. It finds boundaries only (braces outside strings); each object is parsed on its own.
 */
export class JsonObjectStream {
  readonly #maxObjectBytes: number;
  #pending: Buffer = Buffer.alloc(0);
  /** Where scanning goes on in `#pending`. */
  #at = 0;
  /** Start of the object being read in `#pending`, or -1 between objects. */
  #start = -1;
  #depth = 0;
  #inString = false;
  #escaped = false;

  constructor(maxObjectBytes: number) {
    this.#maxObjectBytes = maxObjectBytes;
  }

  /** The objects that `chunk` completes, in order. Throws `JsonStreamError` when the stream cannot go on. */
  push(chunk: Uint8Array): Buffer[] {
    const rest = this.#start >= 0 ? this.#pending.subarray(this.#start) : Buffer.alloc(0);
    const scanned = this.#start >= 0 ? this.#at - this.#start : 0;
    this.#pending =
      rest.length === 0
        ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
        : Buffer.concat([rest, chunk]);
    this.#start = this.#start >= 0 ? 0 : -1;
    this.#at = scanned;
    const objects: Buffer[] = [];
    const bytes = this.#pending;
    for (let i = this.#at; i < bytes.length; i++) {
      const byte = bytes[i]!;
      if (this.#start < 0) {
        if (isSpace(byte)) continue;
        if (byte !== OPEN_OBJECT) {
          throw new JsonStreamError(
            `Error processing JSON: expected a JSON object at byte ${i}, found ${JSON.stringify(String.fromCharCode(byte))}`,
          );
        }
        this.#start = i;
        this.#depth = 1;
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
        const end = quote < 0 ? bytes.length : quote;
        const backslash = bytes.subarray(i, end).indexOf(BACKSLASH);
        if (backslash >= 0) {
          i += backslash;
          this.#escaped = true;
          continue;
        }
        if (quote < 0) {
          i = bytes.length - 1;
          continue;
        }
        i = quote;
        this.#inString = false;
        continue;
      }
      if (byte === QUOTE) this.#inString = true;
      else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) this.#depth++;
      else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
        this.#depth--;
        if (this.#depth === 0) {
          if (i + 1 - this.#start > this.#maxObjectBytes) throw this.#tooLarge();
          objects.push(bytes.subarray(this.#start, i + 1));
          this.#start = -1;
        }
      }
    }
    this.#at = bytes.length;
    if (this.#start >= 0 && bytes.length - this.#start > this.#maxObjectBytes) throw this.#tooLarge();
    if (this.#start < 0) {
      this.#pending = Buffer.alloc(0);
      this.#at = 0;
    }
    return objects;
  }

  /** At the end of the input: throws if an object was left unfinished. */
  end(): void {
    if (this.#start >= 0)
      throw new JsonStreamError('Error processing JSON: the stream ended inside a JSON object');
  }

  #tooLarge(): JsonStreamError {
    return new JsonStreamError(
      `Error processing message: Produce request size is larger than allowed threshold (${this.#maxObjectBytes} bytes, producer.max.request.size)`,
      true,
    );
  }
}
