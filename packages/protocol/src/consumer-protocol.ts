// Kafka's consumer group protocol (protocol type `consumer`): the Subscription a member sends in JoinGroup
// and the Assignment the leader hands out through SyncGroup, as Kafka's `ConsumerProtocol` encodes them
// (clients/…/consumer/internals/ConsumerProtocol.java, with the message specs
// `ConsumerProtocolSubscription.json` and `ConsumerProtocolAssignment.json`, versions 0–3, not flexible).
//
// Layout, big-endian: an int16 version, then the fields of that version. string = int16 length + UTF-8
// (-1 for a null nullable string); bytes = int32 length + bytes (-1 for null); array = int32 count + items.
//
//   Subscription  v0: topics [string], user_data nullable bytes
//                 v1: + owned_partitions [ {topic string, partitions [int32]} ]
//                 v2: + generation_id int32 (-1: none)
//                 v3: + rack_id nullable string
//   Assignment  v0–3: assigned_partitions [ {topic string, partitions [int32]} ], user_data nullable bytes
//
// As Kafka's reader, a newer version than 3 is read as version 3 (later versions only append fields) and
// bytes after the last known field are ignored.
import { ProtocolDecodeError, ProtocolEncodeError } from './codec.js';
import type { GroupProtocol } from './group-protocol.js';

/** Kafka's `ConsumerProtocol.PROTOCOL_TYPE`: what consumer groups (and so Connect's sink tasks) join with. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';
/** The newest Subscription/Assignment version this codec writes and reads (Kafka 3.x writes it). */
export const CONSUMER_PROTOCOL_VERSION = 3;

const SUBSCRIPTION = 'ConsumerProtocolSubscription';
const ASSIGNMENT = 'ConsumerProtocolAssignment';

/** One partition of a topic. */
export interface ConsumerTopicPartition {
  topic: string;
  partition: number;
}

/** What a consumer group member tells the leader in JoinGroup (Kafka's `ConsumerPartitionAssignor.Subscription`). */
export interface ConsumerSubscription {
  /** The topics the member subscribes to; written sorted, as Kafka does. */
  topics: string[];
  /** The assignor's own data (`subscriptionUserData`); null when it has none. */
  userData: Uint8Array | null;
  /** v1+: the partitions the member owns now (cooperative protocols); written sorted, grouped by topic. */
  ownedPartitions: ConsumerTopicPartition[];
  /** v2+: the generation in which the member owned them; -1 for none. */
  generationId: number;
  /** v3+: the member's `client.rack`; null for none (an empty rack id reads as none, as in Kafka). */
  rackId: string | null;
}

/** What the leader hands a member in SyncGroup (Kafka's `ConsumerPartitionAssignor.Assignment`). */
export interface ConsumerAssignment {
  /** The member's partitions; written grouped by topic, topics in order of first appearance, as Kafka does. */
  partitions: ConsumerTopicPartition[];
  /** The assignor's own data; null when it has none. */
  userData: Uint8Array | null;
}

/** A decoded message and the version it was written with. */
export type Versioned<T> = T & { version: number };

// ---- encoding ----

class Writer {
  readonly #chunks: Buffer[] = [];
  readonly #typeName: string;

  constructor(typeName: string) {
    this.#typeName = typeName;
  }

  int16(value: number): void {
    const buffer = Buffer.alloc(2);
    buffer.writeInt16BE(value);
    this.#chunks.push(buffer);
  }

  int32(value: number, field: string): void {
    if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31)
      throw new ProtocolEncodeError(this.#typeName, `${field} must be an int32, got ${String(value)}`);
    const buffer = Buffer.alloc(4);
    buffer.writeInt32BE(value);
    this.#chunks.push(buffer);
  }

  string(value: string | null, field: string): void {
    if (value === null) return this.int16(-1);
    if (typeof value !== 'string')
      throw new ProtocolEncodeError(this.#typeName, `${field} must be a string, got ${typeof value}`);
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.length > 0x7fff)
      throw new ProtocolEncodeError(this.#typeName, `${field} is longer than 32767 bytes in UTF-8`);
    this.int16(bytes.length);
    this.#chunks.push(bytes);
  }

  bytes(value: Uint8Array | null, field: string): void {
    if (value === null) {
      this.int32(-1, field);
      return;
    }
    if (!(value instanceof Uint8Array))
      throw new ProtocolEncodeError(this.#typeName, `${field} must be a Uint8Array or null`);
    this.int32(value.length, field);
    this.#chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }

  array<T>(items: readonly T[], field: string, write: (item: T) => void): void {
    if (!isList(items)) throw new ProtocolEncodeError(this.#typeName, `${field} must be an array`);
    this.int32(items.length, field);
    for (const item of items) write(item);
  }

  finish(): Uint8Array {
    const joined = Buffer.concat(this.#chunks);
    return new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength);
  }
}

function checkVersion(typeName: string, version: number): void {
  if (!Number.isInteger(version) || version < 0 || version > CONSUMER_PROTOCOL_VERSION)
    throw new ProtocolEncodeError(
      typeName,
      `version must be 0 to ${CONSUMER_PROTOCOL_VERSION}, got ${version}`,
    );
}

/** Partitions grouped by topic, topics in order of first appearance (partition order kept). */
function groupByTopic(
  partitions: readonly ConsumerTopicPartition[],
  typeName: string,
  field: string,
): Array<[string, number[]]> {
  if (!isList(partitions)) throw new ProtocolEncodeError(typeName, `${field} must be an array`);
  const grouped = new Map<string, number[]>();
  for (const tp of partitions) {
    if ((tp as unknown) === null || typeof tp !== 'object' || typeof tp.topic !== 'string')
      throw new ProtocolEncodeError(typeName, `${field} must hold {topic, partition} objects`);
    let list = grouped.get(tp.topic);
    if (list === undefined) grouped.set(tp.topic, (list = []));
    list.push(tp.partition);
  }
  return [...grouped];
}

function writePartitions(writer: Writer, grouped: Array<[string, number[]]>, field: string): void {
  writer.array(grouped, field, ([topic, partitions]) => {
    writer.string(topic, `${field}.topic`);
    writer.array(partitions, `${field}.partitions`, (p) => writer.int32(p, `${field}.partitions[]`));
  });
}

/**
 * A Subscription in `version` (default 3), as Kafka's `ConsumerProtocol.serializeSubscription`: topics
 * sorted, owned partitions sorted by topic then partition; fields the version lacks are left out (they are
 * all "ignorable" in Kafka's spec).
 */
export function encodeSubscription(
  subscription: ConsumerSubscription,
  version: number = CONSUMER_PROTOCOL_VERSION,
): Uint8Array {
  checkVersion(SUBSCRIPTION, version);
  const writer = new Writer(SUBSCRIPTION);
  writer.int16(version);
  if (!Array.isArray(subscription.topics))
    throw new ProtocolEncodeError(SUBSCRIPTION, 'topics must be an array of strings');
  const topics = [...subscription.topics].sort(compareStrings);
  writer.array(topics, 'topics', (topic) => writer.string(topic, 'topics[]'));
  writer.bytes(subscription.userData ?? null, 'userData');
  if (version >= 1) {
    const owned = [...(subscription.ownedPartitions ?? [])].sort(
      (a, b) => compareStrings(a.topic, b.topic) || a.partition - b.partition,
    );
    writePartitions(writer, groupByTopic(owned, SUBSCRIPTION, 'ownedPartitions'), 'ownedPartitions');
  }
  if (version >= 2) writer.int32(subscription.generationId ?? -1, 'generationId');
  if (version >= 3) writer.string(subscription.rackId ?? null, 'rackId');
  return writer.finish();
}

/**
 * An Assignment in `version` (default 3; the layout is the same in every version), as Kafka's
 * `ConsumerProtocol.serializeAssignment`: partitions grouped by topic in order of first appearance.
 */
export function encodeAssignment(
  assignment: ConsumerAssignment,
  version: number = CONSUMER_PROTOCOL_VERSION,
): Uint8Array {
  checkVersion(ASSIGNMENT, version);
  const writer = new Writer(ASSIGNMENT);
  writer.int16(version);
  writePartitions(writer, groupByTopic(assignment.partitions, ASSIGNMENT, 'partitions'), 'partitions');
  writer.bytes(assignment.userData ?? null, 'userData');
  return writer.finish();
}

// ---- decoding ----

/** Reading past the end: the message is cut short. */
class Underflow extends Error {}

class Reader {
  readonly #view: DataView;
  readonly #bytes: Uint8Array;
  #offset = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  #take(length: number): number {
    const at = this.#offset;
    if (at + length > this.#bytes.length)
      throw new Underflow(`needs ${length} bytes at offset ${at}, only ${this.#bytes.length - at} left`);
    this.#offset += length;
    return at;
  }

  int16(): number {
    return this.#view.getInt16(this.#take(2));
  }

  int32(): number {
    return this.#view.getInt32(this.#take(4));
  }

  nullableString(): string | null {
    const length = this.int16();
    if (length < 0) return null;
    const at = this.#take(length);
    return Buffer.from(this.#bytes.buffer, this.#bytes.byteOffset + at, length).toString('utf8');
  }

  string(field: string): string {
    const value = this.nullableString();
    if (value === null) throw new Error(`non-nullable field ${field} was serialized as null`);
    return value;
  }

  nullableBytes(): Uint8Array | null {
    const length = this.int32();
    if (length < 0) return null;
    const at = this.#take(length);
    return this.#bytes.slice(at, at + length);
  }

  array<T>(field: string, read: () => T): T[] {
    const count = this.int32();
    if (count < 0) throw new Error(`non-nullable field ${field} was serialized as null`);
    // Each item takes at least one byte: a count beyond what is left is corrupt, not a reason to allocate.
    if (count > this.#bytes.length - this.#offset)
      throw new Underflow(
        `${field} claims ${count} items, only ${this.#bytes.length - this.#offset} bytes left`,
      );
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(read());
    return items;
  }
}

function readPartitions(reader: Reader, field: string): ConsumerTopicPartition[] {
  const flat: ConsumerTopicPartition[] = [];
  for (const { topic, partitions } of reader.array(field, () => ({
    topic: reader.string(`${field}.topic`),
    partitions: reader.array(`${field}.partitions`, () => reader.int32()),
  }))) {
    for (const partition of partitions) flat.push({ topic, partition });
  }
  return flat;
}

function decoding<T>(typeName: string, bytes: Uint8Array, read: (reader: Reader, version: number) => T): T {
  if (!(bytes instanceof Uint8Array)) throw new ProtocolDecodeError(typeName, 'input is not a Uint8Array');
  try {
    const reader = new Reader(bytes);
    const version = reader.int16();
    if (version < 0) throw new Error(`unsupported version ${version}`);
    return read(reader, version);
  } catch (error) {
    throw new ProtocolDecodeError(
      typeName,
      error instanceof Underflow ? new Error(`buffer underflow: ${error.message}`) : error,
    );
  }
}

/**
 * A Subscription of any version, as Kafka's `ConsumerProtocol.deserializeSubscription`: fields the
 * version lacks take their defaults (no owned partitions, generation -1, no rack); versions above 3 are
 * read as 3. Throws `ProtocolDecodeError` on bytes that are cut short or malformed.
 */
export function decodeSubscription(bytes: Uint8Array): Versioned<ConsumerSubscription> {
  return decoding(SUBSCRIPTION, bytes, (reader, version) => {
    const topics = reader.array('topics', () => reader.string('topics[]'));
    const userData = reader.nullableBytes();
    const ownedPartitions = version >= 1 ? readPartitions(reader, 'ownedPartitions') : [];
    const generationId = version >= 2 ? reader.int32() : -1;
    const rackId = version >= 3 ? reader.nullableString() : null;
    return { version, topics, userData, ownedPartitions, generationId, rackId: rackId || null };
  });
}

/** An Assignment of any version, as Kafka's `ConsumerProtocol.deserializeAssignment`. */
export function decodeAssignment(bytes: Uint8Array): Versioned<ConsumerAssignment> {
  return decoding(ASSIGNMENT, bytes, (reader, version) => {
    const partitions = readPartitions(reader, 'partitions');
    const userData = reader.nullableBytes();
    return { version, partitions, userData };
  });
}

/**
 * Kafka's consumer protocol as the assignment protocol `name` (the assignor's name: `range`,
 * `cooperative-sticky`, …) of a group of protocol type {@link CONSUMER_PROTOCOL_TYPE}. Writes `version`
 * (default 3, what Kafka 3.x consumers write) and reads every version.
 */
export function consumerProtocol(
  name: string,
  options: { version?: number } = {},
): GroupProtocol<ConsumerSubscription, ConsumerAssignment> {
  const version = options.version ?? CONSUMER_PROTOCOL_VERSION;
  checkVersion(SUBSCRIPTION, version);
  return {
    name,
    encodeMetadata: (subscription) => encodeSubscription(subscription, version),
    decodeMetadata: (bytes) => withoutVersion(decodeSubscription(bytes)),
    encodeAssignment: (assignment) => encodeAssignment(assignment, version),
    decodeAssignment: (bytes) => withoutVersion(decodeAssignment(bytes)),
  };
}

function withoutVersion<T>(message: Versioned<T>): T {
  const { version: _version, ...rest } = message;
  return rest as T;
}

/** A runtime check of what the types already promise (callers may be plain JavaScript). */
function isList(value: unknown): boolean {
  return Array.isArray(value);
}

/** Java's `String.compareTo`: by UTF-16 code unit, as JavaScript compares strings. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
