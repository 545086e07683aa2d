import type { HttpSourceConfig, OffsetModeName } from './config.js';
import { asText, jsonText, parseJsonBody, toPlain } from './json.js';
import type { JsonPointer } from './json-pointer.js';

/** The source offset key: what `${offset}` is made from (shown and edited through the offsets REST API). */
export const OFFSET_FIELD = 'offset';
/** CURSOR_PAGINATION only: how many records of the page at `offset` were already produced. */
export const SKIP_FIELD = 'skip';

/** Where an entity is: its offset value and, in CURSOR_PAGINATION, the records of that page already produced. */
export interface Position {
  readonly value: unknown;
  readonly skip: number;
}

/** A record's value and the position just after it (its source offset). */
export interface PageRecord {
  readonly value: unknown;
  readonly position: Position;
}

/** The records one response gives (already produced ones left out) and the position of the next request. */
export interface Page {
  readonly records: readonly PageRecord[];
  readonly next: Position;
}

/** Data in a response that the offset mode cannot use; the task reports it with the request. */
export class PageError extends Error {}

/** An offset that does not fit the mode (a bad committed or edited offset). */
export class OffsetError extends Error {}

/** How many page references CURSOR_PAGINATION remembers to detect a loop. */
export const SEEN_PAGES_LIMIT = 10_000;

/**
 * The offset state machine of one entity (`http.offset.mode`). The position starts at `http.initial.offset`
 * or the committed offset; each non-empty response moves it; an empty one leaves it (the same request is
 * made again after `request.interval.ms`).
 */
export abstract class OffsetMode {
  abstract readonly name: OffsetModeName;

  /** The mode of `config`, with fresh state (one per entity). */
  static of(config: HttpSourceConfig): OffsetMode {
    switch (config.offsetMode) {
      case 'SIMPLE_INCREMENTING':
        return new SimpleIncrementing(config.initialOffset);
      case 'CHAINING':
        return new Chaining(config.initialOffset, config.offsetPointer!, config.offsetAsString);
      case 'CURSOR_PAGINATION':
        return new CursorPagination(config.initialOffset, config.nextPagePointer!);
    }
  }

  /** The position before any committed offset. */
  abstract initial(): Position;

  /** The position of a committed (or edited) offset; throws an {@link OffsetError} for one of the wrong shape. */
  abstract restore(offset: Readonly<Record<string, unknown>>): Position;

  /** The text `${offset}` stands for. */
  abstract template(position: Position): string;

  /** The source offset of a record at `position`. */
  abstract sourceOffset(position: Position): Record<string, unknown>;

  /** The records of `data` (the elements at `http.response.data.json.pointer`) from a request at `position`. */
  abstract page(position: Position, response: unknown, data: readonly unknown[]): Page;

  /** Checks that an offset has only the fields the mode knows. */
  protected fields(offset: Readonly<Record<string, unknown>>, allowed: readonly string[]): void {
    if (!Object.hasOwn(offset, OFFSET_FIELD)) {
      throw new OffsetError(`Offset objects should either be null or contain the key '${OFFSET_FIELD}'`);
    }
    const unknown = Object.keys(offset).filter((key) => !allowed.includes(key));
    if (unknown.length > 0) {
      throw new OffsetError(
        `A ${this.name} offset has only ${allowed.map((k) => `'${k}'`).join(' and ')}, not ${unknown.map((k) => `'${k}'`).join(', ')}`,
      );
    }
  }
}

/** The records of a response: the array at the data pointer, or the one value there; none when absent or null. */
export function dataRecords(response: unknown, pointer: JsonPointer): unknown[] {
  const data = pointer.get(response);
  if (data === undefined || data === null) return [];
  return Array.isArray(data) ? data : [data];
}

/** SIMPLE_INCREMENTING: the offset counts records; the offset after the i-th record of a page is start + i. */
class SimpleIncrementing extends OffsetMode {
  readonly name = 'SIMPLE_INCREMENTING';
  readonly #initial: bigint;

  constructor(initialOffset: string | null) {
    super();
    this.#initial = BigInt(initialOffset ?? '0');
  }

  initial(): Position {
    return { value: this.#initial, skip: 0 };
  }

  restore(offset: Readonly<Record<string, unknown>>): Position {
    this.fields(offset, [OFFSET_FIELD]);
    const value = offset[OFFSET_FIELD];
    if (typeof value === 'bigint') return { value, skip: 0 };
    if (typeof value === 'number' && Number.isSafeInteger(value)) return { value: BigInt(value), skip: 0 };
    if (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim()))
      return { value: BigInt(value.trim()), skip: 0 };
    throw new OffsetError(
      `The '${OFFSET_FIELD}' of a SIMPLE_INCREMENTING offset must be an integer, not ${show(value)}`,
    );
  }

  template(position: Position): string {
    return String(position.value);
  }

  sourceOffset(position: Position): Record<string, unknown> {
    return { [OFFSET_FIELD]: String(position.value) };
  }

  page(position: Position, _response: unknown, data: readonly unknown[]): Page {
    const start = position.value as bigint;
    return {
      records: data.map((value, i) => ({ value, position: { value: start + BigInt(i + 1), skip: 0 } })),
      next: { value: start + BigInt(data.length), skip: 0 },
    };
  }
}

/** CHAINING: each record's offset is the value at `http.offset.json.pointer` in it; the last one's is next. */
class Chaining extends OffsetMode {
  readonly name = 'CHAINING';
  readonly #initial: unknown;
  readonly #pointer: JsonPointer;
  readonly #asString: boolean;

  constructor(initialOffset: string | null, pointer: JsonPointer, asString: boolean) {
    super();
    this.#pointer = pointer;
    this.#asString = asString;
    this.#initial = asString ? (initialOffset ?? '') : jsonOrString(initialOffset);
  }

  initial(): Position {
    return { value: this.#initial, skip: 0 };
  }

  restore(offset: Readonly<Record<string, unknown>>): Position {
    this.fields(offset, [OFFSET_FIELD]);
    const value = offset[OFFSET_FIELD];
    if (!this.#asString) return { value, skip: 0 };
    if (typeof value === 'string') return { value, skip: 0 };
    if (typeof value === 'number' || typeof value === 'bigint') return { value: String(value), skip: 0 };
    throw new OffsetError(
      `The '${OFFSET_FIELD}' of a CHAINING offset must be a string (use.http.offset.json.pointer.as.string is true), not ${show(value)}`,
    );
  }

  template(position: Position): string {
    return this.#asString ? (position.value as string) : jsonText(position.value);
  }

  sourceOffset(position: Position): Record<string, unknown> {
    return { [OFFSET_FIELD]: this.#asString ? position.value : toPlain(position.value) };
  }

  page(position: Position, _response: unknown, data: readonly unknown[]): Page {
    const records = data.map((value, i) => {
      const offset = this.#pointer.get(value);
      if (offset === undefined) {
        throw new PageError(
          `record ${i + 1} of ${data.length} has no value at http.offset.json.pointer '${this.#pointer.text}'`,
        );
      }
      return { value, position: { value: this.#asString ? asText(offset) : offset, skip: 0 } };
    });
    return { records, next: records.at(-1)?.position ?? position };
  }
}

/**
 * CURSOR_PAGINATION: the offset is a page reference, the next one read at `http.next.page.json.pointer`. The
 * last record of a page gets the next page's reference (with nothing to skip); the others get the page's own
 * reference and how many of its records are produced up to them, so a restart resumes inside the page. A page
 * without a next reference is the last one for now: it is requested again after the interval, and only the
 * records past those already produced are emitted. A next reference already requested is a loop and fails.
 */
class CursorPagination extends OffsetMode {
  readonly name = 'CURSOR_PAGINATION';
  readonly #initial: string;
  readonly #pointer: JsonPointer;
  /** Page references requested, oldest first (a Set keeps insertion order), at most {@link SEEN_PAGES_LIMIT}. */
  readonly #seen = new Set<string>();

  constructor(initialOffset: string | null, pointer: JsonPointer) {
    super();
    this.#initial = initialOffset ?? '';
    this.#pointer = pointer;
  }

  initial(): Position {
    return { value: this.#initial, skip: 0 };
  }

  restore(offset: Readonly<Record<string, unknown>>): Position {
    this.fields(offset, [OFFSET_FIELD, SKIP_FIELD]);
    const value = offset[OFFSET_FIELD];
    if (typeof value !== 'string') {
      throw new OffsetError(
        `The '${OFFSET_FIELD}' of a CURSOR_PAGINATION offset must be a string, not ${show(value)}`,
      );
    }
    const skip = offset[SKIP_FIELD] ?? 0;
    const count = typeof skip === 'bigint' ? Number(skip) : skip;
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
      throw new OffsetError(
        `The '${SKIP_FIELD}' of a CURSOR_PAGINATION offset must be a non-negative integer, not ${show(skip)}`,
      );
    }
    return { value, skip: count };
  }

  template(position: Position): string {
    return position.value as string;
  }

  sourceOffset(position: Position): Record<string, unknown> {
    return position.skip > 0
      ? { [OFFSET_FIELD]: position.value, [SKIP_FIELD]: position.skip }
      : { [OFFSET_FIELD]: position.value };
  }

  page(position: Position, response: unknown, data: readonly unknown[]): Page {
    const current = position.value as string;
    this.#remember(current);
    const found = this.#pointer.get(response);
    if (found !== undefined && found !== null && typeof found !== 'string') {
      throw new PageError(
        `the next page reference at http.next.page.json.pointer '${this.#pointer.text}' must be a JSON string, not ${describe(found)}`,
      );
    }
    const next = found === undefined || found === null || found === '' ? null : found;
    if (data.length === 0) return { records: [], next: position };
    if (next !== null && this.#seen.has(next)) {
      throw new PageError(`pagination loop: next page token '${next}' was already requested`);
    }
    const last = data.length - 1;
    const records = data.flatMap((value, i) => {
      if (i < position.skip) return [];
      const after: Position =
        next !== null && i === last ? { value: next, skip: 0 } : { value: current, skip: i + 1 };
      return [{ value, position: after }];
    });
    return {
      records,
      next:
        next !== null
          ? { value: next, skip: 0 }
          : { value: current, skip: Math.max(position.skip, data.length) },
    };
  }

  #remember(reference: string): void {
    this.#seen.delete(reference);
    this.#seen.add(reference);
    if (this.#seen.size > SEEN_PAGES_LIMIT) {
      const oldest = this.#seen.values().next();
      if (oldest.done !== true) this.#seen.delete(oldest.value);
    }
  }
}

/** With `use.http.offset.json.pointer.as.string=false` the initial offset is JSON when it reads as JSON. */
function jsonOrString(text: string | null): unknown {
  if (text === null) return null;
  try {
    return parseJsonBody(Buffer.from(text, 'utf8'));
  } catch {
    return text;
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Map) return 'an object';
  return `a ${typeof value === 'bigint' ? 'number' : typeof value}`;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'bigint') return value.toString();
  return (
    JSON.stringify(toPlain(value), (_key, item: unknown) =>
      typeof item === 'bigint' ? item.toString() : item,
    ) ?? typeof value
  );
}
