/**
 * Bytes read from a file or stdin, split into UTF-8 lines the way Apache's FileStreamSourceTask splits them:
 * a line ends at `\n`, `\r\n` or a lone `\r`, and a `\r` that is the last byte read so far waits for the next
 * byte (it may be the start of `\r\n`). Splitting happens on bytes, before decoding, so a character split
 * across two reads is decoded whole, and the byte offset of every line end is exact.
 */
const LF = 0x0a;
const CR = 0x0d;

/** Bytes per read; the buffer only grows beyond this for a longer line. */
export const DEFAULT_BUFFER_SIZE = 1 << 20;

/**
 * The longest line read (64 MiB). Apache's task grows its buffer without bound, so a file without line ends
 * (`/dev/zero`, a binary file) takes the worker's memory; here such a line fails the task instead.
 */
export const MAX_LINE_BYTES = 64 << 20;

/** A line longer than `MAX_LINE_BYTES`: not a text file FileStreamSource can read. */
export class LineTooLongError extends Error {
  constructor() {
    super(`a line is longer than ${MAX_LINE_BYTES} bytes; FileStreamSource reads text files of lines`);
    this.name = 'LineTooLongError';
  }
}

export class LineBuffer {
  readonly #initialSize: number;
  #buf: Buffer;
  /** `#buf` up to `#end`, so that searches never see stale bytes. */
  #data: Buffer;
  #start = 0;
  #end = 0;
  /** Absolute position (e.g. file offset) of `#buf[#start]`. */
  #position: number;
  // Search caches: the next LF/CR at or after #start when >= #start; otherwise none in [#start, #…From).
  #lf = -1;
  #lfFrom = 0;
  #cr = -1;
  #crFrom = 0;

  constructor(position = 0, size = DEFAULT_BUFFER_SIZE) {
    this.#initialSize = size;
    this.#buf = Buffer.allocUnsafe(size);
    this.#data = this.#buf.subarray(0, 0);
    this.#position = position;
  }

  /** The absolute position just after the last line returned by `next` (where the next line starts). */
  get position(): number {
    return this.#position;
  }

  /** The absolute position just after the last byte added (where the next read starts). */
  get end(): number {
    return this.#position + this.#end - this.#start;
  }

  /** Bytes added but not yet returned as a line. */
  get pending(): number {
    return this.#end - this.#start;
  }

  /**
   * Space for the next read: moves pending bytes to the front, and grows the buffer when they fill it (a line
   * longer than the buffer) or shrinks it back once such a line is gone. Fill it and call `added`.
   */
  writable(): { buffer: Buffer; offset: number; length: number } {
    const pending = this.#end - this.#start;
    let size = this.#buf.length;
    if (pending === size) {
      if (size >= MAX_LINE_BYTES) throw new LineTooLongError();
      size = Math.min(size * 2, MAX_LINE_BYTES);
    } else if (size > this.#initialSize && pending < this.#initialSize / 2) size = this.#initialSize;
    if (size !== this.#buf.length) {
      const grown = Buffer.allocUnsafe(size);
      this.#buf.copy(grown, 0, this.#start, this.#end);
      this.#buf = grown;
      this.#shift(this.#start);
    } else if (this.#start > 0) {
      this.#buf.copyWithin(0, this.#start, this.#end);
      this.#shift(this.#start);
    }
    return { buffer: this.#buf, offset: this.#end, length: this.#buf.length - this.#end };
  }

  /** Records that `n` bytes were written at the offset `writable` gave. */
  added(n: number): void {
    this.#end += n;
    this.#data = this.#buf.subarray(0, this.#end);
  }

  /** Copies a chunk in (for streams such as stdin). */
  append(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      const room = this.writable();
      const n = Math.min(room.length, chunk.length - offset);
      room.buffer.set(chunk.subarray(offset, offset + n), room.offset);
      this.added(n);
      offset += n;
    }
  }

  /** The next complete line, decoded as UTF-8 without its terminator, or null until more bytes arrive. */
  next(): string | null {
    const lf = this.#nextLf();
    const cr = this.#nextCr();
    let lineEnd: number;
    let nextStart: number;
    if (cr >= 0 && (lf < 0 || cr < lf)) {
      if (cr + 1 >= this.#end) return null;
      lineEnd = cr;
      nextStart = this.#buf[cr + 1] === LF ? cr + 2 : cr + 1;
    } else if (lf >= 0) {
      lineEnd = lf;
      nextStart = lf + 1;
    } else {
      return null;
    }
    const line = this.#buf.toString('utf8', this.#start, lineEnd);
    this.#position += nextStart - this.#start;
    this.#start = nextStart;
    return line;
  }

  #nextLf(): number {
    if (this.#lf >= this.#start) return this.#lf;
    const from = Math.max(this.#start, this.#lfFrom);
    const found = from < this.#end ? this.#data.indexOf(LF, from) : -1;
    if (found < 0) this.#lfFrom = this.#end;
    else this.#lf = found;
    return found;
  }

  // One search per read when the data has no CR at all, and one per CR otherwise: never one per line.
  #nextCr(): number {
    if (this.#cr >= this.#start) return this.#cr;
    const from = Math.max(this.#start, this.#crFrom);
    const found = from < this.#end ? this.#data.indexOf(CR, from) : -1;
    if (found < 0) this.#crFrom = this.#end;
    else this.#cr = found;
    return found;
  }

  #shift(by: number): void {
    this.#end -= by;
    this.#start = 0;
    this.#lf -= by;
    this.#lfFrom = Math.max(0, this.#lfFrom - by);
    this.#cr -= by;
    this.#crFrom = Math.max(0, this.#crFrom - by);
    this.#data = this.#buf.subarray(0, this.#end);
  }
}
