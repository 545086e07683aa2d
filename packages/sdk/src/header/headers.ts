import type { DecimalValue } from '../data/decimal-value.js';
import { ConnectDate, ConnectTime, ConnectTimestamp, Decimal } from '../data/logical.js';
import { Schema } from '../data/schema.js';
import type { Struct } from '../data/struct.js';
import { validateValue } from '../data/validate-value.js';

/** One record header: a key, and a value with its schema (null for schemaless values). */
export class ConnectHeader {
  constructor(
    readonly key: string,
    readonly schema: Schema | null,
    readonly value: unknown,
  ) {
    Object.freeze(this);
  }

  /** The same key with another value. */
  with(schema: Schema | null, value: unknown): ConnectHeader {
    return new ConnectHeader(this.key, schema, value);
  }

  /** The same value under another key. */
  rename(key: string): ConnectHeader {
    return new ConnectHeader(key, this.schema, this.value);
  }
}

export type Header = ConnectHeader;

/**
 * The headers of a record (Connect's `ConnectHeaders`): ordered, and a key may occur several times, as in
 * Kafka. Values are validated against their schema when added.
 */
export class ConnectHeaders implements Iterable<ConnectHeader> {
  #headers: ConnectHeader[];

  constructor(headers: Iterable<ConnectHeader> = []) {
    this.#headers = [...headers];
  }

  get size(): number {
    return this.#headers.length;
  }

  isEmpty(): boolean {
    return this.#headers.length === 0;
  }

  [Symbol.iterator](): Iterator<ConnectHeader> {
    return this.#headers[Symbol.iterator]();
  }

  /** Appends a header; the value is checked against the schema when there is one. */
  add(key: string, schema: Schema | null, value: unknown): this;
  add(header: ConnectHeader): this;
  add(keyOrHeader: string | ConnectHeader, schema: Schema | null = null, value: unknown = null): this {
    const header =
      typeof keyOrHeader === 'string' ? new ConnectHeader(keyOrHeader, schema, value ?? null) : keyOrHeader;
    if (header.schema !== null) validateValue(header.schema, header.value, header.key);
    this.#headers.push(header);
    return this;
  }

  addString(key: string, value: string | null): this {
    return this.add(key, value === null ? Schema.OPTIONAL_STRING_SCHEMA : Schema.STRING_SCHEMA, value);
  }
  addBoolean(key: string, value: boolean): this {
    return this.add(key, Schema.BOOLEAN_SCHEMA, value);
  }
  addInt8(key: string, value: number): this {
    return this.add(key, Schema.INT8_SCHEMA, value);
  }
  addInt16(key: string, value: number): this {
    return this.add(key, Schema.INT16_SCHEMA, value);
  }
  addInt32(key: string, value: number): this {
    return this.add(key, Schema.INT32_SCHEMA, value);
  }
  addInt64(key: string, value: bigint): this {
    return this.add(key, Schema.INT64_SCHEMA, value);
  }
  addFloat32(key: string, value: number): this {
    return this.add(key, Schema.FLOAT32_SCHEMA, value);
  }
  addFloat64(key: string, value: number): this {
    return this.add(key, Schema.FLOAT64_SCHEMA, value);
  }
  addBytes(key: string, value: Uint8Array): this {
    return this.add(key, Schema.BYTES_SCHEMA, value);
  }
  addStruct(key: string, value: Struct): this {
    return this.add(key, value.schema, value);
  }
  addDecimal(key: string, value: DecimalValue): this {
    return this.add(key, Decimal.schema(value.scale), value);
  }
  addDate(key: string, value: Date): this {
    return this.add(key, ConnectDate.SCHEMA, value);
  }
  addTime(key: string, value: Date): this {
    return this.add(key, ConnectTime.SCHEMA, value);
  }
  addTimestamp(key: string, value: Date): this {
    return this.add(key, ConnectTimestamp.SCHEMA, value);
  }

  /** Every header with this key, in order. */
  allWithName(key: string): ConnectHeader[] {
    return this.#headers.filter((h) => h.key === key);
  }

  /** The last header with this key, or null. */
  lastWithName(key: string): ConnectHeader | null {
    return this.#headers.findLast((h) => h.key === key) ?? null;
  }

  /** Removes every header with this key. */
  remove(key: string): this {
    this.#headers = this.#headers.filter((h) => h.key !== key);
    return this;
  }

  /** Keeps only the last header of each key (of `key` only, when given), in their order. */
  retainLatest(key?: string): this {
    const last = new Map<string, ConnectHeader>();
    for (const h of this.#headers) last.set(h.key, h);
    this.#headers = this.#headers.filter(
      (h) => (key !== undefined && h.key !== key) || last.get(h.key) === h,
    );
    return this;
  }

  clear(): this {
    this.#headers = [];
    return this;
  }

  /** Replaces each header by what `transform` returns; null drops it. */
  apply(transform: (header: ConnectHeader) => ConnectHeader | null): this {
    this.#headers = this.#headers.map(transform).filter((h): h is ConnectHeader => h !== null);
    return this;
  }

  /** An independent copy (headers themselves are immutable). */
  duplicate(): ConnectHeaders {
    return new ConnectHeaders(this.#headers);
  }
}
