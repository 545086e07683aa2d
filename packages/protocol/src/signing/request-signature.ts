// Signing and verifying internal REST requests between workers (KIP-507), as Apache Kafka Connect's
// `InternalRequestSignature` and `DistributedHerder.requestNotSignedProperly` do: an HMAC of the raw request
// body, Base64 in `X-Connect-Authorization`, the Java MAC name in `X-Connect-Request-Signature-Algorithm`.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SluiceError } from '@sluice/errors';
import { isJavaMacAlgorithm, javaList, requireMacAlgorithm, resolveMacAlgorithm } from './algorithms.js';
import { decodeJavaBase64, JavaBase64Error } from './java-base64.js';
import type { SessionKey } from './session-key.js';

/** The header carrying the Base64 HMAC of the request body. */
export const SIGNATURE_HEADER = 'X-Connect-Authorization';
/** The header carrying the Java name of the MAC algorithm. */
export const SIGNATURE_ALGORITHM_HEADER = 'X-Connect-Request-Signature-Algorithm';

/**
 * The headers that sign an internal request whose body is `body` (the exact bytes sent):
 * `X-Connect-Authorization` (Base64 of the HMAC of the body under `sessionKey`) and
 * `X-Connect-Request-Signature-Algorithm` (`signatureAlgorithm`, as configured).
 *
 * `signatureAlgorithm` is looked up as Java's `Mac.getInstance` does (ignoring case, OIDs too); one that is
 * not an HMAC Sluice supports is a `ConfigError` naming `inter.worker.signature.algorithm`.
 */
export function signInternalRequest(
  sessionKey: SessionKey,
  signatureAlgorithm: string,
  body: Uint8Array,
): Record<string, string> {
  const mac = requireMacAlgorithm('inter.worker.signature.algorithm', signatureAlgorithm);
  return {
    [SIGNATURE_HEADER]: hmac(mac.digest, sessionKey, body).toString('base64'),
    [SIGNATURE_ALGORITHM_HEADER]: signatureAlgorithm,
  };
}

/** Why an internal request was refused; the REST layer maps each to its HTTP status. */
export type InternalRequestRejection =
  /** A signature header is absent. Connect: 400. */
  | 'missing-signature'
  /** The algorithm is unknown, or not in `inter.worker.verification.algorithms`. Connect: 400. */
  | 'unsupported-algorithm'
  /** The signature header is not Base64 (Java's strict decoder). Connect: 400. */
  | 'malformed-signature'
  /** This worker has not read a session key yet; retry later. Connect: 503. */
  | 'no-session-key'
  /** The signature does not match the body under the session key. Connect: 403. */
  | 'invalid-signature';

const CODES: Readonly<Record<InternalRequestRejection, string>> = {
  'missing-signature': 'SLUICE_INTERNAL_REQUEST_UNSIGNED',
  'unsupported-algorithm': 'SLUICE_INTERNAL_REQUEST_UNSUPPORTED_ALGORITHM',
  'malformed-signature': 'SLUICE_INTERNAL_REQUEST_MALFORMED_SIGNATURE',
  'no-session-key': 'SLUICE_INTERNAL_REQUEST_NO_SESSION_KEY',
  'invalid-signature': 'SLUICE_INTERNAL_REQUEST_INVALID_SIGNATURE',
};

/** An internal request refused by {@link verifyInternalRequest}, with Connect's message for the reason. */
export class InternalRequestRejected extends SluiceError {
  readonly reason: InternalRequestRejection;

  constructor(reason: InternalRequestRejection, message: string) {
    // Only a missing session key goes away by itself (the config topic is still being read).
    super(CODES[reason], message, { retriable: reason === 'no-session-key' });
    this.reason = reason;
  }
}

/** What {@link verifyInternalRequest} checks. */
export interface VerifyInternalRequestOptions {
  /** A request header's value by name, ignoring case (as HTTP headers are); undefined or null if absent. */
  headers: (name: string) => string | null | undefined;
  /** The raw request body, exactly as received. */
  body: Uint8Array;
  /** The current session key; undefined while none has been read from the config topic. */
  key: SessionKey | undefined;
  /**
   * Earlier keys also accepted, for example the one a rotation just replaced ({@link SessionKeyRing.keys}).
   * Connect accepts none. Ignored while `key` is undefined.
   * @default []
   */
  previousKeys?: readonly SessionKey[];
  /** `inter.worker.verification.algorithms`: the algorithm header must be one of these, spelled the same. */
  verificationAlgorithms: readonly string[];
}

/**
 * Verifies an internal request's signature with Connect's checks, in Connect's order, and returns the key
 * that signed it; throws {@link InternalRequestRejected} with Connect's message otherwise:
 *
 * 1. either header missing: `missing-signature`;
 * 2. an algorithm the JVM does not know: `unsupported-algorithm` (`Algorithm X not available`);
 * 3. a signature that is not Base64: `malformed-signature` (Java's decoder's message);
 * 4. an algorithm not in `verificationAlgorithms` (compared exactly, as Connect does): `unsupported-algorithm`;
 * 5. no session key yet: `no-session-key`;
 * 6. an HMAC that matches under no accepted key: `invalid-signature`.
 *
 * Steps 2 and 3 are Connect's REST layer (`InternalRequestSignature.fromHeaders`), the rest its herder. The
 * comparison takes the same time wherever the signatures differ (Java's `MessageDigest.isEqual`).
 */
export function verifyInternalRequest(options: VerifyInternalRequestOptions): SessionKey {
  const { headers, body, key, previousKeys = [], verificationAlgorithms } = options;
  const algorithm = headers(SIGNATURE_ALGORITHM_HEADER) ?? undefined;
  const encoded = headers(SIGNATURE_HEADER) ?? undefined;
  if (algorithm === undefined || encoded === undefined)
    throw new InternalRequestRejected('missing-signature', 'Internal request missing required signature');

  // Java's Mac.getInstance refuses a name no provider has, before anything else is looked at.
  if (!isJavaMacAlgorithm(algorithm))
    throw new InternalRequestRejected('unsupported-algorithm', `Algorithm ${algorithm} not available`);
  let signature: Buffer;
  try {
    signature = decodeJavaBase64(encoded);
  } catch (error) {
    if (!(error instanceof JavaBase64Error)) throw error;
    throw new InternalRequestRejected('malformed-signature', error.message);
  }

  const mac = resolveMacAlgorithm(algorithm);
  if (!verificationAlgorithms.includes(algorithm) || mac === undefined)
    throw new InternalRequestRejected(
      'unsupported-algorithm',
      `This worker does not support the '${algorithm}' key signing algorithm used by other workers. ` +
        `This worker is currently configured to use: ${javaList(verificationAlgorithms)}. ` +
        "Check that all workers' configuration files permit the same set of signature algorithms, " +
        'and correct any misconfigured worker and restart it.',
    );
  if (key === undefined)
    throw new InternalRequestRejected(
      'no-session-key',
      'This worker is still starting up and has not been able to read a session key from the config topic yet',
    );

  // Every accepted key is tried, so the time taken does not say which one matched.
  let signedBy: SessionKey | undefined;
  for (const candidate of [key, ...previousKeys]) {
    if (constantTimeEqual(hmac(mac.digest, candidate, body), signature)) signedBy ??= candidate;
  }
  if (signedBy === undefined)
    throw new InternalRequestRejected('invalid-signature', 'Internal request contained invalid signature.');
  return signedBy;
}

function hmac(digest: string, sessionKey: SessionKey, body: Uint8Array): Buffer {
  return createHmac(digest, sessionKey.key).update(body).digest();
}

// As Java's MessageDigest.isEqual: lengths differ, not equal (a length is no secret); else constant time.
function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
