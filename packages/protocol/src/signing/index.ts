export type { MacAlgorithm } from './algorithms.js';
export { resolveMacAlgorithm, SUPPORTED_MAC_ALGORITHMS } from './algorithms.js';
export type { InternalRequestRejection, VerifyInternalRequestOptions } from './request-signature.js';
export {
  InternalRequestRejected,
  SIGNATURE_ALGORITHM_HEADER,
  SIGNATURE_HEADER,
  signInternalRequest,
  verifyInternalRequest,
} from './request-signature.js';
export type { SessionKey, SessionKeyRingOptions } from './session-key.js';
export {
  generateSessionKey,
  InvalidSessionKeyRecord,
  SESSION_KEY_RECORD_KEY,
  SessionKeyRing,
  sessionKeyFromJson,
  sessionKeyToJson,
} from './session-key.js';
export type { InternalRequestSettings } from './settings.js';
export {
  INTER_WORKER_KEY_GENERATION_ALGORITHM,
  INTER_WORKER_KEY_SIZE,
  INTER_WORKER_KEY_TTL_MS,
  INTER_WORKER_SIGNATURE_ALGORITHM,
  INTER_WORKER_VERIFICATION_ALGORITHMS,
  INTERNAL_REQUEST_SETTING_NAMES,
  resolveInternalRequestSettings,
} from './settings.js';
