// The five `inter.worker.*` worker settings of KIP-507, validated as Connect's `DistributedConfig` does:
// each parsed and checked in ConfigDef order, then the key generator's size, then the rule that the
// signature algorithm is one of the verification algorithms. The first failure is reported.
import { invalidValue, javaList, requireMacAlgorithm } from './algorithms.js';
import { keyGeneratorBytes } from './session-key.js';

/** `inter.worker.key.generation.algorithm`: the algorithm of the session keys the leader generates. */
export const INTER_WORKER_KEY_GENERATION_ALGORITHM = 'inter.worker.key.generation.algorithm';
/** `inter.worker.key.size`: the size of generated session keys, in bits. */
export const INTER_WORKER_KEY_SIZE = 'inter.worker.key.size';
/** `inter.worker.key.ttl.ms`: how long a session key lives before the leader rotates it. */
export const INTER_WORKER_KEY_TTL_MS = 'inter.worker.key.ttl.ms';
/** `inter.worker.signature.algorithm`: the MAC that signs this worker's internal requests. */
export const INTER_WORKER_SIGNATURE_ALGORITHM = 'inter.worker.signature.algorithm';
/** `inter.worker.verification.algorithms`: the MACs this worker accepts on internal requests. */
export const INTER_WORKER_VERIFICATION_ALGORITHMS = 'inter.worker.verification.algorithms';

/** The names of the internal request settings, in Connect's definition order. */
export const INTERNAL_REQUEST_SETTING_NAMES: readonly string[] = [
  INTER_WORKER_KEY_TTL_MS,
  INTER_WORKER_KEY_GENERATION_ALGORITHM,
  INTER_WORKER_KEY_SIZE,
  INTER_WORKER_SIGNATURE_ALGORITHM,
  INTER_WORKER_VERIFICATION_ALGORITHMS,
];

/** The resolved internal request settings. Algorithm names are kept as written (trimmed), as Connect keeps them. */
export interface InternalRequestSettings {
  /** `inter.worker.key.generation.algorithm`. @default 'HmacSHA256' */
  readonly keyGenerationAlgorithm: string;
  /** `inter.worker.key.size`, in bits; null for the algorithm's default size (256 bits for HmacSHA256). @default null */
  readonly keySizeBits: number | null;
  /** `inter.worker.key.ttl.ms`, from 0 to 2147483647. @default 3600000 */
  readonly keyTtlMs: number;
  /** `inter.worker.signature.algorithm`; always one of `verificationAlgorithms`. @default 'HmacSHA256' */
  readonly signatureAlgorithm: string;
  /** `inter.worker.verification.algorithms`, at least one. @default ['HmacSHA256'] */
  readonly verificationAlgorithms: readonly string[];
}

const INT_MAX = 2 ** 31 - 1;

/**
 * The internal request settings among a worker's `props`, defaults filled in, or a `ConfigError` with
 * Connect's message for the first setting it would refuse. Departures, each refusing what Connect would
 * accept and fail on later or that Sluice cannot compute: only HMAC algorithms (Connect also takes any
 * other JVM key generator or MAC, such as AES or SslMacMD5), and key sizes Java's key generator accepts but
 * cannot generate (0 or less for HmacMD5 and HmacSHA1, more than 2147483640 bits).
 */
export function resolveInternalRequestSettings(props: ReadonlyMap<string, string>): InternalRequestSettings {
  const keyTtlMs = parseInt(INTER_WORKER_KEY_TTL_MS, props.get(INTER_WORKER_KEY_TTL_MS)) ?? 3_600_000;
  if (keyTtlMs < 0) throw invalidValue(INTER_WORKER_KEY_TTL_MS, String(keyTtlMs), 'Value must be at least 0');

  const keyGenerationAlgorithm = props.get(INTER_WORKER_KEY_GENERATION_ALGORITHM)?.trim() ?? 'HmacSHA256';
  requireMacAlgorithm(INTER_WORKER_KEY_GENERATION_ALGORITHM, keyGenerationAlgorithm);

  const keySizeBits = parseInt(INTER_WORKER_KEY_SIZE, props.get(INTER_WORKER_KEY_SIZE));

  const signatureAlgorithm = props.get(INTER_WORKER_SIGNATURE_ALGORITHM)?.trim() ?? 'HmacSHA256';
  requireMacAlgorithm(INTER_WORKER_SIGNATURE_ALGORITHM, signatureAlgorithm);

  const verificationAlgorithms = parseList(props.get(INTER_WORKER_VERIFICATION_ALGORITHMS)) ?? ['HmacSHA256'];
  if (verificationAlgorithms.length === 0)
    throw invalidValue(
      INTER_WORKER_VERIFICATION_ALGORITHMS,
      javaList(verificationAlgorithms),
      'At least one signature verification algorithm must be provided',
    );
  for (const algorithm of verificationAlgorithms)
    requireMacAlgorithm(INTER_WORKER_VERIFICATION_ALGORITHMS, algorithm);

  // DistributedConfig's constructor: the key generator first, then the signature algorithm's presence.
  keyGeneratorBytes(keyGenerationAlgorithm, keySizeBits);
  if (!verificationAlgorithms.includes(signatureAlgorithm))
    throw invalidValue(
      INTER_WORKER_SIGNATURE_ALGORITHM,
      signatureAlgorithm,
      `Signature algorithm must be present in ${INTER_WORKER_VERIFICATION_ALGORITHMS} list`,
    );

  return { keyGenerationAlgorithm, keySizeBits, keyTtlMs, signatureAlgorithm, verificationAlgorithms };
}

// Kafka's INT: the trimmed text as Java's Integer.parseInt reads it (an optional sign, decimal digits).
function parseInt(setting: string, value: string | undefined): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  const parsed = /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(parsed) || parsed < -INT_MAX - 1 || parsed > INT_MAX)
    throw invalidValue(setting, value, 'Not a number of type INT');
  return parsed;
}

// Kafka's LIST: the trimmed text split on commas with the spaces around them; an empty text is an empty list.
function parseList(value: string | undefined): string[] | null {
  if (value === undefined) return null;
  const text = value.trim();
  return text === '' ? [] : text.split(/\s*,\s*/);
}
