import { ConfigError, SluiceError } from '@sluice/errors';
import { describe, expect, it } from 'vitest';
import {
  generateSessionKey,
  InvalidSessionKeyRecord,
  type SessionKey,
  SessionKeyRing,
  sessionKeyFromJson,
  sessionKeyToJson,
} from './session-key.js';

const SUPPORTED =
  '[HmacMD5, HmacSHA1, HmacSHA224, HmacSHA256, HmacSHA384, HmacSHA512, HmacSHA512/224, HmacSHA512/256, HmacSHA3-224, HmacSHA3-256, HmacSHA3-384, HmacSHA3-512]';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('nothing was thrown');
}

describe('generateSessionKey', () => {
  // Byte sizes of JDK 17's KeyGenerator.getInstance(name).generateKey() without init.
  it.each([
    ['HmacMD5', 64],
    ['HmacSHA1', 64],
    ['HmacSHA224', 28],
    ['HmacSHA256', 32],
    ['HmacSHA384', 48],
    ['HmacSHA512', 64],
    ['HmacSHA512/224', 28],
    ['HmacSHA512/256', 32],
    ['HmacSHA3-224', 28],
    ['HmacSHA3-256', 32],
    ['HmacSHA3-384', 48],
    ['HmacSHA3-512', 64],
  ])("makes %s keys of the JDK's default size (%i bytes)", (algorithm, bytes) => {
    const key = generateSessionKey(algorithm, undefined, 1234);
    expect(key.key.length).toBe(bytes);
    expect(key).toMatchObject({ algorithm, creationTimestamp: 1234 });
  });

  it("names the key by the algorithm's standard name, as a Java key does", () => {
    // JDK 17: KeyGenerator.getInstance("1.2.840.113549.2.9").generateKey().getAlgorithm() is "HmacSHA256", and so on.
    expect(generateSessionKey('hmacsha256').algorithm).toBe('HmacSHA256');
    expect(generateSessionKey('1.2.840.113549.2.9').algorithm).toBe('HmacSHA256');
    expect(generateSessionKey('OID.1.2.840.113549.2.11').algorithm).toBe('HmacSHA512');
    expect(generateSessionKey('hmacsha3-256').algorithm).toBe('HmacSHA3-256');
  });

  it('makes random keys, stamped with the current time by default', () => {
    const before = Date.now();
    const [a, b] = [generateSessionKey('HmacSHA256'), generateSessionKey('HmacSHA256')];
    expect(a.key.equals(b.key)).toBe(false);
    expect(a.creationTimestamp).toBeGreaterThanOrEqual(before);
    expect(a.creationTimestamp).toBeLessThanOrEqual(Date.now());
  });

  it("rounds a size up to whole bytes and applies each generator's minimum, as the JDK does", () => {
    // JDK 17: init(41) gives 6 bytes; HmacSHA1 takes 1 bit (1 byte); the SHA-2 and SHA-3 generators refuse < 40.
    expect(generateSessionKey('HmacSHA256', 41).key.length).toBe(6);
    expect(generateSessionKey('HmacSHA256', 40).key.length).toBe(5);
    expect(generateSessionKey('HmacSHA1', 1).key.length).toBe(1);
    expect(generateSessionKey('HmacMD5', 9).key.length).toBe(2);
    expect(generateSessionKey('HmacSHA512', 1024).key.length).toBe(128);
  });

  it('refuses sizes with messages naming inter.worker.key.size', () => {
    const cases: Array<[string, number, string]> = [
      ['HmacSHA3-512', 39, 'Key length must be at least 40 bits'],
      // Java's HmacSHA1 generator accepts 0 and fails on the first key; Connect only notices at rotation.
      ['HmacSHA1', 0, 'Empty key'],
      ['HmacMD5', -8, 'Empty key'],
      // Java's (bits + 7) / 8 overflows an int beyond this.
      ['HmacSHA256', 2147483641, 'Key length must be at most 2147483640 bits'],
      ['HmacSHA256', 256.5, 'Key length must be a whole number of bits'],
    ];
    for (const [algorithm, size, reason] of cases) {
      const error = thrown(() => generateSessionKey(algorithm, size));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).key).toBe('inter.worker.key.size');
      expect(error.message).toBe(
        `Unable to create key generator with algorithm ${algorithm} and key size ${size}: ${reason}`,
      );
    }
  });

  it('refuses key generators other than the HMAC ones, naming the setting', () => {
    // Connect accepts any JVM key generator (AES keys are 16 bytes on JDK 17 and 32 on later JDKs).
    for (const algorithm of ['AES', 'DES', 'SslMacMD5', '']) {
      const error = thrown(() => generateSessionKey(algorithm));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).key).toBe('inter.worker.key.generation.algorithm');
      expect(error.message).toBe(
        `Invalid value ${algorithm} for configuration inter.worker.key.generation.algorithm: the algorithm is not supported by this worker; the supported algorithms are: ${SUPPORTED}`,
      );
    }
  });
});

describe('the session-key record', () => {
  it('round-trips a generated key, from text or from parsed JSON', () => {
    const key = generateSessionKey('HmacSHA384', undefined, 1_718_000_000_123);
    const json = sessionKeyToJson(key);
    expect(sessionKeyFromJson(json)).toEqual(key);
    expect(sessionKeyFromJson(JSON.parse(json))).toEqual(key);
  });

  it('keeps any algorithm label a Connect leader wrote, since HMAC uses the raw bytes', () => {
    // A Connect cluster may run inter.worker.key.generation.algorithm=AES.
    expect(
      sessionKeyFromJson({ key: 'AAECAwQFBgcICQoLDA0ODw==', algorithm: 'AES', 'creation-timestamp': 7 }),
    ).toEqual({
      key: Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'),
      algorithm: 'AES',
      creationTimestamp: 7,
    });
  });

  it.each<[string, unknown, string]>([
    ['not JSON', '{"key":', 'session key record is not JSON'],
    ['null', null, 'session key record should be an object but is null'],
    ['an array', '[1]', 'session key record should be an object but is an array'],
    [
      'no key',
      { algorithm: 'HmacSHA256', 'creation-timestamp': 1 },
      "session key 'key' field should be a string but is missing",
    ],
    [
      'a numeric key',
      { key: 5, algorithm: 'HmacSHA256', 'creation-timestamp': 1 },
      "session key 'key' field should be a string but is the integer 5",
    ],
    [
      'a key that is not Base64',
      { key: 'AA-A', algorithm: 'HmacSHA256', 'creation-timestamp': 1 },
      "session key 'key' field is not Base64: Illegal base64 character 2d",
    ],
    [
      'an empty key',
      { key: '', algorithm: 'HmacSHA256', 'creation-timestamp': 1 },
      "session key 'key' field is empty",
    ],
    [
      'no algorithm',
      { key: 'AAEC', 'creation-timestamp': 1 },
      "session key 'algorithm' field should be a string but is missing",
    ],
    [
      'a fractional timestamp',
      { key: 'AAEC', algorithm: 'HmacSHA256', 'creation-timestamp': 1.5 },
      "session key 'creation-timestamp' field should be an integer but is the number 1.5",
    ],
    [
      'a textual timestamp',
      { key: 'AAEC', algorithm: 'HmacSHA256', 'creation-timestamp': '5' },
      "session key 'creation-timestamp' field should be an integer but is a string",
    ],
  ])('refuses a record with %s', (_, value, message) => {
    const error = thrown(() => sessionKeyFromJson(value));
    expect(error).toBeInstanceOf(InvalidSessionKeyRecord);
    expect(SluiceError.is(error) && error.code).toBe('SLUICE_INVALID_SESSION_KEY_RECORD');
    expect(error.message).toBe(message);
  });

  it('refuses to write a timestamp Java could not read as a long', () => {
    const key: SessionKey = { key: Buffer.alloc(32), algorithm: 'HmacSHA256', creationTimestamp: 1.5 };
    expect(() => sessionKeyToJson(key)).toThrow('session key creation timestamp must be an integer, got 1.5');
  });
});

describe('SessionKeyRing', () => {
  const key = (fill: number, creationTimestamp: number): SessionKey => ({
    key: Buffer.alloc(32, fill),
    algorithm: 'HmacSHA256',
    creationTimestamp,
  });

  it('has no key until one is read', () => {
    const ring = new SessionKeyRing();
    expect(ring.current).toBeUndefined();
    expect(ring.keys(0)).toEqual({ key: undefined, previousKeys: [] });
  });

  it('accepts the replaced key for a minute after a rotation, then only the current one', () => {
    const ring = new SessionKeyRing();
    const first = key(1, 1_000);
    const second = key(2, 3_600_000);
    ring.update(first, 1_000);
    expect(ring.keys(2_000)).toEqual({ key: first, previousKeys: [] });
    ring.update(second, 3_600_050);
    expect(ring.current).toBe(second);
    expect(ring.keys(3_600_100)).toEqual({ key: second, previousKeys: [first] });
    expect(ring.keys(3_659_999).previousKeys).toEqual([first]);
    expect(ring.keys(3_660_000).previousKeys).toEqual([]);
    // Only the one key a rotation replaced, never older ones.
    const third = key(3, 7_200_000);
    ring.update(third, 7_200_000);
    expect(ring.keys(7_200_001).previousKeys).toEqual([second]);
  });

  it('does not treat the same key read again as a rotation', () => {
    const ring = new SessionKeyRing();
    const first = key(1, 1_000);
    ring.update(first, 1_000);
    ring.update(key(1, 1_000), 2_000);
    expect(ring.keys(2_001)).toEqual({ key: first, previousKeys: [] });
  });

  it('accepts no stale key when old rotations are read again at start', () => {
    const ring = new SessionKeyRing();
    // Records written hours ago, read now: the grace ran out long ago, counted from the new key's creation.
    ring.update(key(1, 1_000), 50_000_000);
    ring.update(key(2, 3_601_000), 50_000_001);
    expect(ring.keys(50_000_002).previousKeys).toEqual([]);
  });

  it("does not stretch the grace when this worker's clock lags the leader's", () => {
    const ring = new SessionKeyRing({ graceMs: 1_000 });
    ring.update(key(1, 0), 0);
    // The new key is stamped 10 s ahead of this worker's clock: the grace counts from the local read.
    ring.update(key(2, 20_000), 10_000);
    expect(ring.keys(10_999).previousKeys).toHaveLength(1);
    expect(ring.keys(11_000).previousKeys).toHaveLength(0);
  });

  it('with graceMs 0 accepts the current key only, as Connect does', () => {
    const ring = new SessionKeyRing({ graceMs: 0 });
    ring.update(key(1, 0), 0);
    ring.update(key(2, 10), 10);
    expect(ring.keys(10).previousKeys).toEqual([]);
  });

  it('refuses a negative grace', () => {
    expect(() => new SessionKeyRing({ graceMs: -1 })).toThrow(
      'graceMs must be a non-negative number, got -1',
    );
  });
});
