/**
 * `@sluice/rest`: the HTTP layer Sluice's REST APIs share (Kafka Connect's and the Kafka REST Proxy's):
 * listeners and TLS, request bodies read within a limit, error bodies, Jersey-style resource selection,
 * and forwarding a request to another worker.
 */
export {
  bodyBytesOf,
  MAX_BODY_BYTES,
  parseJsonBody,
  readBodyBytes,
  readJson,
  readJsonObject,
} from './body.js';
export { inexactNumber, MAX_JSON_DEPTH, numberText } from './json.js';
export { PeerClient, PeerUnreachableError, type PeerClientOptions, type PeerResponse } from './client.js';
export {
  basicAuth,
  basicCredentials,
  jaasLogin,
  UNAUTHORIZED_MESSAGE,
  type BasicAuthOptions,
  type LoginFlag,
  type UsersModule,
} from './basic-auth.js';
export { accessLog, allowedHosts, parseAllowedHost, streamedLength } from './guards.js';
export { HttpError, isHttpError, toErrorResponse, type ErrorBody, type ErrorMapper } from './http-error.js';
export {
  listen,
  parseListeners,
  type BoundListener,
  type Listener,
  type ListeningServer,
} from './listener.js';
export { emptyResponse, encodePathSegment } from './responses.js';
export { bodyChunks, streamAnswer, type BodyChunks, type StreamedAnswer } from './streaming.js';
export {
  isJsonCompatible,
  NOT_FOUND,
  selectResourceMethod,
  unsupportedMediaType,
  type ResourceSelectionOptions,
} from './routing.js';
export { resolveHttpsOptions } from './tls.js';
