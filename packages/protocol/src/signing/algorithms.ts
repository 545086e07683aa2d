// Java MAC and key generator names (the JDK's SunJCE provider, JDK 17) and the node:crypto HMAC digest
// each one means. Java looks algorithm names up ignoring case and also knows each one by its OID.
import { ConfigError } from '@sluice/errors';

/** One HMAC algorithm by its Java name, as both a `Mac` and a `KeyGenerator`. */
export interface MacAlgorithm {
  /** The JDK's standard name, for example `HmacSHA256` (what a generated key's `getAlgorithm()` returns). */
  readonly name: string;
  /** The node:crypto digest for `createHmac`, for example `sha256`. */
  readonly digest: string;
  /** The key size, in bytes, of the JDK's `KeyGenerator` when not initialised with a size. */
  readonly defaultKeyBytes: number;
  /**
   * The smallest size, in bits, the JDK's `KeyGenerator.init(int)` accepts. HmacMD5 and HmacSHA1 take any
   * positive size, the SHA-2 and SHA-3 ones refuse fewer than 40 bits.
   */
  readonly minKeyBits: number;
}

const SHA2_OID = '1.2.840.113549.2.';
const SHA3_OID = '2.16.840.1.101.3.4.2.';

// [name, digest, default key bytes, min key bits, OID]; checked against JDK 17's KeyGenerator and Mac.
const TABLE: ReadonlyArray<readonly [string, string, number, number, string | undefined]> = [
  ['HmacMD5', 'md5', 64, 1, undefined],
  ['HmacSHA1', 'sha1', 64, 1, `${SHA2_OID}7`],
  ['HmacSHA224', 'sha224', 28, 40, `${SHA2_OID}8`],
  ['HmacSHA256', 'sha256', 32, 40, `${SHA2_OID}9`],
  ['HmacSHA384', 'sha384', 48, 40, `${SHA2_OID}10`],
  ['HmacSHA512', 'sha512', 64, 40, `${SHA2_OID}11`],
  ['HmacSHA512/224', 'sha512-224', 28, 40, `${SHA2_OID}12`],
  ['HmacSHA512/256', 'sha512-256', 32, 40, `${SHA2_OID}13`],
  ['HmacSHA3-224', 'sha3-224', 28, 40, `${SHA3_OID}13`],
  ['HmacSHA3-256', 'sha3-256', 32, 40, `${SHA3_OID}14`],
  ['HmacSHA3-384', 'sha3-384', 48, 40, `${SHA3_OID}15`],
  ['HmacSHA3-512', 'sha3-512', 64, 40, `${SHA3_OID}16`],
];

/** The Java MAC algorithms Sluice can compute, by their standard names. */
export const SUPPORTED_MAC_ALGORITHMS: readonly string[] = TABLE.map(([name]) => name);

const BY_NAME = new Map<string, MacAlgorithm>();
for (const [name, digest, defaultKeyBytes, minKeyBits, oid] of TABLE) {
  const algorithm: MacAlgorithm = Object.freeze({ name, digest, defaultKeyBytes, minKeyBits });
  for (const alias of oid === undefined ? [name] : [name, oid, `OID.${oid}`])
    BY_NAME.set(lookupKey(alias), algorithm);
}

// MACs the JDK has but Sluice does not compute (password-based and SSLv3 ones). A request naming one is
// refused as Connect refuses an algorithm missing from its verification list, not as an unknown name.
const JVM_ONLY_MACS = new Set(
  [
    'HmacPBESHA1',
    'HmacPBESHA224',
    'HmacPBESHA256',
    'HmacPBESHA384',
    'HmacPBESHA512',
    'HmacPBESHA512/224',
    'HmacPBESHA512/256',
    'PBEWithHmacSHA1',
    'PBEWithHmacSHA224',
    'PBEWithHmacSHA256',
    'PBEWithHmacSHA384',
    'PBEWithHmacSHA512',
    'SslMacMD5',
    'SslMacSHA1',
  ].map(lookupKey),
);

// Java's provider lookup upper-cases names with Locale.ENGLISH, which JavaScript's toUpperCase matches.
function lookupKey(name: string): string {
  return name.toUpperCase();
}

/**
 * The HMAC algorithm a Java `Mac.getInstance(name)` or `KeyGenerator.getInstance(name)` would give, found as
 * Java finds it (ignoring case, OIDs too); `undefined` for any other name.
 */
export function resolveMacAlgorithm(name: string): MacAlgorithm | undefined {
  return BY_NAME.get(lookupKey(name));
}

/** Whether the JDK knows `name` as a MAC algorithm at all, whether or not Sluice can compute it. */
export function isJavaMacAlgorithm(name: string): boolean {
  return BY_NAME.has(lookupKey(name)) || JVM_ONLY_MACS.has(lookupKey(name));
}

/** The algorithm `setting` names, or a {@link ConfigError} in Connect's words. */
export function requireMacAlgorithm(setting: string, name: string): MacAlgorithm {
  const algorithm = resolveMacAlgorithm(name);
  if (algorithm === undefined) throw unsupportedAlgorithm(setting, name);
  return algorithm;
}

/**
 * Connect says "not supported by this JVM" and lists the JVM's algorithms; Sluice lists its own, since
 * it refuses some the JVM has (AES and DES key generators, password-based and SSLv3 MACs).
 */
export function unsupportedAlgorithm(setting: string, name: string): ConfigError {
  return invalidValue(
    setting,
    name,
    `the algorithm is not supported by this worker; the supported algorithms are: ${javaList(SUPPORTED_MAC_ALGORITHMS)}`,
  );
}

/** Kafka's `ConfigException(name, value, message)`: "Invalid value V for configuration K: message". */
export function invalidValue(setting: string, value: string, message: string): ConfigError {
  return new ConfigError(setting, `Invalid value ${value} for configuration ${setting}: ${message}`);
}

/** A list as Java's `List.toString()` prints it: `[a, b]`. */
export function javaList(items: readonly string[]): string {
  return `[${items.join(', ')}]`;
}
