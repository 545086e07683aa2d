// The session key of KIP-507: the HMAC key the leader generates, writes to the config topic under the key
// `session-key` (Connect's `KafkaConfigBackingStore`, schema SESSION_KEY_V0) and rotates.
import { randomBytes } from 'node:crypto';
import { ConfigError, SluiceError } from '@sluice/errors';
import { requireMacAlgorithm, type MacAlgorithm } from './algorithms.js';
import { decodeJavaBase64, JavaBase64Error } from './java-base64.js';

/** A session key, as Connect's `SessionKey` (a `SecretKey` and when the leader made it). */
export interface SessionKey {
  /** The raw key bytes. */
  readonly key: Buffer;
  /**
   * The key's algorithm by its Java name (`SecretKey.getAlgorithm()`), for example `HmacSHA256`. A label
   * only: an HMAC uses the raw bytes whatever this says, as Java's `Mac.init` does.
   */
  readonly algorithm: string;
  /** When the leader generated the key, in milliseconds since the epoch. */
  readonly creationTimestamp: number;
}

/** The config-topic record key under which Connect keeps the session key. */
export const SESSION_KEY_RECORD_KEY = 'session-key';

const KEY_GENERATION_ALGORITHM = 'inter.worker.key.generation.algorithm';
const KEY_SIZE = 'inter.worker.key.size';
// Java computes the key's byte length as (bits + 7) / 8 in int arithmetic, which overflows beyond this.
const MAX_KEY_BITS = 2 ** 31 - 8;

/**
 * A new random key of the size Java's `KeyGenerator` for `algorithm` makes: its default size, or `sizeBits`
 * rounded up to whole bytes (`inter.worker.key.size`). `algorithm` is looked up as Java does (ignoring
 * case, OIDs too) and the key carries the algorithm's standard name, as a generated Java key does.
 *
 * Throws `ConfigError` naming `inter.worker.key.generation.algorithm` for an algorithm that is not an
 * HMAC Sluice supports, or `inter.worker.key.size` for a size Java's key generator refuses.
 */
export function generateSessionKey(
  algorithm: string,
  sizeBits?: number | null,
  now: number = Date.now(),
): SessionKey {
  const mac = requireKeyAlgorithm(algorithm);
  const bytes = keyBytes(mac, algorithm, sizeBits ?? null);
  return { key: randomBytes(bytes), algorithm: mac.name, creationTimestamp: now };
}

/**
 * The number of bytes Java's `KeyGenerator` for `algorithm`, initialised with `sizeBits` (or not, for null),
 * makes; a `ConfigError` with Connect's message where Java would refuse. Connect reports a size of 0
 * or less for HmacMD5 and HmacSHA1 only when the first key is generated ("Empty key"); Sluice at once.
 */
export function keyGeneratorBytes(algorithm: string, sizeBits: number | null): number {
  return keyBytes(requireKeyAlgorithm(algorithm), algorithm, sizeBits);
}

function keyBytes(mac: MacAlgorithm, algorithm: string, sizeBits: number | null): number {
  if (sizeBits === null) return mac.defaultKeyBytes;
  const refuse = (reason: string) =>
    new ConfigError(
      KEY_SIZE,
      `Unable to create key generator with algorithm ${algorithm} and key size ${sizeBits}: ${reason}`,
    );
  if (!Number.isInteger(sizeBits)) throw refuse('Key length must be a whole number of bits');
  // The generators that take any positive size make an empty key from 0 bits or less, which Java refuses.
  if (sizeBits < mac.minKeyBits)
    throw refuse(mac.minKeyBits > 1 ? `Key length must be at least ${mac.minKeyBits} bits` : 'Empty key');
  if (sizeBits > MAX_KEY_BITS) throw refuse(`Key length must be at most ${MAX_KEY_BITS} bits`);
  return Math.ceil(sizeBits / 8);
}

// Connect accepts any JVM key generator (AES, DES, …); Sluice only the HMAC ones, whose sizes it knows.
function requireKeyAlgorithm(algorithm: string): MacAlgorithm {
  return requireMacAlgorithm(KEY_GENERATION_ALGORITHM, algorithm);
}

/** A `session-key` record that is not one Connect would accept. */
export class InvalidSessionKeyRecord extends SluiceError {
  constructor(message: string, cause?: unknown) {
    super('SLUICE_INVALID_SESSION_KEY_RECORD', message, { cause });
  }
}

/**
 * The `session-key` record's value, byte for byte as Connect's config store writes it through its JSON
 * converter (schemas off): `{"key":"<Base64>","algorithm":"HmacSHA256","creation-timestamp":<ms>}`.
 */
export function sessionKeyToJson(sessionKey: SessionKey): string {
  if (!Number.isSafeInteger(sessionKey.creationTimestamp))
    throw new InvalidSessionKeyRecord(
      `session key creation timestamp must be an integer, got ${sessionKey.creationTimestamp}`,
    );
  return JSON.stringify({
    key: sessionKey.key.toString('base64'),
    algorithm: sessionKey.algorithm,
    'creation-timestamp': sessionKey.creationTimestamp,
  });
}

/**
 * The session key in a `session-key` record: its JSON text, or that text already parsed. Checks what
 * Connect's config store checks (`key` a string of standard Base64, decoded with Java's strict decoder and
 * not empty; `algorithm` a string; `creation-timestamp` an integer) and throws
 * {@link InvalidSessionKeyRecord} otherwise. Connect logs such a record and ignores it; callers should too.
 */
export function sessionKeyFromJson(value: unknown): SessionKey {
  let record = value;
  if (typeof value === 'string') {
    try {
      record = JSON.parse(value) as unknown;
    } catch (error) {
      throw new InvalidSessionKeyRecord('session key record is not JSON', error);
    }
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record))
    throw new InvalidSessionKeyRecord(`session key record should be an object but is ${jsonType(record)}`);
  const fields = record as Record<string, unknown>;
  const encoded = fields['key'];
  if (typeof encoded !== 'string')
    throw new InvalidSessionKeyRecord(
      `session key 'key' field should be a string but is ${jsonType(encoded)}`,
    );
  let key: Buffer;
  try {
    key = decodeJavaBase64(encoded);
  } catch (error) {
    const reason = error instanceof JavaBase64Error ? error.message : String(error);
    throw new InvalidSessionKeyRecord(`session key 'key' field is not Base64: ${reason}`, error);
  }
  // Java's SecretKeySpec refuses an empty key.
  if (key.length === 0) throw new InvalidSessionKeyRecord("session key 'key' field is empty");
  const algorithm = fields['algorithm'];
  if (typeof algorithm !== 'string')
    throw new InvalidSessionKeyRecord(
      `session key 'algorithm' field should be a string but is ${jsonType(algorithm)}`,
    );
  const creationTimestamp = fields['creation-timestamp'];
  if (typeof creationTimestamp !== 'number' || !Number.isSafeInteger(creationTimestamp))
    throw new InvalidSessionKeyRecord(
      `session key 'creation-timestamp' field should be an integer but is ${jsonType(creationTimestamp)}`,
    );
  return { key, algorithm, creationTimestamp };
}

function jsonType(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number')
    return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
  return `a ${typeof value}`;
}

/** Options of {@link SessionKeyRing}. */
export interface SessionKeyRingOptions {
  /**
   * How long the key a rotation replaced stays accepted, in milliseconds, counted both from when this
   * worker read the new key and from the new key's creation timestamp (whichever ends first). 0 accepts
   * the current key only, as Connect does.
   * @default 60000
   */
  graceMs?: number;
}

/**
 * The session keys a worker accepts: the current one and, for a short grace period after a rotation, the
 * one it replaced.
 *
 * Connect accepts only the current key, so a request signed just before a rotation fails with 403 and its
 * sender retries after a backoff. Accepting the previous key for a minute avoids that at no real cost:
 * Connect's scheme has no replay protection, so a captured request is replayable for the key's whole TTL
 * (an hour by default) anyway. The grace is bounded by the new key's creation timestamp as well as by the
 * local clock, so re-reading old rotations from the config topic (a restart) accepts no stale key, and a
 * worker whose clock lags the leader's does not stretch it.
 */
export class SessionKeyRing {
  readonly #graceMs: number;
  #current: SessionKey | undefined;
  #previous: SessionKey | undefined;
  #previousUntil = 0;

  constructor(options: SessionKeyRingOptions = {}) {
    const graceMs = options.graceMs ?? 60_000;
    if (!Number.isFinite(graceMs) || graceMs < 0)
      throw new RangeError(`graceMs must be a non-negative number, got ${graceMs}`);
    this.#graceMs = graceMs;
  }

  /** The key requests are signed with and verified against; undefined until one has been read. */
  get current(): SessionKey | undefined {
    return this.#current;
  }

  /** Installs the key of the latest `session-key` record, read at `now`. The same key again changes nothing. */
  update(key: SessionKey, now: number = Date.now()): void {
    const current = this.#current;
    if (current !== undefined && sameKey(current, key)) return;
    this.#previous = current;
    this.#previousUntil = Math.min(now, key.creationTimestamp) + this.#graceMs;
    this.#current = key;
  }

  /** The keys to verify with at `now`, shaped for {@link verifyInternalRequest}'s options. */
  keys(now: number = Date.now()): { key: SessionKey | undefined; previousKeys: readonly SessionKey[] } {
    const previous = this.#previous;
    return {
      key: this.#current,
      previousKeys: previous !== undefined && now < this.#previousUntil ? [previous] : [],
    };
  }
}

function sameKey(a: SessionKey, b: SessionKey): boolean {
  return a.creationTimestamp === b.creationTimestamp && a.algorithm === b.algorithm && a.key.equals(b.key);
}
